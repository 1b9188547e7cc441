"""What the delivery tests share: the real worker, SMTP settings, signatures, a short notify."""

import hashlib
import hmac
import io
import signal
import time

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tertulia.notifications.services import notify_from_node

DELIVER_TASK = "tertulia.notifications.tasks.deliver"
WEBHOOK_KEYS = {"event", "id", "created_at", "workspace", "bot", "visitor", "data"}

transactional = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    """Run every ready task with django_tasks_db's worker, as production does, then return."""
    saved = {
        signum: signal.getsignal(signum)
        for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None))
        if signum is not None
    }
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--interval",
            "0",
            verbosity=0,
            stdout=io.StringIO(),
        )
    finally:
        # The worker installs its own shutdown handlers; give pytest its own back.
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def ready_deliver_tasks():
    return DBTaskResult.objects.filter(task_path=DELIVER_TASK, status=TaskResultStatus.READY)


def use_smtp(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def notify(*, visitor, bot, config: dict) -> None:
    """A Notification node labelled "New lead" saying "Hello"."""
    notify_from_node(visitor=visitor, bot=bot, label="New lead", text="Hello", config=config)


def webhook_only(url: str) -> dict:
    return {"in_app": False, "email_members": [], "email_to": "", "webhook_url": url}


def parse_signature(header: str) -> tuple[int, str]:
    parts = dict(part.split("=", 1) for part in header.split(","))
    assert set(parts) == {"t", "v1"}, header
    return int(parts["t"]), parts["v1"]


def expected_signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def assert_signed(request, secret: str) -> None:
    timestamp, digest = parse_signature(request.headers["Tertulia-Signature"])
    assert hmac.compare_digest(digest, expected_signature(secret, timestamp, request.body))
    assert abs(timestamp - time.time()) <= 60
    assert abs(timestamp - request.received_at) <= 5
