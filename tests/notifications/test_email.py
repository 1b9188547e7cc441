"""Notification e-mails through an SMTP sink on loopback, sent by the real worker."""

from datetime import timedelta

from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tertulia.accounts.links import public_url
from tertulia.notifications.models import Channel, Delivery, DeliveryState, Notification
from tertulia.notifications.services import notify_from_node

from .delivery import (
    DELIVER_TASK,
    notify,
    ready_deliver_tasks,
    run_worker,
    transactional,
    use_smtp,
)
from .servers import SMTPSink, closed_port


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

    link = public_url(f"/visitors/{visitor.pk}/")
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
        notify(
            visitor=visitor,
            bot=bot,
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
    notify(
        visitor=make_visitor(name="Ana"),
        bot=bot,
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


@transactional
def test_line_break_in_visitor_name_neither_injects_headers_nor_strands_the_email(
    settings, owner, bot, make_visitor
):
    visitor = make_visitor(name="Ana\r\nBcc: spy@evil.test")
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        notify(visitor=visitor, bot=bot, config={"in_app": False, "email_members": [owner.pk]})
        run_worker()

    for mail in sink.messages:
        assert mail.rcpt_to == ["owner@acme.test"]
        assert mail.message["Bcc"] is None
    delivery = Delivery.objects.get()
    assert delivery.attempts == 1
    assert delivery.state == DeliveryState.SENT or delivery.error


@transactional
def test_line_breaks_a_visitor_typed_are_kept_in_the_body_and_flattened_in_the_subject(
    settings, owner, bot, make_visitor
):
    visitor = make_visitor(name="Ana\nMaría\r\nLópez", phone="+34612345678")
    with SMTPSink() as sink:
        use_smtp(settings, sink.port)
        notify_from_node(
            visitor=visitor,
            bot=bot,
            label="New lead",
            text="Call me\r\nafter five",
            config={"in_app": True, "email_members": [owner.pk], "email_to": "sales@example.com"},
        )
        run_worker()

    assert sorted(mail.rcpt_to[0] for mail in sink.messages) == [
        "owner@acme.test",
        "sales@example.com",
    ]
    for mail in sink.messages:
        assert mail.message["Subject"] == "New lead: Ana María López"
        body = mail.message.get_content().replace("\r\n", "\n")  # lines end in CRLF on the wire
        assert "Call me\nafter five" in body
        assert "Visitor: Ana\nMaría\nLópez" in body
    assert set(Delivery.objects.values_list("state", "attempts", "error")) == {
        (DeliveryState.SENT, 1, "")
    }
    # The bell shows the name as it is, escaped, wherever it is read.
    assert Notification.objects.get(member=owner).about == "Ana\nMaría\r\nLópez"
