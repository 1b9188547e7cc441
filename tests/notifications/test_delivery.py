"""Notification nodes end to end: rows written on commit, the real db_worker, real servers."""

import hashlib
import hmac
import io
import json
import signal
import time
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tertulia.notifications.models import Channel, Delivery, DeliveryState, Notification
from tertulia.notifications.services import notify_from_node, webhook_body
from tertulia.notifications.tasks import retry_delay

from .servers import NotHTTPServer, SMTPSink, WebhookReceiver, closed_port

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


# E-mail


@transactional
def test_emails_reach_the_smtp_server_after_commit(settings, owner, agent, bot, make_visitor):
    visitor = make_visitor(
        name="<script>alert(1)</script>", email="lead@example.org", phone="+34612345678"
    )
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        with transaction.atomic():
            notify_from_node(
                visitor=visitor,
                bot=bot,
                label="New lead",
                text="Wants a quote for <b>200</b> seats & support",
                config={
                    "in_app": True,
                    "email_members": [owner.pk],
                    "email_to": "sales@example.com",
                    "webhook_url": "",
                },
            )
            # Rows are written in the transaction; the tasks only once it commits.
            assert Delivery.objects.count() == 2
            assert not DBTaskResult.objects.exists()
        assert ready_deliver_tasks().count() == 2
        assert len(sink.messages) == 0

        run_worker()

        assert len(sink.messages) == 2
        by_recipient = {tuple(mail.rcpt_to): mail for mail in sink.messages}
        assert set(by_recipient) == {("owner@acme.test",), ("sales@example.com",)}

    link = f"{settings.TERTULIA_URL.rstrip('/')}/visitors/{visitor.pk}/"
    for (recipient,), mail in by_recipient.items():
        message = mail.message
        assert message["To"] == recipient
        assert mail.mail_from in settings.DEFAULT_FROM_EMAIL
        assert message["Subject"] == "New lead: <script>alert(1)</script>"
        # Plain text only: markup from the visitor or the flow is never rendered.
        assert not message.is_multipart()
        assert message.get_content_type() == "text/plain"
        body = message.get_content()
        assert "Wants a quote for <b>200</b> seats & support" in body
        assert "Visitor: <script>alert(1)</script>" in body
        assert "E-mail: lead@example.org" in body
        assert "Phone: +34612345678" in body
        assert "Bot: Website bot" in body
        assert link in body
        assert "&lt;" not in body and "&amp;" not in body

    deliveries = Delivery.objects.order_by("pk")
    assert {d.target for d in deliveries} == {"owner@acme.test", "sales@example.com"}
    for delivery in deliveries:
        assert delivery.channel == Channel.EMAIL
        assert delivery.state == DeliveryState.SENT
        assert delivery.attempts == 1
        assert delivery.error == ""
        assert delivery.last_attempt_at is not None
        assert delivery.visitor_id == visitor.pk
    assert not ready_deliver_tasks().exists()
    assert (
        list(
            DBTaskResult.objects.filter(task_path=DELIVER_TASK).values_list(
                "status", "return_value"
            )
        )
        == [(TaskResultStatus.SUCCESSFUL, "sent")] * 2
    )

    notifications = Notification.objects.filter(workspace=owner.workspace)
    assert sorted(n.member_id for n in notifications) == sorted([owner.pk, agent.pk])
    for notification in notifications:
        assert (notification.title, notification.body) == (
            "New lead",
            "Wants a quote for <b>200</b> seats & support",
        )
        assert notification.visitor_id == visitor.pk
        assert notification.read_at is None


@transactional
def test_members_of_other_workspaces_are_neither_told_nor_mailed(
    settings, owner, other_owner, bot, make_visitor
):
    visitor = make_visitor(name="Ana")
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        notify_from_node(
            visitor=visitor,
            bot=bot,
            label="New lead",
            text="Hello",
            config={
                "in_app": True,
                "email_members": [owner.pk, other_owner.pk, str(owner.pk)],
                "email_to": "",
                "webhook_url": "",
            },
        )
        run_worker()

    assert [mail.rcpt_to for mail in sink.messages] == [["owner@acme.test"]]
    assert not Notification.objects.filter(member=other_owner).exists()
    assert Notification.objects.filter(member=owner).count() == 1


@transactional
def test_unnamed_visitor_is_named_by_number_in_the_subject(settings, owner, bot, make_visitor):
    visitor = make_visitor()
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        notify_from_node(
            visitor=visitor,
            bot=bot,
            label="Callback",
            text="Call me",
            config={"in_app": False, "email_members": [owner.pk]},
        )
        run_worker()

    (mail,) = sink.messages
    assert mail.message["Subject"] == f"Callback: Visitor #{visitor.number}"
    assert "E-mail: -" in mail.message.get_content()
    assert not Notification.objects.exists()


@transactional
def test_smtp_server_down_keeps_the_email_pending_with_the_error(
    settings, owner, bot, make_visitor
):
    use_smtp(settings, closed_port())
    notify_from_node(
        visitor=make_visitor(name="Ana"),
        bot=bot,
        label="New lead",
        text="Hello",
        config={"in_app": False, "email_to": "sales@example.com"},
    )
    before = timezone.now()

    run_worker()

    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.response_code is None
    assert delivery.error  # e.g. "[Errno 111] Connection refused"
    (retry,) = ready_deliver_tasks()
    assert retry.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    assert before + timedelta(seconds=25) < retry.run_after < timezone.now() + timedelta(seconds=35)


# Webhooks


@transactional
def test_webhook_is_posted_as_signed_json(owner, bot, make_visitor):
    visitor = make_visitor(
        name="Lucía <i>López</i>",
        email="lucia@example.org",
        phone="+34612345678",
        country="ES",
        city="Madrid",
        attributes={"plan": "team", "seats": "200"},
    )
    with WebhookReceiver() as receiver:
        notify_from_node(
            visitor=visitor,
            bot=bot,
            label="New lead",
            text="Wants a quote",
            config=webhook_only(receiver.url("/hooks/tertulia?source=test")),
        )
        assert len(receiver.requests) == 0
        run_worker()

    (request,) = receiver.requests
    assert request.method == "POST"
    assert request.path == "/hooks/tertulia?source=test"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Tertulia-Webhook/1"

    payload = json.loads(request.body)
    assert set(payload) == WEBHOOK_KEYS
    assert payload["event"] == "notification"
    assert uuid.UUID(payload["id"])
    created_at = datetime.fromisoformat(payload["created_at"])
    assert created_at.tzinfo is not None
    assert abs((timezone.now() - created_at).total_seconds()) < 60
    assert payload["workspace"] == owner.workspace_id
    assert payload["bot"] == bot.public_key
    assert payload["data"] == {"label": "New lead", "text": "Wants a quote"}
    sent_visitor = payload["visitor"]
    assert sent_visitor["id"] == visitor.pk
    assert sent_visitor["number"] == visitor.number
    assert sent_visitor["name"] == "Lucía <i>López</i>"
    assert sent_visitor["email"] == "lucia@example.org"
    assert sent_visitor["phone"] == "+34612345678"
    assert (sent_visitor["country"], sent_visitor["city"]) == ("ES", "Madrid")
    assert sent_visitor["attributes"] == {"plan": "team", "seats": "200"}
    assert sent_visitor["url"].endswith(f"/visitors/{visitor.pk}/")

    assert bot.webhook_secret
    assert_signed(request, bot.webhook_secret)
    timestamp, digest = parse_signature(request.headers["Tertulia-Signature"])
    assert not hmac.compare_digest(digest, expected_signature("wrong", timestamp, request.body))
    assert not hmac.compare_digest(
        digest, expected_signature(bot.webhook_secret, timestamp, request.body + b" ")
    )

    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.event, delivery.secret) == (
        Channel.WEBHOOK,
        "notification",
        bot.webhook_secret,
    )
    assert (delivery.state, delivery.attempts, delivery.response_code, delivery.error) == (
        DeliveryState.SENT,
        1,
        200,
        "",
    )
    assert not Notification.objects.exists()


def test_webhook_body_has_the_documented_shape(owner, bot, make_visitor):
    visitor = make_visitor(name="Ana")
    when = timezone.now()
    payload = webhook_body(
        event="visitor.updated", visitor=visitor, bot=None, data={"at": when, "n": 1}
    )
    assert set(payload) == WEBHOOK_KEYS
    assert payload["bot"] is None
    # Data that JSON cannot hold is sent as text, and the whole body survives a round trip.
    assert payload["data"] == {"at": str(when), "n": 1}
    assert json.loads(json.dumps(payload)) == payload
    assert payload["id"] != webhook_body(event="x", visitor=visitor, bot=bot, data={})["id"]


# Retries


@transactional
def test_failed_webhook_is_retried_later_and_then_sent(bot, make_visitor):
    with WebhookReceiver(statuses=[500, 200]) as receiver:
        notify_from_node(
            visitor=make_visitor(name="Ana"),
            bot=bot,
            label="New lead",
            text="Hello",
            config=webhook_only(receiver.url("/hook")),
        )
        before = timezone.now()
        run_worker()

        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.PENDING
        assert delivery.attempts == 1
        assert delivery.response_code == 500
        assert delivery.error == "HTTP 500"
        first_task = DBTaskResult.objects.get(
            task_path=DELIVER_TASK, status=TaskResultStatus.SUCCESSFUL
        )
        assert first_task.return_value == "retry"
        (retry,) = ready_deliver_tasks()
        assert retry.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
        wait = timedelta(seconds=retry_delay(1))
        assert before + wait - timedelta(seconds=5) < retry.run_after
        assert retry.run_after < timezone.now() + wait + timedelta(seconds=5)

        # Not due yet: a worker run now leaves it alone.
        run_worker()
        assert len(receiver.requests) == 1
        assert Delivery.objects.get().attempts == 1

        DBTaskResult.objects.filter(pk=retry.pk).update(
            run_after=timezone.now() - timedelta(seconds=1)
        )
        run_worker()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.attempts == 2
    assert delivery.response_code == 200
    assert delivery.error == ""
    assert not ready_deliver_tasks().exists()

    first, second = receiver.requests
    # The same event again (same id, same body), freshly signed.
    assert first.body == second.body
    assert json.loads(second.body)["id"] == json.loads(first.body)["id"]
    for request in (first, second):
        assert_signed(request, bot.webhook_secret)


@transactional
def test_receiver_down_records_the_error_and_stays_pending(bot, make_visitor):
    notify_from_node(
        visitor=make_visitor(name="Ana"),
        bot=bot,
        label="New lead",
        text="Hello",
        config=webhook_only(f"http://127.0.0.1:{closed_port()}/hook"),
    )

    run_worker()

    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.response_code is None
    assert "refused" in delivery.error.lower()
    assert len(delivery.error) <= 300
    assert ready_deliver_tasks().count() == 1


@transactional
@pytest.mark.parametrize("channel", [Channel.WEBHOOK, Channel.EMAIL])
def test_delivery_older_than_a_day_fails_for_good(settings, owner, bot, make_visitor, channel):
    use_smtp(settings, closed_port())
    with WebhookReceiver(statuses=[503]) as receiver:
        notify_from_node(
            visitor=make_visitor(name="Ana"),
            bot=bot,
            label="New lead",
            text="Hello",
            config={
                "in_app": False,
                "email_to": "sales@example.com" if channel == Channel.EMAIL else "",
                "webhook_url": receiver.url("/hook") if channel == Channel.WEBHOOK else "",
            },
        )
        Delivery.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))

        run_worker()

    delivery = Delivery.objects.get()
    assert delivery.channel == channel
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert delivery.error
    if channel == Channel.WEBHOOK:
        assert len(receiver.requests) == 1
        assert (delivery.response_code, delivery.error) == (503, "HTTP 503")
    assert not ready_deliver_tasks().exists()
    task = DBTaskResult.objects.get(task_path=DELIVER_TASK)
    assert (task.status, task.return_value) == (TaskResultStatus.SUCCESSFUL, "failed")

    # A failed delivery is never sent again, even if its task were to run once more.
    DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.READY)
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)


@transactional
def test_delivery_within_the_day_is_still_retried(bot, make_visitor):
    with WebhookReceiver(statuses=[502]) as receiver:
        notify_from_node(
            visitor=make_visitor(name="Ana"),
            bot=bot,
            label="New lead",
            text="Hello",
            config=webhook_only(receiver.url("/hook")),
        )
        Delivery.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=50))
        run_worker()

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.response_code) == (DeliveryState.PENDING, 502)
    assert ready_deliver_tasks().count() == 1


# Hostile or broken receivers: a delivery is retried or given up on, never stranded.


@transactional
def test_line_break_in_visitor_name_neither_injects_headers_nor_strands_the_email(
    settings, owner, bot, make_visitor
):
    visitor = make_visitor(name="Ana\r\nBcc: spy@evil.test")
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        notify_from_node(
            visitor=visitor,
            bot=bot,
            label="New lead",
            text="Hello",
            config={"in_app": False, "email_members": [owner.pk]},
        )
        run_worker()

    for mail in sink.messages:
        assert mail.rcpt_to == ["owner@acme.test"]
        assert mail.message["Bcc"] is None
    delivery = Delivery.objects.get()
    assert delivery.attempts == 1
    assert delivery.state == DeliveryState.SENT or delivery.error


@transactional
def test_receiver_that_does_not_answer_http_is_retried(bot, make_visitor):
    with NotHTTPServer() as server:
        notify_from_node(
            visitor=make_visitor(name="Ana"),
            bot=bot,
            label="New lead",
            text="Hello",
            config=webhook_only(server.url("/hook")),
        )
        run_worker()
        assert server.connections == 1

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert delivery.error
    assert ready_deliver_tasks().count() == 1


@transactional
def test_webhook_redirect_is_not_taken_for_delivery(bot, make_visitor):
    with WebhookReceiver(statuses=[302], redirect_to="/moved") as receiver:
        notify_from_node(
            visitor=make_visitor(name="Ana"),
            bot=bot,
            label="New lead",
            text="Hello",
            config=webhook_only(receiver.url("/hook")),
        )
        run_worker()

    assert [(r.method, r.path) for r in receiver.requests] == [("POST", "/hook")]
    delivery = Delivery.objects.get()
    assert delivery.state != DeliveryState.SENT
    assert delivery.response_code == 302


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [
        (0, 30),
        (1, 30),
        (2, 60),
        (3, 120),
        (4, 240),
        (5, 480),
        (6, 960),
        (7, 1920),
        (8, 3600),
        (9, 3600),
        (30, 3600),
        (1000, 3600),
    ],
)
def test_retry_delay_doubles_from_30_seconds_up_to_an_hour(attempts, seconds):
    assert retry_delay(attempts) == seconds


def test_retries_keep_going_for_about_a_day():
    delays = [retry_delay(n) for n in range(1, 40)]
    assert delays == sorted(delays)
    # The waits alone reach a day after a few dozen attempts, not hundreds.
    total, attempts = 0, 0
    while total < timedelta(days=1).total_seconds():
        attempts += 1
        total += retry_delay(attempts)
    assert 25 < attempts < 35
