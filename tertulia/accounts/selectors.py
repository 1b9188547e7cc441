"""Reads about members and workspaces."""

from tertulia.accounts.models import Member


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
