"""Reads about members, workspaces and their audit log."""

from dataclasses import dataclass

from tertulia.accounts.models import AuditEntry, Member, Workspace

# The session key holding the workspace a member of several chose to work in.
WORKSPACE_SESSION_KEY = "workspace_id"


def member_for_user(*, user, workspace_id: int | None = None) -> Member | None:
    """The membership a logged-in user works in: the one of `workspace_id` (their choice, kept
    in the session) when they are still a member there, else their first; or None."""
    if not user.is_authenticated:
        return None
    memberships = Member.objects.select_related("workspace", "user").filter(user=user)
    if workspace_id is not None:
        chosen = memberships.filter(workspace_id=workspace_id).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("created_at", "pk").first()


def member_for_session(*, user, session) -> Member | None:
    """`member_for_user` with the workspace chosen in this session (pages and the socket)."""
    chosen = session.get(WORKSPACE_SESSION_KEY) if session is not None else None
    return member_for_user(user=user, workspace_id=chosen if isinstance(chosen, int) else None)


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
