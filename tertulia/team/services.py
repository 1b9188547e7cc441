"""Writes for the Team page: invitations (send, resend, revoke, accept), role changes and
removals as members ask for them, with the role rules of `accounts.models.ROLE_CAN`.

Who may do what is checked here, not only in the views, so a command or another page cannot
step around it: a manager ("team") acts on admins and agents; only an owner ("owners") acts on
owners. Invitations are for admins and agents: an owner is made by handing ownership over.
"""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tertulia.accounts.models import AuditAction, Member, Role, User, Workspace
from tertulia.accounts.services import audit, member_remove, member_set_role
from tertulia.team.models import INVITATION_DAYS, Invitation, InvitationState, token_hash

INVITABLE_ROLES = (Role.ADMIN, Role.AGENT)

# token -> the absolute address of its accept page (the view builds it from the request).
LinkMaker = Callable[[str], str]


class InvitationClosed(Exception):
    """The link cannot be used: unknown, or its invitation was accepted, revoked or expired."""

    def __init__(self, state: InvitationState | None):
        super().__init__(state or "unknown")
        self.state = state


def check_may_act(*, actor: Member, role: str, new_role: str = "") -> None:
    """Refuse (403) unless `actor` may act on a member or invitation of `role` (giving it
    `new_role`)."""
    if not actor.can("team"):
        raise PermissionDenied(_("Only owners and admins can do this."))
    if Role.OWNER in (role, new_role) and not actor.can("owners"):
        raise PermissionDenied(_("Only an owner can change an owner's place."))


def invitations_send(
    *,
    workspace: Workspace,
    actor: Member | None,
    emails: list[str],
    role: str,
    language: str,
    link: LinkMaker,
) -> list[Invitation]:
    """Invite each address with `role`; an address already invited gets a fresh link instead.
    `actor` None: a command on the server (`tertulia invite`)."""
    if role not in INVITABLE_ROLES:
        raise ValidationError(_("Invite people as admins or agents."), code="role")
    if actor is not None:
        check_may_act(actor=actor, role=role)
    inviter = actor.user if actor is not None else None
    sent = []
    for email in emails:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update()
                .filter(
                    workspace=workspace,
                    email__iexact=email,
                    accepted_at__isnull=True,
                    revoked_at__isnull=True,
                )
                .first()
            )
            if invitation is None:
                invitation = Invitation(workspace=workspace, email=email.lower())
            invitation.role = role
            invitation.invited_by = inviter
            token = _new_token(invitation)
            audit(
                workspace_id=workspace.pk,
                actor=inviter,
                action=AuditAction.INVITATION_SENT,
                email=invitation.email,
                role=role,
            )
        _mail(invitation, token=token, language=language, link=link)
        sent.append(invitation)
    return sent


def invitation_resend(
    *, invitation: Invitation, actor: Member, language: str, link: LinkMaker
) -> Invitation:
    """Send a pending (or expired) invitation again with a new link; the old link stops working
    and the seven days start again."""
    check_may_act(actor=actor, role=invitation.role)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise ValidationError(_("This invitation is closed."), code="closed")
        invitation.invited_by = actor.user
        token = _new_token(invitation)
        audit(
            workspace_id=invitation.workspace_id,
            actor=actor.user,
            action=AuditAction.INVITATION_SENT,
            email=invitation.email,
            role=invitation.role,
            again=True,
        )
    _mail(invitation, token=token, language=language, link=link)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Member) -> Invitation:
    """Close a pending invitation: its link says it was withdrawn."""
    check_may_act(actor=actor, role=invitation.role)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit(
        workspace_id=invitation.workspace_id,
        actor=actor.user,
        action=AuditAction.INVITATION_REVOKED,
        email=invitation.email,
        role=invitation.role,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation of a link's token; `InvitationClosed` says why there is none."""
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationClosed(None)
    if invitation.state != InvitationState.PENDING:
        raise InvitationClosed(invitation.state)
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    name: str = "",
    password: str = "",
    language: str = "",
    timezone_name: str = "UTC",
) -> Member:
    """Join the workspace of the link: as `user` (who has the invitation's address), or as a new
    user with that address, name, password, language and time zone. The link is then used up."""
    found = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.state != InvitationState.PENDING:  # accepted meanwhile by a second click
        raise InvitationClosed(invitation.state)
    users = get_user_model().objects
    if user is None:
        if users.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("This address has an account: log in."), code="exists")
        user = users.create_user(
            invitation.email, password, name=name, language=language, timezone=timezone_name
        )
    elif user.email.lower() != invitation.email.lower():
        raise PermissionDenied(_("This invitation is for another e-mail address."))
    member, created = Member.objects.get_or_create(
        workspace_id=invitation.workspace_id, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if created:
        audit(
            workspace_id=invitation.workspace_id,
            actor=user,
            action=AuditAction.INVITATION_ACCEPTED,
            role=member.role,
            user=user.pk,
            member=str(user),
        )
    return member


def team_member_set_role(*, member: Member, role: str, actor: Member) -> Member:
    """Give a member of the actor's workspace another role (the last owner stays an owner)."""
    check_may_act(actor=actor, role=member.role, new_role=role)
    return member_set_role(member=member, role=role, actor=actor.user)


def team_member_remove(*, member: Member, actor: Member) -> None:
    """Take a member out of the workspace and end their sessions at once; what they wrote stays
    under their name (their login stays too). The last owner stays."""
    check_may_act(actor=actor, role=member.role)
    with transaction.atomic():
        user = member.user
        member_remove(member=member, actor=actor.user)
        user_sessions_end(user=user)


def user_sessions_end(*, user: User) -> int:
    """Log a user out everywhere: delete their database sessions. Returns how many ended."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _new_token(invitation: Invitation) -> str:
    """A fresh random token for the invitation (saved); only its hash is kept."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.sent_at = timezone.now()
    invitation.save()
    return token


def _mail(invitation: Invitation, *, token: str, language: str, link: LinkMaker) -> None:
    inviter = invitation.invited_by
    context = {
        "inviter": str(inviter) if inviter else "",
        "workspace": invitation.workspace.name,
        "role": Role(invitation.role).label,
        "link": link(token),
        "days": INVITATION_DAYS,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        if inviter:
            subject = _("%(inviter)s invites you to %(workspace)s on Tertulia") % context
        else:
            subject = _("You are invited to %(workspace)s on Tertulia") % context
        body = render_to_string("team/invitation_email.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    ).send()
