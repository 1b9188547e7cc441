"""API tokens: made on the API page by owners and admins, shown once, kept hashed, revoked at
once, limited per token."""

import hashlib

import pytest
from django.urls import reverse

from tertulia.accounts.audit import describe
from tertulia.accounts.models import ApiToken, AuditAction, AuditEntry
from tertulia.accounts.services import member_remove, member_set_role
from tertulia.accounts.tokens import api_token_create
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_an_owner_makes_a_token_and_sees_its_secret_once(owner_client, owner):
    url = reverse("api:tokens")
    response = owner_client.post(url, {"name": "CRM sync", "scope": "write"}, follow=True)
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("tta_") and len(secret) > 40
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.prefix, token.name) and token.prefix == secret[:12]
    # Never again: the next visit shows the prefix only.
    again = owner_client.get(url).content.decode()
    assert secret not in again and token.prefix in again
    entry = AuditEntry.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert entry.detail == {"token": "CRM sync", "scope": "write"}
    assert describe(entry) == "Olga Owner made the API token “CRM sync” (Read and write)"
    assert ApiClient(secret).get("/api/v1/members").status_code == 200


def test_a_token_needs_a_name_and_a_known_scope(owner_client):
    response = owner_client.post(reverse("api:tokens"), {"name": " ", "scope": "admin"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_agents_may_not_see_or_make_tokens(agent_client, agent, owner):
    assert agent_client.get(reverse("api:tokens")).status_code == 403
    assert (
        agent_client.post(reverse("api:tokens"), {"name": "x", "scope": "read"}).status_code == 403
    )
    token, _secret = api_token_create(member=owner, name="Owner's", scope="read")
    assert agent_client.post(reverse("api:revoke", args=[token.pk])).status_code == 403
    with pytest.raises(Exception, match="owners and admins"):
        api_token_create(member=agent, name="mine", scope="write")


def test_a_revoked_token_gets_401_at_once(owner_client, write_token):
    token, secret = write_token
    client = ApiClient(secret)
    assert client.get("/api/v1/visitors").status_code == 200
    response = owner_client.post(reverse("api:revoke", args=[token.pk]))
    assert response.status_code == 302
    answer = client.get("/api/v1/visitors")
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized"
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert AuditEntry.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_a_token_of_another_workspace_cannot_be_revoked_here(owner_client, other_owner):
    token, _secret = api_token_create(member=other_owner, name="Globex", scope="read")
    assert owner_client.post(reverse("api:revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer tta_",
        "Bearer tta_" + "x" * 43,
        "Basic dXNlcjpwYXNz",
        "tta_x",
    ],
)
def test_anything_but_a_token_gets_401(client, authorization):
    response = client.get("/api/v1/visitors", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_last_used_is_kept_to_the_minute(api, write_token):
    token = write_token[0]
    assert token.last_used_at is None
    api.get("/api/v1/members")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    api.get("/api/v1/members")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # no write per request


def test_each_token_has_its_own_rate_limit(settings, api, api_read):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_per_token": (3, 60)}
    for _ in range(3):
        assert api.get("/api/v1/members").status_code == 200
    refused = api.get("/api/v1/members")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert api_read.get("/api/v1/members").status_code == 200


def test_a_token_acts_with_its_members_role_now(owner, agent, workspace, make_visitor):
    admin = member_set_role(member=agent, role="admin", actor=owner.user)
    _token, secret = api_token_create(member=admin, name="Agent's", scope="write")
    client = ApiClient(secret)
    visitor = make_visitor(name="Vera")
    member_set_role(member=agent, role="agent", actor=owner.user)
    refused = client.send("DELETE", f"/api/v1/visitors/{visitor.pk}")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    member_remove(member=agent, actor=owner.user)
    assert client.get("/api/v1/visitors").status_code == 401  # the token went with them
