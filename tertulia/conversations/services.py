"""Writes for conversations."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tertulia.accounts.models import User
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit, publish_to_visitor_on_commit
from tertulia.visitors.models import Visitor

# What a visitor does that counts as engaging: opening the widget alone does not.
ENGAGING_KINDS = {MessageKind.TEXT, MessageKind.OPTION_CHOICE, MessageKind.FORM_SUBMISSION}
# Longest message a visitor or an agent may send.
MAX_TEXT = 4000


def is_engaging(*, sender: str, kind: str) -> bool:
    """Whether a message makes its visitor engaged."""
    return sender == Sender.VISITOR and kind in ENGAGING_KINDS


@transaction.atomic
def message_post(
    *,
    visitor: Visitor,
    sender: str,
    kind: str = MessageKind.TEXT,
    text: str = "",
    payload: dict | None = None,
    agent: User | None = None,
    client_id: str | None = None,
) -> Message:
    """Add a message to a visitor's conversation, keep the visitor's counters right and tell the
    dashboards and the visitor's widget once it is committed."""
    now = timezone.now()
    message = Message.objects.create(
        workspace_id=visitor.workspace_id,
        visitor=visitor,
        sender=sender,
        kind=kind,
        text=text,
        payload=payload or {},
        agent=agent,
        client_id=client_id or None,
        created_at=now,
    )
    updates = {"message_count": F("message_count") + 1}
    if sender == Sender.VISITOR:
        updates["last_seen_at"] = now
        updates["unread"] = F("unread") + 1
    if is_engaging(sender=sender, kind=kind):
        updates["engaged"] = True
        visitor.engaged = True
    Visitor.objects.filter(pk=visitor.pk).update(**updates)
    publish_on_commit(
        workspace_id=visitor.workspace_id,
        event=events.MESSAGE_CREATED,
        data={"visitor": visitor.pk, "message": message.pk, "sender": sender},
    )
    if message.visible_to_visitor:
        publish_to_visitor_on_commit(
            visitor_id=visitor.pk, data={"type": "message", "message": message.widget_json()}
        )
    return message


def conversation_mark_read(*, visitor: Visitor) -> None:
    """A member has seen the conversation: its unread mark goes."""
    if visitor.unread:
        Visitor.objects.filter(pk=visitor.pk).update(unread=0)
        visitor.unread = 0
