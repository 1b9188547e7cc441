"""Reads about members, workspaces and their audit log."""

from dataclasses import dataclass

from tertulia.accounts.models import AuditEntry, Member, Workspace
from tertulia.core import rows

# The session key holding the workspace a member of several chose to work in.
WORKSPACE_SESSION_KEY = "workspace_id"


# Read by every page (its member, the top bar's workspace switcher, the assignee menus): each a
# statement compiled once (`core.rows.Select`).
_memberships = rows.Select(
    lambda user_id: (
        Member.objects.select_related("workspace", "user")
        .filter(user_id=user_id)
        .order_by("created_at", "pk")
    )
)
_members_by_name = rows.Select(
    lambda workspace_id: (
        Member.objects.filter(workspace_id=workspace_id)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
)


def memberships_of(*, user) -> list[Member]:
    """Every membership of a user, oldest first, with its workspace (one query)."""
    if not user.is_authenticated:
        return []
    return _memberships(user.pk)


def member_chosen(memberships: list[Member], workspace_id: int | None = None) -> Member | None:
    """The membership a user works in: the one of `workspace_id` (their choice, kept in the
    session) when they are still a member there, else their first; or None."""
    for member in memberships:
        if member.workspace_id == workspace_id:
            return member
    return memberships[0] if memberships else None


def member_for_user(*, user, workspace_id: int | None = None) -> Member | None:
    """`member_chosen` among all of a user's memberships."""
    return member_chosen(memberships_of(user=user), workspace_id)


def chosen_workspace(session) -> int | None:
    """The workspace this session chose to work in, if any."""
    chosen = session.get(WORKSPACE_SESSION_KEY) if session is not None else None
    return chosen if isinstance(chosen, int) else None


def member_for_session(*, user, session) -> Member | None:
    """`member_for_user` with the workspace chosen in this session (pages and the socket)."""
    return member_for_user(user=user, workspace_id=chosen_workspace(session))


def members_by_name(*, workspace_id: int) -> list[Member]:
    """A workspace's members by name, with their users (whom a conversation can be assigned)."""
    return _members_by_name(workspace_id)


def member_in(*, workspace_id: int, member_id: object) -> Member | None:
    """The member `member_id` (as typed in a form) of this workspace, or None."""
    text = str(member_id)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return (
        Member.objects.select_related("user")
        .filter(workspace_id=workspace_id, pk=int(text))
        .first()
    )


AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    """Entries newest first, and the id to ask for the older ones with (None: these are all)."""

    entries: list[AuditEntry]
    older_than: int | None


def audit_page(
    *,
    workspace: Workspace,
    action: str = "",
    before: int | None = None,
    size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """A workspace's audit entries, newest first, of one action or all, older than `before`."""
    entries = AuditEntry.objects.filter(workspace=workspace).select_related("actor")
    if action:
        entries = entries.filter(action=action)
    if before is not None:
        entries = entries.filter(id__lt=before)
    rows = list(entries.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(entries=rows, older_than=rows[-1].pk if more else None)
