"""Deleting a workspace: owners only, with its name and the password, and everything goes."""

import pytest
from django.test import Client

from tertulia.accounts.models import AuditEntry, Member, Role, User, Workspace
from tertulia.accounts.services import member_add, workspace_delete
from tertulia.conversations.models import Message, Sender
from tertulia.conversations.services import message_post
from tertulia.flows.models import Bot
from tertulia.visitors.models import Visitor
from tests.conftest import PASSWORD


def delete(client, name="Acme", password=PASSWORD):
    return client.post("/workspace/delete/", {"name": name, "password": password})


def test_only_owners_see_and_open_the_delete_page(owner_client, agent_client, workspace):
    admin = member_add(
        workspace=workspace, email="adm@acme.test", password=PASSWORD, role=Role.ADMIN
    )
    admin_client = Client()
    admin_client.force_login(admin.user)
    assert "/workspace/delete/" in owner_client.get("/workspace/").content.decode()
    assert "/workspace/delete/" not in admin_client.get("/workspace/").content.decode()
    assert owner_client.get("/workspace/delete/").status_code == 200
    assert admin_client.get("/workspace/delete/").status_code == 403
    assert agent_client.get("/workspace/delete/").status_code == 403
    assert delete(admin_client).status_code == 403
    assert Workspace.objects.filter(pk=workspace.pk).exists()


@pytest.mark.parametrize(
    ("name", "password", "error"),
    [
        ("acme", PASSWORD, "Type the name exactly as it is: Acme"),
        ("Acme", "wrong", "That is not your password."),
        ("", "", "This field is required."),
    ],
)
def test_a_wrong_name_or_password_deletes_nothing(owner_client, workspace, name, password, error):
    response = delete(owner_client, name, password)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Workspace.objects.filter(pk=workspace.pk).exists()


def test_everything_in_the_workspace_goes_and_nothing_of_another(
    owner_client, owner, agent, make_visitor, other_owner, monkeypatch
):
    monkeypatch.setattr("tertulia.privacy.services.PURGE_BATCH", 2)  # several batches
    visitors = [make_visitor(name=f"V{i}") for i in range(5)]
    message_post(visitor=visitors[0], sender=Sender.VISITOR, text="hola")
    kept = make_visitor(in_workspace=other_owner.workspace, name="Elsewhere")
    response = delete(owner_client)
    assert response.status_code == 302
    assert not Workspace.objects.filter(name="Acme").exists()
    assert list(Visitor.objects.all()) == [kept]
    assert not Message.objects.exclude(visitor=kept).exists()
    assert not Bot.objects.filter(workspace_id=owner.workspace_id).exists()
    assert not Member.objects.filter(workspace_id=owner.workspace_id).exists()
    assert not AuditEntry.objects.filter(workspace_id=owner.workspace_id).exists()
    # Logins stay; the other workspace is untouched.
    assert User.objects.filter(email__in=["owner@acme.test", "agent@acme.test"]).count() == 2
    assert Workspace.objects.filter(pk=other_owner.workspace_id).exists()


def test_the_owner_lands_in_another_workspace_or_is_logged_out(owner, owner_client, other_owner):
    member_add(
        workspace=other_owner.workspace, email=owner.user.email, password="", role=Role.AGENT
    )
    response = delete(owner_client)
    assert response["Location"] == "/visitors/"
    page = owner_client.get("/visitors/", follow=True).content.decode()
    assert "The workspace Acme is deleted." in page and "Globex" in page
    # Deleting their last workspace logs them out.
    solo = Client()
    solo.force_login(other_owner.user)
    solo.post("/workspace/delete/", {"name": "Globex", "password": PASSWORD})
    assert solo.get("/visitors/").status_code == 302


def test_a_member_left_without_a_workspace_is_told_so(owner, agent, agent_client):
    workspace_delete(workspace=owner.workspace, actor=owner.user)
    response = agent_client.get("/visitors/")
    assert response.status_code == 403
    assert "You are not in any workspace" in response.content.decode()


def test_the_service_refuses_anyone_but_an_owner(owner, agent):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        workspace_delete(workspace=owner.workspace, actor=agent.user)
    assert Workspace.objects.filter(pk=owner.workspace_id).exists()
