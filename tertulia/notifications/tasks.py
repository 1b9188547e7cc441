"""Background delivery of e-mails and webhooks, retried with backoff for a day."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

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
    def __init__(self, reason: str, code: int | None = None):
        super().__init__(reason)
        self.code = code


def _send_webhook(delivery: Delivery) -> int:
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 (the URL is checked to be http(s) when saved)
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
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"HTTP {error.code}", error.code) from error
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryFailed(str(getattr(error, "reason", error))[:300]) from error


def _send_email(delivery: Delivery) -> None:
    message = EmailMessage(
        subject=delivery.payload.get("subject", ""),
        body=delivery.payload.get("body", ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.target],
    )
    try:
        message.send()
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
        if timezone.now() - delivery.created_at < RETRY_FOR:
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
