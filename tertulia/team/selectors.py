"""Reads for the Team page."""

from django.db.models import Case, IntegerField, Value, When

from tertulia.accounts.models import Member, Role, Workspace
from tertulia.team.models import Invitation

_ROLE_ORDER = Case(
    When(role=Role.OWNER, then=Value(0)),
    When(role=Role.ADMIN, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def team_members(*, workspace: Workspace) -> list[Member]:
    """The workspace's members: owners, then admins, then agents, each by name."""
    return list(
        Member.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by(_ROLE_ORDER, "user__name", "user__email")
    )


def open_invitations(*, workspace: Workspace) -> list[Invitation]:
    """Invitations neither accepted nor revoked (expired ones too: they can be sent again)."""
    return list(
        Invitation.objects.filter(
            workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by")
        .order_by("-sent_at")
    )
