"""The bell: lines are stored as a kind plus parameters and worded for the member who reads them,
in that member's language, with the visitor's name as it is when read."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from tertulia.accounts.models import Role
from tertulia.accounts.services import member_add
from tertulia.notifications.models import Notification, NotificationKind
from tertulia.notifications.services import notify_from_node, notify_live_chat_requested
from tertulia.privacy.services import visitor_anonymise

from ..conftest import PASSWORD


@pytest.fixture
def spanish_client(workspace):
    member = member_add(
        workspace=workspace,
        email="carla@acme.test",
        password=PASSWORD,
        role=Role.AGENT,
        name="Carla",
        language="es",
    )
    client = Client()
    client.force_login(member.user)
    return client


def bell_lines(client) -> list[str]:
    """Each line under the bell as a reader sees it: title, body, who, separated by " | "."""
    html = client.get("/notifications/").content.decode()
    lines = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", html, flags=re.DOTALL):
        parts = re.findall(r'<span class="bell__(?:title|body|meta)">(.*?)(?:<time|</span>)', item)
        lines.append(" | ".join(" ".join(part.split()).rstrip(" ·") for part in parts))
    return lines


def test_a_visitor_waiting_reads_in_each_members_language(
    owner_client, spanish_client, make_visitor
):
    visitor = make_visitor(name="Ana")
    # The visitor's widget speaks Spanish; the owner reads English all the same.
    with translation.override("es"):
        notify_live_chat_requested(visitor=visitor)
    assert Notification.objects.filter(kind=NotificationKind.LIVE_CHAT_REQUESTED).count() == 2
    assert all(line.params == {} for line in Notification.objects.all())

    assert bell_lines(owner_client) == ["Ana is waiting for a person | "]
    assert bell_lines(spanish_client) == ["Ana espera a una persona | "]


def test_the_visitors_name_is_read_when_the_bell_is(owner_client, make_visitor):
    visitor = make_visitor(name="Ana")
    unnamed = make_visitor()
    notify_live_chat_requested(visitor=visitor)
    notify_live_chat_requested(visitor=unnamed)
    visitor.name = "Ana López"
    visitor.save()

    assert bell_lines(owner_client) == [
        f"Visitor #{unnamed.number} is waiting for a person | ",
        "Ana López is waiting for a person | ",
    ]
    # Anonymising a visitor removes the bell lines about them.
    visitor_anonymise(visitor=visitor, actor=None)
    assert bell_lines(owner_client) == [f"Visitor #{unnamed.number} is waiting for a person | "]


def test_a_notification_node_shows_the_authors_words_as_written(
    owner_client, spanish_client, bot, make_visitor
):
    visitor = make_visitor(name="<b>Ana</b>")
    with translation.override("es"):
        notify_from_node(
            visitor=visitor,
            bot=bot,
            label="New lead",
            text="Wants <i>200</i> seats",
            config={"in_app": True},
        )
    line = Notification.objects.filter(kind=NotificationKind.FLOW_NOTIFICATION).first()
    assert line.params == {"label": "New lead", "text": "Wants <i>200</i> seats"}
    expected = ["New lead | Wants &lt;i&gt;200&lt;/i&gt; seats | &lt;b&gt;Ana&lt;/b&gt;"]
    assert bell_lines(owner_client) == expected
    assert bell_lines(spanish_client) == expected


@pytest.mark.django_db(transaction=True)
def test_old_bell_lines_are_converted_to_kinds(owner, make_visitor):
    """Migration 0002: frozen English or Spanish "waiting" lines become live_chat_requested
    lines; every other line was a Notification node's and keeps its words as parameters."""
    visitor = make_visitor(name="Ana")
    executor = MigrationExecutor(connection)
    old_state = [("notifications", "0001_initial")]
    executor.migrate(old_state)
    old = executor.loader.project_state(old_state).apps.get_model("notifications", "Notification")
    rows = [
        ("Ana is waiting for a person", "", visitor.pk),
        ("Ana espera a una persona", "", visitor.pk),
        ("New lead", "Wants a quote", visitor.pk),
        ("Someone is waiting for a person", "", None),
    ]
    for title, body, visitor_id in rows:
        old.objects.create(
            workspace_id=owner.workspace_id,
            member_id=owner.pk,
            visitor_id=visitor_id,
            title=title,
            body=body,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    lines = Notification.objects.order_by("pk")
    assert [(n.kind, n.params) for n in lines] == [
        ("live_chat_requested", {}),
        ("live_chat_requested", {}),
        ("flow_notification", {"label": "New lead", "text": "Wants a quote"}),
        ("flow_notification", {"label": "Someone is waiting for a person", "text": ""}),
    ]
    with translation.override("es"):
        assert [n.title for n in lines][:2] == ["Ana espera a una persona"] * 2

    # And back: frozen English words again.
    executor = MigrationExecutor(connection)
    executor.migrate(old_state)
    old = executor.loader.project_state(old_state).apps.get_model("notifications", "Notification")
    assert list(old.objects.order_by("pk").values_list("title", "body")) == [
        ("Ana is waiting for a person", ""),
        ("Ana is waiting for a person", ""),
        ("New lead", "Wants a quote"),
        ("Someone is waiting for a person", ""),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
