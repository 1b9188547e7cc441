"""The Team page and the accept page over HTTP: who sees and does what, and the links' states."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tertulia.accounts.models import AuditAction, AuditEntry, Member, Role
from tertulia.team.models import Invitation
from tests.conftest import PASSWORD

NEW_PASSWORD = "tortilla-de-patatas-42"


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def invite(client, emails, role=Role.AGENT):
    return client.post("/team/invite/", {"emails": emails, "role": role})


def join_path(message) -> str:
    return re.search(r"http://testserver(/team/join/[^/]+/)", message.body).group(1)


def test_every_member_sees_the_team_only_managers_see_invitations(owner, agent):
    invite(client_for(owner), "pending@example.com")
    page = client_for(agent).get("/team/").content.decode()
    assert "Olga Owner" in page and "owner@acme.test" in page and "Ana Agent" in page
    assert "pending@example.com" not in page and "/team/invite/" not in page
    page = client_for(owner).get("/team/").content.decode()
    assert "pending@example.com" in page and 'action="/team/invite/"' in page


def test_the_owner_invites_several_addresses_with_links_to_this_server(owner):
    response = invite(client_for(owner), "a@example.com, b@example.com\nc@example.com")
    assert response.status_code == 302
    assert sorted(message.to[0] for message in mail.outbox) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert all("http://testserver/team/join/" in message.body for message in mail.outbox)


def test_bad_addresses_and_members_are_refused_and_nothing_is_sent(owner, agent):
    response = invite(client_for(owner), "fine@example.com not-an-address agent@acme.test")
    assert response.status_code == 400
    text = response.content.decode()
    assert "not-an-address" in text and "agent@acme.test is already a member" in text
    assert not mail.outbox and not Invitation.objects.exists()


def test_a_new_person_joins_and_lands_on_the_visitors_page(owner, client):
    invite(client_for(owner), "nina@example.com")
    path = join_path(mail.outbox[0])
    owner.workspace.timezone = "America/Mexico_City"
    owner.workspace.save()
    page = client.get(path)
    assert page.status_code == 200 and "nina@example.com" in page.content.decode()
    # The time zone starts as the workspace's, not as the list's first (Africa/Abidjan).
    assert '<option value="America/Mexico_City" selected>' in page.content.decode()
    weak = client.post(
        path,
        {
            "name": "Nina",
            "password1": "123",
            "password2": "123",
            "language": "es",
            "timezone": "Europe/Madrid",
        },
    )
    assert weak.status_code == 400
    response = client.post(
        path,
        {
            "name": "Nina",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "language": "es",
            "timezone": "Europe/Madrid",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/visitors/"
    assert client.get("/visitors/").status_code == 200
    member = Member.objects.get(user__email="nina@example.com")
    assert member.workspace == owner.workspace and member.role == Role.AGENT
    assert member.user.language == "es"
    again = Client().get(path)
    assert again.status_code == 410 and "already used" in again.content.decode()


def test_someone_with_an_account_logs_in_to_join(owner, other_owner, client):
    invite(client_for(other_owner), owner.user.email, role=Role.ADMIN)
    path = join_path(mail.outbox[0])
    wrong = client.post(path, {"username": owner.user.email, "password": "wrong-password"})
    assert wrong.status_code == 400
    response = client.post(path, {"username": owner.user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/visitors/"
    assert Member.objects.get(user=owner.user, workspace=other_owner.workspace).role == Role.ADMIN


def test_expired_and_revoked_links_say_so(owner, client):
    owners = client_for(owner)
    invite(owners, "late@example.com")
    invite(owners, "gone@example.com")
    late, gone = (join_path(message) for message in mail.outbox)
    Invitation.objects.filter(email="late@example.com").update(
        sent_at=timezone.now() - timedelta(days=8)
    )
    withdrawn = Invitation.objects.get(email="gone@example.com")
    owners.post(f"/team/invitations/{withdrawn.pk}/revoke/")
    assert "expired" in client.get(late).content.decode()
    assert client.get(late).status_code == 410
    response = client.get(gone)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert client.get("/team/join/not-a-token/").status_code == 404
    response = client.post(
        late,
        {
            "name": "L",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "language": "",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 410


def test_resend_gives_a_new_link(owner, client):
    owners = client_for(owner)
    invite(owners, "again@example.com")
    invitation = Invitation.objects.get()
    assert owners.post(f"/team/invitations/{invitation.pk}/resend/").status_code == 302
    first, second = (join_path(message) for message in mail.outbox)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/team/invite/",
        "/team/invitations/{invitation}/resend/",
        "/team/invitations/{invitation}/revoke/",
        "/team/members/{member}/role/",
        "/team/members/{member}/remove/",
        "/team/members/{member}/hand-over/",
    ],
)
def test_an_agent_may_not_manage(owner, agent, path):
    invite(client_for(owner), "x@example.com")
    url = path.format(invitation=Invitation.objects.get().pk, member=owner.pk)
    response = client_for(agent).post(url, {"emails": "y@example.com", "role": Role.ADMIN})
    assert response.status_code == 403
    assert Member.objects.get(pk=owner.pk).role == Role.OWNER


@pytest.mark.parametrize(
    "path",
    [
        "/team/invitations/{invitation}/resend/",
        "/team/invitations/{invitation}/revoke/",
        "/team/members/{member}/role/",
        "/team/members/{member}/remove/",
        "/team/members/{member}/hand-over/",
    ],
)
def test_another_workspace_is_out_of_reach(owner, agent, other_owner, path):
    invite(client_for(owner), "x@example.com")
    url = path.format(invitation=Invitation.objects.get().pk, member=agent.pk)
    response = client_for(other_owner).post(url, {"role": Role.ADMIN})
    assert response.status_code == 404
    page = client_for(other_owner).get("/team/").content.decode()
    assert "agent@acme.test" not in page and "x@example.com" not in page
    assert Member.objects.get(pk=agent.pk).role == Role.AGENT
    assert Invitation.objects.get().revoked_at is None


def test_role_change_and_removal_end_access_at_once(owner, agent):
    owners, agents = client_for(owner), client_for(agent)
    assert owners.post(f"/team/members/{agent.pk}/role/", {"role": Role.ADMIN}).status_code == 302
    assert agents.get("/bots/").status_code == 200
    assert owners.post(f"/team/members/{agent.pk}/remove/").status_code == 302
    assert agents.get("/visitors/").status_code == 302  # logged out: to the login page
    assert list(
        AuditEntry.objects.filter(workspace=owner.workspace)
        .order_by("id")
        .values_list("action", flat=True)
    )[-2:] == [AuditAction.MEMBER_ROLE_CHANGED, AuditAction.MEMBER_REMOVED]


def test_the_last_owner_cannot_be_removed_or_demoted(owner):
    owners = client_for(owner)
    response = owners.post(f"/team/members/{owner.pk}/remove/", follow=True)
    assert "always has an owner" in response.content.decode()
    owners.post(f"/team/members/{owner.pk}/role/", {"role": Role.AGENT})
    assert Member.objects.get(pk=owner.pk).role == Role.OWNER


def test_the_owner_hands_ownership_over(owner, agent):
    response = client_for(owner).post(f"/team/members/{agent.pk}/hand-over/")
    assert response.status_code == 302
    assert Member.objects.get(pk=agent.pk).role == Role.OWNER
    assert Member.objects.get(pk=owner.pk).role == Role.ADMIN


def test_a_member_of_two_workspaces_switches_and_every_page_follows(owner, other_owner, client):
    invite(client_for(other_owner), owner.user.email)
    owners = client_for(owner)
    path = join_path(mail.outbox[0])
    response = owners.post(path, {"join": "1"})
    assert response.status_code == 302
    globex = other_owner.workspace
    page = owners.get("/team/").content.decode()
    assert "Your workspaces" in page and f"/team/switch/{globex.pk}/" in page
    assert "Gus Globex" not in page  # still working in Acme
    assert owners.post(f"/team/switch/{globex.pk}/").status_code == 302
    page = owners.get("/team/").content.decode()
    assert "Gus Globex" in page and "Olga Owner" in page
    assert owners.get("/bots/").status_code == 403  # an agent in Globex
    assert owners.post(f"/team/switch/{owner.workspace.pk}/").status_code == 302
    assert owners.get("/bots/").status_code == 200


def test_nobody_switches_to_a_workspace_they_are_not_in(owner, other_owner):
    response = client_for(owner).post(f"/team/switch/{other_owner.workspace.pk}/")
    assert response.status_code == 404


def test_a_removed_member_falls_back_to_their_other_workspace(owner, other_owner):
    from tertulia.accounts.selectors import member_for_user

    assert member_for_user(user=owner.user, workspace_id=other_owner.workspace.pk) == owner
