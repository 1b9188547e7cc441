"""The workspace's audit log: every change of settings, members, bots and flows is written by its
service with old and new values, and the Workspace page words it in the reader's language."""

import html
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tertulia.accounts.audit import describe
from tertulia.accounts.models import AuditAction, AuditEntry, Member, Role, User
from tertulia.accounts.services import (
    audit,
    member_add,
    member_remove,
    member_set_role,
    workspace_update,
)
from tertulia.flows.models import Bot
from tertulia.flows.services import bot_create
from tertulia.flows.starter import starter_flow

from ..conftest import PASSWORD


def entries(workspace, action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(workspace=workspace, action=action).order_by("id"))


def only(workspace, action) -> AuditEntry:
    (entry,) = entries(workspace, action)
    return entry


def log_text(response) -> str:
    """The audit log's entries as a reader sees them, one per line."""
    page = response.content.decode()
    log = page[page.index('id="audit-log"') :]
    items = re.findall(r"<li>\s*<span[^>]*>(.*?)</span>", log, flags=re.DOTALL)
    return "\n".join(html.unescape(" ".join(item.split())) for item in items)


@pytest.fixture
def spanish_admin(workspace, owner):
    return member_add(
        workspace=workspace,
        email="adela@acme.test",
        password=PASSWORD,
        role=Role.ADMIN,
        name="Adela",
        language="es",
        actor=owner.user,
    )


@pytest.fixture
def admin_client(spanish_admin):
    client = Client()
    client.force_login(spanish_admin.user)
    return client


# Writing: each service, old and new values.


def test_a_new_workspace_starts_its_log(owner):
    entry = only(owner.workspace, AuditAction.WORKSPACE_CREATED)
    assert (entry.actor, entry.detail) == (owner.user, {"name": "Acme"})


def test_workspace_settings_page_writes_what_changed_from_what(owner_client, workspace, owner):
    response = owner_client.post(
        "/workspace/", {"name": "Acme", "ip_storage": "full", "retention_days": "90"}
    )
    assert response.status_code == 302
    entry = only(workspace, AuditAction.WORKSPACE_UPDATED)
    assert entry.actor == owner.user
    assert entry.detail == {
        "changes": [
            {"field": "ip_storage", "old": "truncated", "new": "full"},
            {"field": "retention_days", "old": None, "new": 90},
        ]
    }
    workspace.refresh_from_db()
    assert (workspace.ip_storage, workspace.retention_days) == ("full", 90)

    # Saving the same values again changes nothing and writes nothing.
    owner_client.post("/workspace/", {"name": "Acme", "ip_storage": "full", "retention_days": "90"})
    assert len(entries(workspace, AuditAction.WORKSPACE_UPDATED)) == 1


def test_refused_workspace_settings_write_nothing(owner_client, workspace):
    response = owner_client.post(
        "/workspace/", {"name": "Acme", "ip_storage": "full", "retention_days": "0"}
    )
    assert response.status_code == 200
    assert not entries(workspace, AuditAction.WORKSPACE_UPDATED)
    workspace.refresh_from_db()
    assert workspace.ip_storage == "truncated"


def test_workspace_update_refuses_other_fields(workspace, owner):
    with pytest.raises(TypeError):
        workspace_update(workspace=workspace, actor=owner.user, data={"visitor_seq": 0})
    assert not entries(workspace, AuditAction.WORKSPACE_UPDATED)


def test_member_added_changed_and_removed(workspace, owner):
    member = member_add(
        workspace=workspace,
        email="bea@acme.test",
        password=PASSWORD,
        role=Role.AGENT,
        name="Bea",
        actor=owner.user,
    )
    added = only(workspace, AuditAction.MEMBER_ADDED)
    assert (added.actor, added.detail) == (
        owner.user,
        {"user": member.user_id, "member": "Bea", "role": "agent"},
    )

    member_set_role(member=member, role=Role.ADMIN, actor=owner.user)
    member_set_role(member=member, role=Role.ADMIN, actor=owner.user)  # no change, no entry
    changed = only(workspace, AuditAction.MEMBER_ROLE_CHANGED)
    assert (changed.actor, changed.detail) == (
        owner.user,
        {"user": member.user_id, "member": "Bea", "old": "agent", "new": "admin"},
    )
    assert Member.objects.get(pk=member.pk).role == Role.ADMIN

    member_remove(member=member, actor=owner.user)
    removed = only(workspace, AuditAction.MEMBER_REMOVED)
    assert (removed.actor, removed.detail) == (
        owner.user,
        {"user": member.user_id, "member": "Bea", "role": "admin"},
    )
    assert not Member.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk=member.user_id).exists()  # the login stays


def test_the_last_owner_can_be_neither_demoted_nor_removed(workspace, owner):
    with pytest.raises(ValidationError):
        member_set_role(member=owner, role=Role.AGENT, actor=owner.user)
    with pytest.raises(ValidationError):
        member_remove(member=owner, actor=owner.user)
    assert Member.objects.get(pk=owner.pk).role == Role.OWNER
    assert not entries(workspace, AuditAction.MEMBER_ROLE_CHANGED)
    assert not entries(workspace, AuditAction.MEMBER_REMOVED)

    # With a second owner, the first may step down.
    second = member_add(
        workspace=workspace, email="otto@acme.test", password=PASSWORD, role=Role.OWNER
    )
    member_set_role(member=owner, role=Role.ADMIN, actor=second.user)
    assert only(workspace, AuditAction.MEMBER_ROLE_CHANGED).detail["new"] == "admin"


def test_bot_created_and_its_settings_changed(owner_client, workspace, owner):
    owner_client.post("/bots/", {"name": "Shop"})
    bot = Bot.objects.get(workspace=workspace, name="Shop")
    created = only(workspace, AuditAction.BOT_CREATED)
    assert (created.actor, created.detail) == (owner.user, {"bot": bot.pk, "name": "Shop"})

    response = owner_client.post(
        f"/bots/{bot.pk}/",
        {
            "name": "Shop",
            "title": "Shop",
            "colour": "#112233",
            "position": "left",
            "allowed_origins_text": "https://shop.example",
        },
    )
    assert response.status_code == 302
    updated = only(workspace, AuditAction.BOT_UPDATED)
    assert updated.actor == owner.user
    assert updated.detail == {
        "bot": bot.pk,
        "name": "Shop",
        "changes": [
            {"field": "colour", "old": "#2563eb", "new": "#112233"},
            {"field": "position", "old": "right", "new": "left"},
            {"field": "allowed_origins", "old": [], "new": ["https://shop.example"]},
        ],
    }


def test_flow_saved_and_imported_keep_step_counts_not_the_flow(owner_client, bot, owner):
    flow = starter_flow()
    steps = len(flow["nodes"])
    # Saving the flow as it is changes nothing.
    owner_client.post(f"/bots/{bot.pk}/flow/", {"flow": json.dumps(flow)})
    assert not entries(bot.workspace, AuditAction.FLOW_SAVED)

    flow["nodes"][1]["text"] = "¡Hola!"
    response = owner_client.post(f"/bots/{bot.pk}/flow/", {"flow": json.dumps(flow)})
    assert response.status_code == 302
    saved = only(bot.workspace, AuditAction.FLOW_SAVED)
    assert (saved.actor, saved.detail) == (
        owner.user,
        {"bot": bot.pk, "name": "Website bot", "steps_before": steps, "steps_after": steps},
    )

    longer = starter_flow()
    longer["nodes"][1]["next"] = "extra"
    longer["nodes"].append(
        {"id": "extra", "type": "message", "label": "Extra", "text": "One more", "next": "topic"}
    )
    upload = SimpleUploadedFile("flow.json", json.dumps(longer).encode(), "application/json")
    response = owner_client.post(f"/bots/{bot.pk}/flow/import", {"file": upload})
    assert response.status_code == 302, response.content.decode()
    imported = only(bot.workspace, AuditAction.FLOW_IMPORTED)
    assert imported.detail == {
        "bot": bot.pk,
        "name": "Website bot",
        "steps_before": steps,
        "steps_after": steps + 1,
    }


def test_the_members_own_profile_is_saved_without_an_audit_entry(owner_client, owner):
    before = AuditEntry.objects.count()
    response = owner_client.post(
        "/account/", {"name": "Olga O.", "language": "es", "timezone": "Europe/Madrid"}
    )
    assert response.status_code == 302
    owner.user.refresh_from_db()
    assert (owner.user.name, owner.user.language, owner.user.timezone) == (
        "Olga O.",
        "es",
        "Europe/Madrid",
    )
    assert AuditEntry.objects.count() == before


# Reading: words in the reader's language, filter, pages, who may see.


def test_every_kind_has_its_own_words(workspace, owner):
    for action in AuditAction:
        entry = AuditEntry(workspace=workspace, actor=owner.user, action=action, detail={})
        assert describe(entry) != f"Olga Owner: {action.label}", action


def test_the_log_in_english_and_spanish(owner_client, admin_client, workspace, owner):
    bot_create(workspace=workspace, name="Shop")  # from a command: nobody logged in
    owner_client.post("/workspace/", {"name": "Acme", "ip_storage": "full", "retention_days": ""})
    audit(
        workspace_id=workspace.pk,
        actor=owner.user,
        action=AuditAction.FLOW_SAVED,
        bot=1,
        name="Website bot",
        steps_before=12,
        steps_after=14,
    )
    audit(
        workspace_id=workspace.pk, actor=None, action=AuditAction.VISITORS_EXPIRED, count=3, days=30
    )
    audit(
        workspace_id=workspace.pk,
        actor=owner.user,
        action=AuditAction.VISITOR_DELETED,
        number=7,
        status="lead",
    )

    english = log_text(owner_client.get("/workspace/"))
    assert english.splitlines() == [
        "Olga Owner deleted Visitor #7 (Lead)",
        "The retention setting deleted 3 visitors archived for more than 30 days",
        "Olga Owner saved the flow of “Website bot” (12 → 14 steps)",
        "Olga Owner changed the workspace settings: visitors' IP addresses from "
        "“Store them shortened (last part zeroed)” to “Store them in full”",
        "A command on the server created the bot “Shop”",
        "Olga Owner added Adela as Admin",
        "Olga Owner created the workspace “Acme”",
    ]

    spanish = log_text(admin_client.get("/workspace/"))
    assert spanish.splitlines() == [
        "Olga Owner eliminó a Visitante #7 (Prospecto)",
        "El ajuste de conservación eliminó 3 visitantes archivados hace más de 30 días",
        "Olga Owner guardó el flujo de “Website bot” (12 → 14 pasos)",
        "Olga Owner cambió los ajustes del espacio de trabajo: direcciones IP de los visitantes "
        "de “Guardarlas acortadas (última parte a cero)” a “Guardarlas completas”",
        "Un comando en el servidor creó el bot “Shop”",
        "Olga Owner añadió a Adela como Administrador",
        "Olga Owner creó el espacio de trabajo “Acme”",
    ]


def test_filter_by_kind_without_javascript(owner_client, workspace, owner, bot):
    workspace_update(workspace=workspace, actor=owner.user, data={"name": "Acme Inc"})
    page = owner_client.get("/workspace/?kind=workspace_updated")
    assert (
        log_text(page)
        == "Olga Owner changed the workspace settings: name from “Acme” to “Acme Inc”"
    )
    markup = page.content.decode()
    assert '<option value="workspace_updated" selected>' in markup
    assert '<select id="audit-kind" name="kind">' in markup

    assert log_text(owner_client.get("/workspace/?kind=member_removed")) == ""
    assert (
        "No entries of this kind."
        in owner_client.get("/workspace/?kind=member_removed").content.decode()
    )
    # A kind that does not exist is ignored: everything shows.
    for query in ("kind=nonsense", "kind=", "before=abc", "before=²", "before=" + "9" * 40):
        response = owner_client.get(f"/workspace/?{query}")
        assert response.status_code == 200
        assert "created the workspace" in log_text(response)


def test_latest_fifty_then_older(owner_client, workspace, owner, django_assert_max_num_queries):
    for number in range(1, 61):
        audit(
            workspace_id=workspace.pk,
            actor=owner.user,
            action=AuditAction.VISITOR_ANONYMISED,
            number=number,
        )
    with django_assert_max_num_queries(12):
        first = owner_client.get("/workspace/?kind=visitor_anonymised")
    lines = log_text(first).splitlines()
    assert len(lines) == 50
    assert (lines[0], lines[-1]) == (
        "Olga Owner anonymised Visitor #60",
        "Olga Owner anonymised Visitor #11",
    )
    older = re.search(r'href="(\?[^"]*before=\d+[^"]*)"', first.content.decode()).group(1)
    older = older.replace("&amp;", "&")
    assert "kind=visitor_anonymised" in older
    second = owner_client.get(f"/workspace/{older}")
    lines = log_text(second).splitlines()
    assert (len(lines), lines[0], lines[-1]) == (
        10,
        "Olga Owner anonymised Visitor #10",
        "Olga Owner anonymised Visitor #1",
    )
    markup = second.content.decode()
    assert "Older entries" not in markup
    assert "Newest entries" in markup


def test_agents_get_403(agent_client):
    assert agent_client.get("/workspace/").status_code == 403
    assert agent_client.get("/workspace/?kind=workspace_updated").status_code == 403


def test_another_workspaces_entries_never_show(owner_client, other_owner):
    workspace_update(
        workspace=other_owner.workspace, actor=other_owner.user, data={"ip_storage": "none"}
    )
    member_add(
        workspace=other_owner.workspace,
        email="spy@globex.test",
        password=PASSWORD,
        role=Role.AGENT,
        name="Spy",
        actor=other_owner.user,
    )
    for query in ("", "?kind=workspace_updated", "?kind=member_added", "?kind=workspace_created"):
        text = log_text(owner_client.get(f"/workspace/{query}"))
        assert "Gus" not in text and "Globex" not in text and "Spy" not in text
