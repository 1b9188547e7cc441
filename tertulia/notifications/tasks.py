"""Background delivery of e-mails and webhooks, retried with backoff for a day."""

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

from tertulia.core.web import is_web_url
from tertulia.notifications.models import Channel, Delivery, DeliveryState

RETRY_FOR = timedelta(days=1)
FIRST_RETRY_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600
WEBHOOK_TIMEOUT_SECONDS = 10


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Tertulia-Signature header: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the n-th failed attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_WAIT_SECONDS)


class DeliveryFailed(Exception):
    def __init__(self, reason: str, code: int | None = None, *, permanent: bool = False):
        super().__init__(reason)
        self.code = code
        # Retrying cannot help (a malformed address or URL): give up at once.
        self.permanent = permanent


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a body-less GET: count it as a failed delivery."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _send_webhook(delivery: Delivery) -> int:
    if not is_web_url(delivery.target):
        raise DeliveryFailed("Not an http(s) URL", permanent=True)
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 (only http and https, checked above)
        delivery.target,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Tertulia-Webhook/1",
            "Tertulia-Signature": signature(delivery.secret, int(time.time()), body),
        },
    )
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"HTTP {error.code}", error.code) from error
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error.__class__.__name__
        raise DeliveryFailed(str(reason)[:300]) from error


def _send_email(delivery: Delivery) -> None:
    try:
        EmailMessage(
            subject=delivery.payload.get("subject", ""),
            body=delivery.payload.get("body", ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.target],
        ).send()
    except ValueError as error:  # an address or header that cannot be sent
        raise DeliveryFailed(str(error)[:300], permanent=True) from error
    except OSError as error:
        raise DeliveryFailed(str(error)[:300]) from error


@task()
def deliver(delivery_id: int) -> str:
    """Send one pending delivery; on failure, try again later until a day has passed."""
    delivery = Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING).first()
    if delivery is None:
        return "gone"
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    try:
        if delivery.channel == Channel.WEBHOOK:
            delivery.response_code = _send_webhook(delivery)
        else:
            _send_email(delivery)
    except DeliveryFailed as failure:
        delivery.error = str(failure)
        delivery.response_code = failure.code
        if not failure.permanent and timezone.now() - delivery.created_at < RETRY_FOR:
            wait = timedelta(seconds=retry_delay(delivery.attempts))
            delivery.save()
            deliver.using(run_after=timezone.now() + wait).enqueue(delivery.pk)
            return "retry"
        delivery.state = DeliveryState.FAILED
        delivery.save()
        return "failed"
    delivery.state = DeliveryState.SENT
    delivery.error = ""
    delivery.save()
    return "sent"
