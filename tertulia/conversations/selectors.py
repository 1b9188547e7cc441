"""Reads of a visitor's conversation and status history."""

from dataclasses import dataclass
from datetime import datetime

from tertulia.conversations.models import Message, StatusChange
from tertulia.visitors.models import Visitor

PAGE_SIZE = 50


@dataclass(frozen=True)
class ConversationSlice:
    """A run of consecutive messages, oldest first, and whether older ones exist."""

    messages: list[Message]
    has_older: bool

    @property
    def oldest_id(self) -> int | None:
        return self.messages[0].pk if self.messages else None


def conversation_slice(
    *, visitor: Visitor, before_id: int | None = None, limit: int = PAGE_SIZE
) -> ConversationSlice:
    """The newest `limit` messages, or those just before `before_id`: one indexed query."""
    queryset = Message.objects.filter(visitor=visitor).select_related("agent").order_by("-id")
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    newest_first = list(queryset[: limit + 1])
    has_older = len(newest_first) > limit
    return ConversationSlice(messages=newest_first[:limit][::-1], has_older=has_older)


def status_history(*, visitor: Visitor, limit: int = 50) -> list[StatusChange]:
    """The latest status changes, newest first, with the member who made each."""
    return list(
        StatusChange.objects.filter(visitor=visitor).select_related("actor").order_by("-id")[:limit]
    )


def first_message_at(*, visitor: Visitor) -> datetime | None:
    """When the visitor's conversation began: its first message of those `message_count`
    counts (the last one is `Visitor.last_message_at`)."""
    return (
        Message.objects.filter(visitor=visitor)
        .counted()
        .order_by("id")
        .values_list("created_at", flat=True)
        .first()
    )
