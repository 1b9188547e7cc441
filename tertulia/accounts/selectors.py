"""Reads about members, workspaces and their audit log."""

from dataclasses import dataclass

from tertulia.accounts.models import AuditEntry, Member, Workspace


def member_for_user(*, user) -> Member | None:
    """The membership a logged-in user works in (their first), or None."""
    if not user.is_authenticated:
        return None
    return (
        Member.objects.select_related("workspace", "user")
        .filter(user=user)
        .order_by("created_at", "pk")
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
