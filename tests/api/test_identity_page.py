"""The Identity verification page: owners and admins only; on, replaced, off; audited without
the secret."""

from tertulia.accounts.models import AuditAction, AuditEntry


def test_owners_turn_it_on_replace_the_secret_and_turn_it_off(owner_client, workspace):
    assert owner_client.get("/workspace/identity/").status_code == 200
    owner_client.post("/workspace/identity/", {"action": "on"})
    workspace.refresh_from_db()
    first = workspace.identity_secret
    assert len(first) == 64
    assert first in owner_client.get("/workspace/identity/").content.decode()
    owner_client.post("/workspace/identity/", {"action": "rotate"})
    workspace.refresh_from_db()
    assert workspace.identity_secret not in ("", first)
    owner_client.post("/workspace/identity/", {"action": "off"})
    workspace.refresh_from_db()
    assert workspace.identity_secret == ""
    entries = AuditEntry.objects.filter(action=AuditAction.IDENTITY_VERIFICATION_CHANGED)
    assert [e.detail for e in entries.order_by("id")] == [
        {"on": True, "rotated": False},
        {"on": True, "rotated": True},
        {"on": False, "rotated": False},
    ]
    page = owner_client.get("/workspace/?kind=identity_verification_changed").content.decode()
    assert "replaced the identity verification secret" in page


def test_agents_and_strangers_cannot(agent_client, client, workspace):
    assert agent_client.get("/workspace/identity/").status_code == 403
    assert agent_client.post("/workspace/identity/", {"action": "on"}).status_code == 403
    assert client.post("/workspace/identity/", {"action": "on"}).status_code == 302  # to log in
    workspace.refresh_from_db()
    assert workspace.identity_secret == ""


def test_an_unknown_action_is_a_clear_400(owner_client):
    assert owner_client.post("/workspace/identity/", {"action": "explode"}).status_code == 400
