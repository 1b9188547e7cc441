"""Writes for workspaces, members and the audit log.

Every change of a workspace's settings or members writes an audit entry (`audit`), in the same
transaction as the change. A member's own profile (name, language, time zone) is theirs alone
and is not audited: it changes nothing anyone else in the workspace can do or see of visitors.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tertulia.accounts.hooks import access_changed, workspace_deleting
from tertulia.accounts.models import AuditAction, AuditEntry, Member, Role, User, Workspace
from tertulia.core.updates import model_update

logger = logging.getLogger(__name__)

WORKSPACE_SETTINGS = (
    "name",
    "timezone",
    "ip_storage",
    "retention_days",
    "auto_assign",
    "auto_assign_limit",
)
PROFILE_SETTINGS = ("name", "language", "timezone")


def audit(*, workspace_id: int, actor: User | None, action: AuditAction, **detail: Any) -> None:
    """Put on record what `actor` (None: the server itself) did in a workspace.

    `detail` is stored as JSON and worded when read (`accounts.audit`); never put visitors'
    personal data in it."""
    AuditEntry.objects.create(workspace_id=workspace_id, actor=actor, action=action, detail=detail)


@transaction.atomic
def workspace_create_with_owner(
    *, workspace_name: str, email: str, password: str, name: str = "", language: str = ""
) -> Member:
    """Create a workspace and the user who owns it (the user may already exist)."""
    workspace = Workspace.objects.create(name=workspace_name)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name, language=language)
    member = Member.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    audit(
        workspace_id=workspace.pk,
        actor=user,
        action=AuditAction.WORKSPACE_CREATED,
        name=workspace.name,
    )
    return member


@transaction.atomic
def workspace_update(*, workspace: Workspace, actor: User, data: Mapping[str, Any]) -> Workspace:
    """Change the workspace's name, IP storage or retention; the audit entry has old and new."""
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    changes = model_update(instance=workspace, fields=WORKSPACE_SETTINGS, data=data)
    if changes:
        audit(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.WORKSPACE_UPDATED,
            changes=changes,
        )
    return workspace


def workspace_delete(*, workspace: Workspace, actor: User) -> None:
    """An owner deletes the workspace and everything in it: visitors and their conversations
    (in batches, by the `on_workspace_deleting` hooks), bots, members, invitations and the audit
    log. The members' logins stay (they may belong to other workspaces); their open pages of this
    workspace leave at once. The server's log keeps one line: which workspace, who, when."""
    if not Member.objects.filter(workspace=workspace, user=actor, role=Role.OWNER).exists():
        raise ValidationError(_("Only an owner can delete the workspace."), code="not_owner")
    workspace_deleting(workspace.pk)
    with transaction.atomic():
        user_ids = list(Member.objects.filter(workspace=workspace).values_list("user", flat=True))
        workspace.delete()
        for user_id in user_ids:
            access_changed(user_id=user_id, workspace_id=workspace.pk)
    logger.info("workspace %s deleted by user %s", workspace.pk, actor.pk)


@transaction.atomic
def member_add(
    *,
    workspace: Workspace,
    email: str,
    password: str,
    role: str,
    name: str = "",
    language: str = "",
    actor: User | None = None,
) -> Member:
    """Add a person to a workspace with a role, creating their login if needed."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name, language=language)
    member = Member.objects.create(workspace=workspace, user=user, role=role)
    audit(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.MEMBER_ADDED,
        role=role,
        **_about(member),
    )
    return member


@transaction.atomic
def member_set_role(*, member: Member, role: str, actor: User | None) -> Member:
    """Give a member another role. The last owner stays an owner."""
    _lock_workspace(member.workspace_id)
    member = Member.objects.select_related("user").get(pk=member.pk)
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s"), params={"role": role})
    if member.role == role:
        return member
    if member.role == Role.OWNER:
        _keep_an_owner(member)
    old, member.role = member.role, role
    member.save(update_fields=["role"])
    audit(
        workspace_id=member.workspace_id,
        actor=actor,
        action=AuditAction.MEMBER_ROLE_CHANGED,
        old=old,
        new=role,
        **_about(member),
    )
    access_changed(user_id=member.user_id, workspace_id=member.workspace_id)
    return member


@transaction.atomic
def member_remove(*, member: Member, actor: User | None) -> None:
    """Take a member out of the workspace (their login stays). The last owner stays."""
    _lock_workspace(member.workspace_id)
    member = Member.objects.select_related("user").get(pk=member.pk)
    if member.role == Role.OWNER:
        _keep_an_owner(member)
    audit(
        workspace_id=member.workspace_id,
        actor=actor,
        action=AuditAction.MEMBER_REMOVED,
        role=member.role,
        **_about(member),
    )
    member.delete()
    access_changed(user_id=member.user_id, workspace_id=member.workspace_id)


@transaction.atomic
def ownership_hand_over(*, workspace: Workspace, to: Member, actor: User) -> Member:
    """The acting owner makes `to` an owner and becomes an admin, in one step (so the workspace
    is never without an owner). Returns the new owner's membership."""
    _lock_workspace(workspace.pk)
    giver = Member.objects.select_related("user").filter(workspace=workspace, user=actor).first()
    if giver is None or giver.role != Role.OWNER:
        raise ValidationError(_("Only an owner can hand ownership over."), code="not_owner")
    to = Member.objects.select_related("user").get(pk=to.pk, workspace=workspace)
    if to.pk == giver.pk:
        raise ValidationError(_("You are already the owner."), code="same_member")
    old_role, to.role = to.role, Role.OWNER
    to.save(update_fields=["role"])
    giver.role = Role.ADMIN
    giver.save(update_fields=["role"])
    audit(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.OWNERSHIP_HANDED_OVER,
        old=old_role,
        **_about(to),
    )
    access_changed(user_id=to.user_id, workspace_id=workspace.pk)
    access_changed(user_id=giver.user_id, workspace_id=workspace.pk)
    return to


@transaction.atomic
def profile_update(*, user: User, data: Mapping[str, Any]) -> User:
    """A member's own name, language and time zone (not audited: see the module's docstring)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    model_update(instance=user, fields=PROFILE_SETTINGS, data=data)
    return user


def _about(member: Member) -> dict[str, Any]:
    """Who a member entry is about: the user's id, and how they were called then."""
    return {"user": member.user_id, "member": str(member.user)}


def _lock_workspace(workspace_id: int) -> None:
    """Owner changes of one workspace wait for each other, so two cannot remove the last two."""
    Workspace.objects.select_for_update().filter(pk=workspace_id).first()


def _keep_an_owner(member: Member) -> None:
    others = Member.objects.filter(workspace_id=member.workspace_id, role=Role.OWNER).exclude(
        pk=member.pk
    )
    if not others.exists():
        raise ValidationError(
            _("A workspace always has an owner: make someone else owner first."),
            code="last_owner",
        )
