"""Personal data: IP storage, deleting and anonymising a visitor (checked in every table), and
the retention sweep."""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from tertulia.accounts.models import AuditAction, AuditEntry, IpStorage
from tertulia.conversations.models import Message, MessageKind
from tertulia.conversations.services import visitor_set_status
from tertulia.notifications.models import Delivery, Notification
from tertulia.privacy.services import visitor_anonymise, visitors_purge_expired
from tertulia.privacy.tasks import purge_expired_visitors, schedule_purge
from tertulia.visitors.ip import stored_ip
from tertulia.visitors.models import PageView, Visitor

# What the visitor below gives away; none of it may survive a deletion anywhere.
NAME = "Zoe Quintanilla-Privacy"
EMAIL = "zoe.quintanilla@example.org"
PHONE = "+34612349876"
COMPANY = "Quintanilla Secret Bakery"
IP = "2.139.0.77"  # Madrid in the test database
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 ZoeTracker/9"


@pytest.mark.parametrize(
    ("ip", "policy", "kept"),
    [
        ("2.139.0.77", IpStorage.TRUNCATED, "2.139.0.0"),
        ("2.139.0.77", IpStorage.FULL, "2.139.0.77"),
        ("2.139.0.77", IpStorage.NONE, None),
        ("2a02:9130:1234:5678:9abc:def0:1234:5678", IpStorage.TRUNCATED, "2a02:9130:1234::"),
        (
            "2a02:9130:1234:5678:9abc:def0:1234:5678",
            IpStorage.FULL,
            "2a02:9130:1234:5678:9abc:def0:1234:5678",
        ),
        ("::ffff:2.139.0.77", IpStorage.TRUNCATED, "2.139.0.0"),
        ("", IpStorage.FULL, None),
        ("not an ip", IpStorage.FULL, None),
    ],
)
def test_ip_storage_policy(ip, policy, kept):
    assert stored_ip(ip, policy) == kept


def _post(client, bot, path, body, token=""):
    return client.post(
        f"/widget/{bot.public_key}/{path}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Tertulia-Token": token, "User-Agent": USER_AGENT},
        REMOTE_ADDR=IP,
    )


@pytest.fixture
def chatty_visitor(client, bot, owner):
    """A visitor who went through the whole flow in the widget, with every kind of data."""
    for node in bot.flow["nodes"]:
        if node["id"] == "contact":
            node["fields"] += [
                {"name": "company", "label": "Company", "type": "text", "required": False},
                {"name": "team", "label": "Team size", "type": "number", "required": False},
                {"name": "plan", "label": "Plan", "type": "choice", "choices": ["Pro", "Basic"]},
            ]
        if node["type"] == "notification":
            node.update(email_to="sales@shop.example", webhook_url="https://hooks.example/x")
    bot.save()
    page = {
        "url": "https://shop.example/pricing?utm_source=news",
        "title": "Pricing",
        "languages": ["es-ES"],
    }
    token = _post(client, bot, "open", {"page": page}).json()["token"]
    _post(client, bot, "send", {"type": "text", "client_id": "t1", "text": "Hola"}, token)
    _post(
        client,
        bot,
        "send",
        {"type": "choose", "client_id": "c1", "node": "topic", "option": "sales"},
        token,
    )
    values = {
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "company": COMPANY,
        "team": "12",
        "plan": "Pro",
    }
    submitted = _post(
        client,
        bot,
        "send",
        {"type": "submit", "client_id": "f1", "node": "contact", "values": values},
        token,
    )
    assert submitted.status_code == 200, submitted.content
    _post(client, bot, "page", {"url": "https://shop.example/checkout", "title": "Checkout"}, token)
    visitor = Visitor.objects.get()
    assert (visitor.name, visitor.status, str(visitor.ip)) == (NAME, "lead", "2.139.0.0")
    return visitor, token


def _personal_strings(visitor) -> list[str]:
    return [NAME, EMAIL, PHONE, COMPANY, "2.139.0.", visitor.user_agent]


def _rows_mentioning(needles: list[str]) -> list[str]:
    """Every row of every table whose text or JSON holds one of `needles`."""
    found = []
    for model in apps.get_models():
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(
                f,
                models.CharField
                | models.TextField
                | models.JSONField
                | models.GenericIPAddressField,
            )
        ]
        if not columns:
            continue
        for row in model.objects.values_list(*columns):
            text = json.dumps(row, default=str, ensure_ascii=False)
            found += [
                f"{model._meta.label}: {needle}" for needle in needles if needle and needle in text
            ]
    return found


def _rows_pointing_at(visitor_pk: int) -> list[str]:
    """Every row of every table with a foreign key to this visitor."""
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if (
                f.is_relation
                and f.related_model is Visitor
                and model.objects.filter(**{f.attname: visitor_pk}).exists()
            ):
                found.append(f"{model._meta.label}.{f.name}")
    return found


@pytest.mark.django_db(transaction=True)
def test_deleting_a_visitor_leaves_nothing_behind_but_an_audit_line(
    chatty_visitor, owner_client, owner
):
    visitor, token = chatty_visitor
    needles = _personal_strings(visitor)
    assert len(_rows_mentioning(needles)) >= 5  # the check can fail: the data is there before
    assert Delivery.objects.filter(visitor=visitor).count() == 2
    assert Notification.objects.filter(visitor=visitor).exists()
    assert PageView.objects.filter(visitor=visitor).count() == 2

    page = owner_client.get(f"/visitors/{visitor.pk}/delete/")
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    response = owner_client.post(f"/visitors/{visitor.pk}/delete/")
    assert response.status_code == 302

    assert _rows_pointing_at(visitor.pk) == []
    assert _rows_mentioning(needles) == []
    entry = AuditEntry.objects.get(action=AuditAction.VISITOR_DELETED)
    assert (entry.action, entry.actor, entry.detail) == (
        AuditAction.VISITOR_DELETED,
        owner.user,
        {"number": visitor.number, "status": "lead"},
    )
    # The browser's token no longer opens that conversation.
    assert (
        _post(
            owner_client,
            visitor.bot,
            "send",
            {"type": "text", "client_id": "x", "text": "?"},
            token,
        ).status_code
        == 401
    )


@pytest.mark.django_db(transaction=True)
def test_anonymising_keeps_the_conversation_and_removes_who_the_visitor_is(
    chatty_visitor, owner_client
):
    visitor, token = chatty_visitor
    messages_before = Message.objects.filter(visitor=visitor).count()

    assert owner_client.post(f"/visitors/{visitor.pk}/anonymise/").status_code == 302

    assert _rows_mentioning(_personal_strings(visitor)) == []
    visitor.refresh_from_db()
    assert visitor.display_name == f"Visitor #{visitor.number}"
    assert (visitor.email, visitor.phone, visitor.ip, visitor.token_hash) == ("", "", None, None)
    assert visitor.anonymised_at is not None
    assert visitor.attributes == {"team": "12", "plan": "Pro"}
    assert (visitor.country, visitor.city) == ("ES", "Madrid")
    assert Message.objects.filter(visitor=visitor).count() == messages_before
    assert Message.objects.filter(visitor=visitor, text="Hola").exists()
    # The bot's "Thanks, {name}" keeps its words without the name.
    assert Message.objects.filter(visitor=visitor, sender="bot", text__contains="[…]").exists()
    submission = Message.objects.get(visitor=visitor, kind=MessageKind.FORM_SUBMISSION)
    assert {f["name"]: f["value"] for f in submission.payload["fields"]} == {
        "name": "",
        "email": "",
        "phone": "",
        "company": "",
        "team": "12",
        "plan": "Pro",
    }
    assert not Delivery.objects.filter(visitor=visitor).exists()
    entry = AuditEntry.objects.get(action=AuditAction.VISITOR_ANONYMISED)
    assert (entry.workspace_id, entry.detail) == (visitor.workspace_id, {"number": visitor.number})
    shown = owner_client.get(f"/visitors/{visitor.pk}/").content.decode()
    assert "Anonymised on" in shown and NAME not in shown
    # The old browser starts afresh rather than reaching the anonymised conversation.
    assert _post(owner_client, visitor.bot, "open", {"token": token}).json()["token"] != token


def test_only_owners_and_admins_delete_or_anonymise(make_visitor, agent_client, owner_client):
    visitor = make_visitor(name="Kept")
    for path in ("delete", "anonymise"):
        assert agent_client.get(f"/visitors/{visitor.pk}/{path}/").status_code == 403
        assert agent_client.post(f"/visitors/{visitor.pk}/{path}/").status_code == 403
    assert Visitor.objects.filter(pk=visitor.pk, name="Kept").exists()
    assert "Delete visitor" not in agent_client.get(f"/visitors/{visitor.pk}/").content.decode()
    assert "Delete visitor" in owner_client.get(f"/visitors/{visitor.pk}/").content.decode()


def test_other_workspaces_visitors_cannot_be_deleted(make_visitor, other_owner, owner_client):
    foreign = make_visitor(in_workspace=other_owner.workspace, name="Foreign")
    assert owner_client.post(f"/visitors/{foreign.pk}/delete/").status_code == 404
    assert owner_client.post(f"/visitors/{foreign.pk}/anonymise/").status_code == 404
    assert Visitor.objects.filter(pk=foreign.pk, name="Foreign").exists()


def test_anonymising_twice_is_harmless(make_visitor, owner):
    visitor = make_visitor(name="Twice", email="twice@example.org")
    visitor_anonymise(visitor=visitor, actor=owner.user)
    visitor_anonymise(visitor=visitor, actor=owner.user)
    visitor.refresh_from_db()
    assert visitor.name is None and visitor.email == ""


def test_retention_deletes_visitors_archived_longer_than_the_setting(
    workspace, make_visitor, owner, other_owner
):
    workspace.retention_days = 30
    workspace.save()
    old, recent, lead = (make_visitor(name=n) for n in ("Old", "Recent", "Lead"))
    for visitor in (old, recent):
        visitor_set_status(visitor=visitor, status="archived", actor=owner.user)
    visitor_set_status(visitor=lead, status="lead", actor=owner.user)
    long_ago = timezone.now() - dt.timedelta(days=31)
    Visitor.objects.filter(pk__in=[old.pk, lead.pk]).update(status_changed_at=long_ago)
    # A workspace that keeps everything loses nothing.
    foreign = make_visitor(in_workspace=other_owner.workspace, name="Foreign")
    visitor_set_status(visitor=foreign, status="archived", actor=other_owner.user)
    Visitor.objects.filter(pk=foreign.pk).update(status_changed_at=long_ago)

    assert visitors_purge_expired() == 1
    assert set(Visitor.objects.values_list("name", flat=True)) == {"Recent", "Lead", "Foreign"}
    entry = AuditEntry.objects.get(action=AuditAction.VISITORS_EXPIRED)
    assert (entry.action, entry.actor, entry.detail) == (
        AuditAction.VISITORS_EXPIRED,
        None,
        {"count": 1, "days": 30},
    )
    assert visitors_purge_expired() == 0


@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_as_a_task_and_queues_the_next_one(workspace, make_visitor, owner):
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    workspace.retention_days = 1
    workspace.save()
    visitor = make_visitor(name="Gone")
    visitor_set_status(visitor=visitor, status="archived", actor=owner.user)
    Visitor.objects.filter(pk=visitor.pk).update(
        status_changed_at=timezone.now() - dt.timedelta(days=2)
    )
    schedule_purge()
    schedule_purge()  # a second worker starting does not queue a second sweep
    waiting = DBTaskResult.objects.filter(
        task_path=purge_expired_visitors.module_path, status=TaskResultStatus.READY
    )
    assert waiting.count() == 1

    from tests.notifications.delivery import run_worker

    run_worker()
    assert not Visitor.objects.filter(name="Gone").exists()
    next_sweep = waiting.get()
    assert next_sweep.run_after > timezone.now() + dt.timedelta(minutes=59)
