"""POST /api/v1/visitors/{id}/merge: the dashboard's merge for programs, through the same
service; a write token of an owner or admin; another workspace's ids are not there."""

import pytest

from tertulia.accounts.models import AuditAction, AuditEntry
from tertulia.accounts.services import member_set_role
from tertulia.accounts.tokens import api_token_create
from tertulia.conversations.models import Message, Sender
from tertulia.conversations.services import message_post, visitor_set_status
from tertulia.visitors.models import Visitor
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_visitor, owner):
    keep = make_visitor(name="Ana", phone="+34612345678")
    other = make_visitor(name="Ana Ruiz", email="ana@example.com")
    message_post(visitor=other, sender=Sender.VISITOR, text="from the phone")
    message_post(visitor=keep, sender=Sender.VISITOR, text="from the laptop")
    visitor_set_status(visitor=other, status="customer", actor=owner.user)
    return keep, other


def merge(client, keep, body):
    return client.send("POST", f"/api/v1/visitors/{keep.pk}/merge", body)


def test_merging_answers_the_kept_visitor_with_the_fields_taken(api, pair):
    keep, other = pair
    response = merge(api, keep, {"other": other.pk, "take": ["name", "status"]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["id"] == keep.pk and data["number"] == keep.number
    assert (data["name"], data["email"], data["phone"], data["status"]) == (
        "Ana Ruiz",  # taken
        "ana@example.com",  # empty here: filled
        "+34612345678",  # kept
        "customer",  # taken
    )
    assert data["message_count"] == 2
    assert api.get(f"/api/v1/visitors/{other.pk}").status_code == 404
    assert api.get(f"/api/v1/visitors/{other.pk}/messages").status_code == 404
    messages = api.get(f"/api/v1/visitors/{keep.pk}/messages").json()["results"]
    assert [m["text"] for m in messages if m["sender"] == "visitor"] == [
        "from the phone",
        "from the laptop",
    ]
    entry = AuditEntry.objects.get(action=AuditAction.VISITORS_MERGED)
    assert entry.detail == {"number": keep.number, "merged": other.number}


def test_without_take_this_visitors_values_stay(api, pair):
    keep, other = pair
    data = merge(api, keep, {"other": other.pk}).json()
    assert (data["name"], data["status"]) == ("Ana", "new")


def test_a_read_token_is_refused(api_read, pair):
    keep, other = pair
    refused = merge(api_read, keep, {"other": other.pk})
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_token"
    assert Visitor.objects.filter(pk=other.pk).exists()


def test_owners_and_admins_merge_agents_do_not_as_they_do_not_delete(owner, agent, pair):
    keep, other = pair
    admin = member_set_role(member=agent, role="admin", actor=owner.user)
    client = ApiClient(api_token_create(member=admin, name="Agent's", scope="write")[1])
    member_set_role(member=agent, role="agent", actor=owner.user)
    refused = merge(client, keep, {"other": other.pk})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert Visitor.objects.filter(pk=other.pk).exists()
    member_set_role(member=agent, role="admin", actor=owner.user)
    assert merge(client, keep, {"other": other.pk}).status_code == 200


def test_another_workspaces_or_an_unknown_id_is_not_found(
    api, api_other, other_owner, pair, make_visitor
):
    keep, other = pair
    stranger = make_visitor(in_workspace=other_owner.workspace, name="Gus")
    for body in ({"other": stranger.pk}, {"other": 10**18}):
        response = merge(api, keep, body)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert merge(api, stranger, {"other": keep.pk}).status_code == 404
    assert merge(api_other, keep, {"other": other.pk}).status_code == 404
    assert merge(api_other, stranger, {"other": keep.pk}).status_code == 404
    assert Visitor.objects.filter(pk__in=[keep.pk, other.pk, stranger.pk]).count() == 3


def test_what_cannot_be_merged_answers_422_with_the_reason(api, pair, make_visitor):
    keep, other = pair
    itself = merge(api, keep, {"other": keep.pk})
    assert itself.status_code == 422
    assert itself.json()["code"] == "invalid"
    assert "cannot be merged with itself" in itself.json()["fields"]["other"][0]
    test_chat = make_visitor(name="Try it", is_preview=True)
    assert merge(api, keep, {"other": test_chat.pk}).status_code == 422
    unknown = merge(api, keep, {"other": other.pk, "take": ["password"]})
    assert unknown.status_code == 422 and "body.take.0" in unknown.json()["fields"]
    for body in ({}, {"other": "two"}, {"other": 0}, [other.pk]):
        assert merge(api, keep, body).status_code == 422
    assert Message.objects.filter(visitor=other).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.VISITORS_MERGED).exists()


def test_the_merge_is_in_the_openapi_description(api):
    from tertulia.api.app import api as ninja_api

    operation = ninja_api.get_openapi_schema(path_prefix="/api/v1/")["paths"][
        "/api/v1/visitors/{visitor_id}/merge"
    ]["post"]
    assert operation["summary"] == "Merge another visitor into this one"
    assert {200, 403, 404, 422} <= set(operation["responses"])
