"""Reads of a member's notifications."""

from tertulia.accounts.models import Member
from tertulia.notifications.models import Notification


def unread_count(*, member: Member) -> int:
    return Notification.objects.filter(member=member, read_at__isnull=True).count()


def recent(*, member: Member, limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(member=member).select_related("visitor").order_by("-id")[:limit]
    )
