"""The API does what the Visitors page does, through the same services: filters and paging,
changes with their history and audit, replies and notes, deletion, flows, exports; and it never
shows one workspace's data to another."""

import csv
import io

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.conversations.models import Message, MessageKind, Sender, StatusChange
from tertulia.flows.starter import starter_flow
from tertulia.realtime import events
from tertulia.realtime.publish import workspace_group
from tertulia.visitors.models import Visitor
from tests.helpers import body
from tests.strategies import json_values

pytestmark = pytest.mark.django_db


def test_the_list_pages_through_every_visitor_of_a_tab_with_a_cursor(api, make_visitor):
    made = {make_visitor(name=f"V{i}").pk for i in range(60)}
    make_visitor(name="Lead one", status="lead")
    seen, cursor, pages = [], None, 0
    while True:
        page = api.get("/api/v1/visitors", limit=25, **({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.content
        data = page.json()
        seen += [row["id"] for row in data["results"]]
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 60 and set(seen) == made
    assert seen == sorted(seen, reverse=True)  # newest first, as on the page
    assert data["counts"]["new"] == 60 and data["counts"]["lead"] == 1


def test_the_list_says_which_counts_are_estimates(api, make_visitor, monkeypatch):
    from tertulia.visitors import selectors

    for n in range(60):
        make_visitor(name=f"Garcia {n}", status="lead" if n % 3 else "new")
    data = api.get("/api/v1/visitors", q="garcia").json()
    assert data["counts_estimated"] == [] and data["counts"]["lead"] == 40
    monkeypatch.setattr(selectors, "COUNT_BUDGET_MS", 0)
    monkeypatch.setattr(selectors, "SAMPLE_WINDOWS", 6)
    monkeypatch.setattr(selectors, "SAMPLE_WIDTH", 5)
    monkeypatch.setattr(selectors, "SAMPLE_MATCHES_MIN", 5)
    data = api.get("/api/v1/visitors", q="garcia").json()
    assert data["counts_estimated"] == ["new", "lead"], data["counts"]
    assert 20 <= data["counts"]["lead"] <= 60
    # Nobody at all is a customer: 0, known from the maintained counts without counting.
    assert data["counts"]["customer"] == data["counts"]["closed"] == 0


def test_a_known_visitor_shows_the_sites_user_id_and_whether_it_is_verified(api, make_visitor):
    from django.utils import timezone

    known = make_visitor(external_id="cust-81", identity_verified_at=timezone.now())
    told = make_visitor(external_id="cust-82")
    rows = {row["id"]: row for row in api.get("/api/v1/visitors").json()["results"]}
    assert (rows[known.pk]["user_id"], rows[known.pk]["verified"]) == ("cust-81", True)
    assert (rows[told.pk]["user_id"], rows[told.pk]["verified"]) == ("cust-82", False)
    detail = api.get(f"/api/v1/visitors/{known.pk}").json()
    assert (detail["user_id"], detail["verified"]) == ("cust-81", True)


def test_the_list_takes_the_pages_filters_and_sorting(api, make_visitor):
    make_visitor(name="Lucía García", email="lucia@example.com", country="ES", status="lead")
    make_visitor(name="Zoe Adams", email="zoe@example.com", country="GB", status="lead")
    make_visitor(name="Ana New", status="new")
    names = lambda **q: [r["name"] for r in api.get("/api/v1/visitors", **q).json()["results"]]  # noqa: E731
    assert names(status="lead", q="garcia") == ["Lucía García"]  # accents and case ignored
    assert names(status="lead", country="GB") == ["Zoe Adams"]
    assert names(status="lead", sort="-name") == ["Zoe Adams", "Lucía García"]
    assert names(status="lead", view="unassigned") == ["Zoe Adams", "Lucía García"]
    refused = api.get("/api/v1/visitors", started_from="2026-02-01", started_to="2026-01-01")
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid" and "started_to" in refused.json()["fields"]
    twice = api.client.get("/api/v1/visitors?status=new&status=lead", headers=api.headers)
    assert twice.status_code == 422 and "status" in twice.json()["fields"]
    wrong = api.get("/api/v1/visitors", status="vip")
    assert wrong.status_code == 422 and "status" in wrong.json()["fields"]


@pytest.mark.django_db(transaction=True)
def test_a_change_goes_through_the_dashboards_services(api, owner, agent, make_visitor):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(workspace_group(owner.workspace_id), channel)
    visitor = make_visitor(name="Vera", country="ES")
    async_to_sync(layer.receive)(channel)  # visitor.created
    response = api.send(
        "PATCH",
        f"/api/v1/visitors/{visitor.pk}",
        {
            "status": "lead",
            "assignee_id": agent.pk,
            "name": "Vera Vidal",
            "email": "vera@example.com",
            "phone": "612 34 56 78",  # Spanish, read with the visitor's country
            "attributes": {"plan": "pro", "seats": 3},
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["assignee"]["id"], data["name"]) == (
        "lead",
        agent.pk,
        "Vera Vidal",
    )
    assert data["phone"] == "+34612345678" and data["attributes"] == {"plan": "pro", "seats": 3}
    change = StatusChange.objects.get(visitor=visitor)
    assert (change.from_status, change.to_status, change.actor) == ("new", "lead", owner.user)
    assert Message.objects.filter(visitor=visitor, kind=MessageKind.STATUS_CHANGE).count() == 1
    heard = {async_to_sync(layer.receive)(channel)["event"] for _ in range(3)}
    assert heard == {events.VISITOR_UPDATED, events.VISITOR_STATUS_CHANGED, events.VISITOR_ASSIGNED}
    updated = AuditEntry.objects.get(action=AuditAction.VISITOR_UPDATED)
    assert updated.detail == {
        "number": visitor.number,
        "fields": ["name", "email", "phone", "attributes"],
    }  # field names only: no personal data in the log
    found = api.get("/api/v1/visitors", status="lead", q="612345").json()["results"]
    assert [row["id"] for row in found] == [visitor.pk]  # the search index follows the change
    removed = api.send("PATCH", f"/api/v1/visitors/{visitor.pk}", {"attributes": {"seats": None}})
    assert removed.json()["attributes"] == {"plan": "pro"}


def test_a_wrong_value_changes_nothing(api, make_visitor, owner):
    visitor = make_visitor(name="Vera")
    response = api.send(
        "PATCH", f"/api/v1/visitors/{visitor.pk}", {"status": "lead", "email": "not an address"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and "email" in response.json()["fields"]
    visitor.refresh_from_db()
    assert (visitor.status, visitor.email) == ("new", "")
    unknown = api.send("PATCH", f"/api/v1/visitors/{visitor.pk}", {"assignee_id": 999999})
    assert unknown.status_code == 422 and "assignee_id" in unknown.json()["fields"]


def test_a_reply_reaches_the_visitor_and_a_note_stays_in_the_team(api, make_visitor, owner):
    visitor = make_visitor(name="Vera")
    reply = api.send(
        "POST", f"/api/v1/visitors/{visitor.pk}/messages", {"text": "Hola <b>Vera</b>"}
    )
    assert reply.status_code == 201, reply.content
    assert (reply.json()["sender"], reply.json()["kind"]) == ("agent", "text")
    note = api.send(
        "POST", f"/api/v1/visitors/{visitor.pk}/messages", {"kind": "note", "text": "VIP"}
    )
    assert note.status_code == 201 and note.json()["kind"] == "note"
    stored = Message.objects.filter(visitor=visitor, sender=Sender.AGENT).order_by("id")
    assert [(m.kind, m.text, m.agent) for m in stored] == [
        ("text", "Hola <b>Vera</b>", owner.user),
        ("note", "VIP", owner.user),
    ]
    assert Message.objects.visible_to_visitor().filter(kind="note").count() == 0
    listed = api.get(f"/api/v1/visitors/{visitor.pk}/messages", limit=1)
    assert listed.json()["next_cursor"] is not None
    everything = api.get(f"/api/v1/visitors/{visitor.pk}/messages", limit=200).json()["results"]
    assert [m["text"] for m in everything][-2:] == ["Hola <b>Vera</b>", "VIP"]
    too_long = api.send("POST", f"/api/v1/visitors/{visitor.pk}/messages", {"text": "x" * 4001})
    assert too_long.status_code == 422


def test_a_read_token_reads_only(api_read, make_visitor, bot):
    visitor = make_visitor(name="Vera")
    assert api_read.get(f"/api/v1/visitors/{visitor.pk}").status_code == 200
    for method, path, payload in [
        ("PATCH", f"/api/v1/visitors/{visitor.pk}", {"status": "lead"}),
        ("DELETE", f"/api/v1/visitors/{visitor.pk}", None),
        ("POST", f"/api/v1/visitors/{visitor.pk}/anonymise", None),
        ("POST", f"/api/v1/visitors/{visitor.pk}/messages", {"text": "hi"}),
        ("PUT", f"/api/v1/bots/{bot.pk}/flow", starter_flow()),
    ]:
        response = api_read.send(method, path, payload)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "read_only_token"
    visitor.refresh_from_db()
    assert visitor.status == "new"


def test_another_workspaces_token_gets_404_on_every_id(api_other, make_visitor, bot):
    visitor = make_visitor(name="Vera")
    message = Message.objects.filter(visitor=visitor).first()
    for method, path, payload in [
        ("GET", f"/api/v1/visitors/{visitor.pk}", None),
        ("PATCH", f"/api/v1/visitors/{visitor.pk}", {"status": "lead"}),
        ("DELETE", f"/api/v1/visitors/{visitor.pk}", None),
        ("POST", f"/api/v1/visitors/{visitor.pk}/anonymise", None),
        ("GET", f"/api/v1/visitors/{visitor.pk}/messages", None),
        ("POST", f"/api/v1/visitors/{visitor.pk}/messages", {"text": "hi"}),
        ("GET", f"/api/v1/bots/{bot.pk}", None),
        ("GET", f"/api/v1/bots/{bot.pk}/flow", None),
        ("PUT", f"/api/v1/bots/{bot.pk}/flow", starter_flow()),
    ]:
        response = api_other.send(method, path, payload)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert api_other.get("/api/v1/visitors").json()["results"] == []
    assert Visitor.objects.filter(pk=visitor.pk, status="new", anonymised_at=None).exists()
    assert message is None or Message.objects.filter(pk=message.pk).exists()


def test_delete_and_anonymise_follow_the_dashboards_rules(api, make_visitor):
    gone, kept = make_visitor(name="Gone"), make_visitor(name="Kept", email="k@example.com")
    assert api.send("DELETE", f"/api/v1/visitors/{gone.pk}").status_code == 204
    assert api.get(f"/api/v1/visitors/{gone.pk}").status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.VISITOR_DELETED).count() == 1
    answer = api.send("POST", f"/api/v1/visitors/{kept.pk}/anonymise")
    assert answer.status_code == 200
    assert answer.json()["email"] == "" and answer.json()["anonymised_at"] is not None
    refused = api.send("PATCH", f"/api/v1/visitors/{kept.pk}", {"email": "k@example.com"})
    assert refused.status_code == 422


def test_a_flow_is_checked_as_the_editor_checks_it(api, bot):
    flow = api.get(f"/api/v1/bots/{bot.pk}/flow").json()
    assert flow == bot.flow
    broken = {"nodes": [{"id": "a", "type": "message", "text": "hi"}]}
    refused = api.send("PUT", f"/api/v1/bots/{bot.pk}/flow", broken)
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_flow"
    assert refused.json()["problems"][0]["code"] == "no_start"
    bot.refresh_from_db()
    assert bot.flow == flow
    changed = starter_flow()
    changed["nodes"][0]["label"] = "Hello from the API"
    saved = api.send("PUT", f"/api/v1/bots/{bot.pk}/flow", changed)
    assert saved.status_code == 200, saved.content
    bot.refresh_from_db()
    assert bot.flow["nodes"][0]["label"] == "Hello from the API"
    assert AuditEntry.objects.filter(action=AuditAction.FLOW_SAVED).count() == 1


def test_members_and_bots(api, owner, agent, bot):
    members = api.get("/api/v1/members").json()
    assert [(m["email"], m["role"]) for m in members] == [
        ("owner@acme.test", "owner"),
        ("agent@acme.test", "agent"),
    ]
    assert [b["id"] for b in api.get("/api/v1/bots").json()] == [bot.pk]
    assert api.get(f"/api/v1/bots/{bot.pk}").json()["public_key"] == bot.public_key


def test_an_export_has_every_matching_row(api, make_visitor):
    for i in range(30):
        make_visitor(name=f"=HYPERLINK({i})" if i == 0 else f"Visitor {i}", country="ES")
    make_visitor(name="Elsewhere", country="GB")
    response = api.client.get(
        "/api/v1/visitors/export", {"format": "csv", "country": "ES"}, headers=api.headers
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert len(rows) == 31 and rows[0][1] == "Name"
    assert "'=HYPERLINK(0)" in {row[1] for row in rows}  # formulas neutralised


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=json_values,
    field=st.sampled_from(
        ["status", "name", "email", "phone", "attributes", "assignee_id", "text", "kind"]
    ),
)
def test_hostile_bodies_get_a_clear_answer(api, make_visitor, payload, field):
    visitor = Visitor.objects.first() or make_visitor(name="Vera")
    for method, path in [
        ("PATCH", f"/api/v1/visitors/{visitor.pk}"),
        ("POST", f"/api/v1/visitors/{visitor.pk}/messages"),
    ]:
        for body_ in ({field: payload}, payload):
            response = api.send(method, path, body_)
            assert response.status_code in (200, 201, 400, 403, 422, 429), response.content
            assert "code" in response.json() or response.status_code in (200, 201)


def test_a_body_that_is_not_json_gets_400(api, make_visitor):
    visitor = make_visitor(name="Vera")
    for raw in [b"{", b"[" * 100 + b"]" * 100, b'{"text": NaN}', b'{"text": "\xff\xfe"}']:
        response = api.send("POST", f"/api/v1/visitors/{visitor.pk}/messages", raw=raw)
        assert response.status_code == 400, raw
        assert response.json()["code"] == "bad_request"


def test_an_unknown_visitor_id_of_any_size_is_a_clear_answer(api):
    for pk in ["0", "-1", "99999999", str(2**63), "1e3", "abc"]:
        response = api.get(f"/api/v1/visitors/{pk}")
        assert response.status_code in (404, 422), pk
        assert response.json()["code"] in ("not_found", "invalid")


def test_a_client_without_a_token_sees_the_reference(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/visitors/{visitor_id}" in page.content.decode()
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")


def test_a_body_past_the_limit_gets_413(api, make_visitor):
    visitor = make_visitor(name="Vera")
    huge = b'{"text": "' + b"x" * 3_000_000 + b'"}'
    response = api.send("POST", f"/api/v1/visitors/{visitor.pk}/messages", raw=huge)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_webhooks_through_the_api(api, api_read, api_other):
    made = api.send(
        "POST", "/api/v1/webhooks", {"url": "https://crm.example/h", "events": ["message.created"]}
    )
    assert made.status_code == 201, made.content
    hook = made.json()
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["message.created"]
    listed = api.get("/api/v1/webhooks").json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    changed = api.send("PATCH", f"/api/v1/webhooks/{hook['id']}", {"active": False})
    assert changed.json()["active"] is False
    assert (
        api.send(
            "POST", "/api/v1/webhooks", {"url": "ftp://x", "events": ["message.created"]}
        ).status_code
        == 422
    )
    assert (
        api.send("POST", "/api/v1/webhooks", {"url": "https://x.example", "events": []}).status_code
        == 422
    )
    tested = api.send("POST", f"/api/v1/webhooks/{hook['id']}/test")
    assert tested.status_code == 202 and tested.json()["event"] == "test"
    log = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert [d["event"] for d in log] == ["test"]
    again = api.send("POST", f"/api/v1/webhooks/{hook['id']}/deliveries/{log[0]['id']}/resend")
    assert again.status_code == 202 and again.json()["event_id"] == log[0]["event_id"]
    rotated = api.send("POST", f"/api/v1/webhooks/{hook['id']}/rotate").json()["secret"]
    assert rotated != hook["secret"]
    assert api_read.send("POST", f"/api/v1/webhooks/{hook['id']}/rotate").status_code == 403
    for method, path in [
        ("GET", f"/api/v1/webhooks/{hook['id']}"),
        ("PATCH", f"/api/v1/webhooks/{hook['id']}"),
        ("DELETE", f"/api/v1/webhooks/{hook['id']}"),
        ("POST", f"/api/v1/webhooks/{hook['id']}/test"),
        ("GET", f"/api/v1/webhooks/{hook['id']}/deliveries"),
    ]:
        assert api_other.send(method, path, {"active": True}).status_code == 404, (method, path)
    assert api.send("DELETE", f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert api.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404
