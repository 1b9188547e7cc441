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
from tertulia.notifications.webhooks import endpoint_answered, endpoint_failed, signing_secrets
from tertulia.realtime.events import WEBHOOK_TEST

RETRY_FOR = timedelta(days=1)
FIRST_RETRY_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600
WEBHOOK_TIMEOUT_SECONDS = 10


def signature(secret: str | list[str], timestamp: int, body: bytes) -> str:
    """The Tertulia-Signature header: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">, with one
    v1 per secret (two for a day after a rotation: receivers accept either)."""
    keys = [secret] if isinstance(secret, str) else secret
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in keys]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


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


EXCERPT = 300  # characters of the receiver's answer kept in the delivery log


def _excerpt(raw: bytes) -> str:
    return raw[: EXCERPT * 4].decode("utf-8", "replace")[:EXCERPT].replace("\x00", "\ufffd")


def _send_webhook(delivery: Delivery) -> int:
    if not is_web_url(delivery.target):
        raise DeliveryFailed("Not an http(s) URL", permanent=True)
    keys = signing_secrets(delivery.endpoint) if delivery.endpoint_id else delivery.secret
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 (only http and https, checked above)
        delivery.target,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Tertulia-Webhook/1",
            "Tertulia-Signature": signature(keys, int(time.time()), body),
            "Tertulia-Event": delivery.event,
        },
    )
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            delivery.response_excerpt = _excerpt(response.read(EXCERPT * 4))
            return response.status
    except urllib.error.HTTPError as error:
        try:
            delivery.response_excerpt = _excerpt(error.read(EXCERPT * 4) if error.fp else b"")
        except (OSError, http.client.HTTPException):  # the answer broke off: no excerpt
            delivery.response_excerpt = ""
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
    delivery = (
        Delivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, state=DeliveryState.PENDING)
        .first()
    )
    if delivery is None:
        return "gone"
    if delivery.endpoint_id and not delivery.endpoint.active and delivery.event != WEBHOOK_TEST:
        delivery.state = DeliveryState.FAILED
        delivery.error = "The endpoint is paused."
        delivery.save()
        return "paused"
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    started = time.perf_counter()
    try:
        if delivery.channel == Channel.WEBHOOK:
            delivery.response_code = _send_webhook(delivery)
        else:
            _send_email(delivery)
    except DeliveryFailed as failure:
        delivery.duration_ms = round((time.perf_counter() - started) * 1000)
        delivery.error = str(failure)
        delivery.response_code = failure.code
        if delivery.endpoint_id:
            endpoint_failed(endpoint_id=delivery.endpoint_id)
        if not failure.permanent and timezone.now() - delivery.created_at < RETRY_FOR:
            wait = timedelta(seconds=retry_delay(delivery.attempts))
            delivery.save()
            deliver.using(run_after=timezone.now() + wait).enqueue(delivery.pk)
            return "retry"
        delivery.state = DeliveryState.FAILED
        delivery.save()
        return "failed"
    delivery.duration_ms = round((time.perf_counter() - started) * 1000)
    delivery.state = DeliveryState.SENT
    delivery.error = ""
    delivery.save()
    if delivery.endpoint_id:
        endpoint_answered(endpoint_id=delivery.endpoint_id)
    return "sent"
