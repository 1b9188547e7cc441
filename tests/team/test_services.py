"""Invitations and member changes through the team services: the role rules, the last owner,
single-use expiring links, sessions ending, and the audit log."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from tertulia.accounts.models import AuditAction, AuditEntry, Member, Role, User
from tertulia.accounts.services import member_add, ownership_hand_over
from tertulia.team.models import Invitation, InvitationState
from tertulia.team.services import (
    InvitationClosed,
    invitation_accept,
    invitation_resend,
    invitation_revoke,
    invitations_send,
    team_member_remove,
    team_member_set_role,
)
from tests.conftest import PASSWORD


def link(token: str) -> str:
    return f"https://chat.example/team/join/{token}/"


def send(workspace, actor, *emails, role=Role.AGENT, language="en"):
    return invitations_send(
        workspace=workspace,
        actor=actor,
        emails=list(emails),
        role=role,
        language=language,
        link=link,
    )


def token_of(message) -> str:
    return re.search(r"/team/join/([^/]+)/", message.body).group(1)


def actions(workspace):
    return list(
        AuditEntry.objects.filter(workspace=workspace)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_an_invitation_is_mailed_with_a_link_and_put_on_record(workspace, owner):
    [invitation] = send(workspace, owner, "New.Person@Example.com")
    assert invitation.email == "new.person@example.com"
    [message] = mail.outbox
    assert message.to == ["new.person@example.com"]
    assert "Olga Owner" in message.subject and "Acme" in message.subject
    token = token_of(message)
    assert invitation.token_hash != token and token not in invitation.token_hash
    assert actions(workspace)[-1] == AuditAction.INVITATION_SENT


def test_the_email_is_in_the_inviters_language(workspace, owner):
    send(workspace, owner, "nueva@example.com", language="es")
    assert "te invita" in mail.outbox[0].subject


def test_a_new_person_accepts_once(workspace, owner):
    send(workspace, owner, "new@example.com")
    token = token_of(mail.outbox[0])
    member = invitation_accept(
        token=token, name="Nina", password="a-good-passphrase-9", timezone_name="Europe/Madrid"
    )
    assert member.workspace == workspace and member.role == Role.AGENT
    assert member.user.check_password("a-good-passphrase-9")
    assert member.user.timezone == "Europe/Madrid"
    assert actions(workspace)[-1] == AuditAction.INVITATION_ACCEPTED
    with pytest.raises(InvitationClosed) as closed:
        invitation_accept(token=token, name="Again", password="a-good-passphrase-9")
    assert closed.value.state == InvitationState.ACCEPTED


def test_someone_with_an_account_joins_a_second_workspace(workspace, owner, other_owner):
    send(other_owner.workspace, other_owner, owner.user.email, role=Role.ADMIN)
    member = invitation_accept(token=token_of(mail.outbox[0]), user=owner.user)
    assert member.workspace == other_owner.workspace and member.role == Role.ADMIN
    assert User.objects.filter(email=owner.user.email).count() == 1


def test_an_invitation_is_for_its_address_only(workspace, owner, agent):
    send(workspace, owner, "someone@example.com")
    with pytest.raises(PermissionDenied):
        invitation_accept(token=token_of(mail.outbox[0]), user=agent.user)


def test_expired_revoked_and_resent_links_close(workspace, owner):
    [invitation] = send(workspace, owner, "late@example.com")
    first = token_of(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - timedelta(days=7, seconds=1)
    )
    with pytest.raises(InvitationClosed) as closed:
        invitation_accept(token=first, name="Late", password="a-good-passphrase-9")
    assert closed.value.state == InvitationState.EXPIRED

    invitation_resend(invitation=invitation, actor=owner, language="en", link=link)
    second = token_of(mail.outbox[1])
    with pytest.raises(InvitationClosed) as closed:
        invitation_accept(token=first, name="Late", password="a-good-passphrase-9")
    assert closed.value.state is None  # the old link is gone

    invitation_revoke(invitation=invitation, actor=owner)
    with pytest.raises(InvitationClosed) as closed:
        invitation_accept(token=second, name="Late", password="a-good-passphrase-9")
    assert closed.value.state == InvitationState.REVOKED
    assert actions(workspace)[-3:] == [
        AuditAction.INVITATION_SENT,
        AuditAction.INVITATION_SENT,
        AuditAction.INVITATION_REVOKED,
    ]


def test_inviting_an_address_again_renews_the_one_pending_invitation(workspace, owner):
    send(workspace, owner, "twice@example.com")
    send(workspace, owner, "twice@example.com", role=Role.ADMIN)
    [invitation] = Invitation.objects.filter(workspace=workspace)
    assert invitation.role == Role.ADMIN
    with pytest.raises(InvitationClosed):
        invitation_accept(token=token_of(mail.outbox[0]), name="T", password="a-good-passphrase-9")


def test_only_admins_and_agents_are_invited_and_agents_invite_nobody(workspace, owner, agent):
    with pytest.raises(ValidationError):
        send(workspace, owner, "boss@example.com", role=Role.OWNER)
    with pytest.raises(PermissionDenied):
        send(workspace, agent, "friend@example.com")
    assert not mail.outbox


def test_the_last_owner_cannot_be_demoted_removed_or_leave(workspace, owner):
    for change in (
        lambda: team_member_set_role(member=owner, role=Role.ADMIN, actor=owner),
        lambda: team_member_remove(member=owner, actor=owner),
    ):
        with pytest.raises(ValidationError):
            change()
    assert Member.objects.get(pk=owner.pk).role == Role.OWNER


def test_an_admin_cannot_touch_an_owner(workspace, owner):
    admin = member_add(
        workspace=workspace, email="ad@acme.test", password=PASSWORD, role=Role.ADMIN
    )
    with pytest.raises(PermissionDenied):
        team_member_remove(member=owner, actor=admin)
    with pytest.raises(PermissionDenied):
        team_member_set_role(member=admin, role=Role.OWNER, actor=admin)


def test_ownership_is_handed_over(workspace, owner, agent):
    ownership_hand_over(workspace=workspace, to=agent, actor=owner.user)
    assert Member.objects.get(pk=agent.pk).role == Role.OWNER
    assert Member.objects.get(pk=owner.pk).role == Role.ADMIN
    assert actions(workspace)[-1] == AuditAction.OWNERSHIP_HANDED_OVER
    with pytest.raises(ValidationError):  # no longer an owner
        ownership_hand_over(workspace=workspace, to=owner, actor=owner.user)


def test_removing_a_member_ends_their_sessions_only(workspace, owner, agent):
    theirs, mine = Client(), Client()
    theirs.force_login(agent.user)
    mine.force_login(owner.user)
    team_member_remove(member=agent, actor=owner)
    assert not Member.objects.filter(pk=agent.pk).exists()
    left = [session.get_decoded().get("_auth_user_id") for session in Session.objects.all()]
    assert left == [str(owner.user.pk)]
    assert theirs.get("/visitors/").status_code == 302
    assert actions(workspace)[-1] == AuditAction.MEMBER_REMOVED


def test_the_invite_command_sends_an_invitation_for_scripts(workspace):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("invite", workspace="Acme", email="Script@Example.com", role="admin", stdout=out)
    [message] = mail.outbox
    assert message.to == ["script@example.com"]
    assert message.subject == "You are invited to Acme on Tertulia"
    assert token_of(message) in out.getvalue()
    invitation = Invitation.objects.get(email="script@example.com")
    assert invitation.role == Role.ADMIN and invitation.invited_by is None
    entry = AuditEntry.objects.filter(workspace=workspace).latest("id")
    assert entry.action == AuditAction.INVITATION_SENT and entry.actor is None
    member = invitation_accept(token=token_of(message), name="S", password="a-good-passphrase-9")
    assert member.role == Role.ADMIN
    for bad in (
        {"workspace": "Nope", "email": "x@example.com", "role": "agent"},
        {"workspace": "Acme", "email": "not-an-address", "role": "agent"},
        {"workspace": "Acme", "email": "owner@acme.test", "role": "agent"},
    ):
        with pytest.raises(CommandError):
            call_command("invite", **bad)
