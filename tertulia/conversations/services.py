"""Writes for conversations."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tertulia.accounts.models import User
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.models import Visitor

# What a visitor does that counts as engaging: opening the widget alone does not.
ENGAGING_KINDS = {MessageKind.TEXT, MessageKind.OPTION_CHOICE, MessageKind.FORM_SUBMISSION}


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
) -> Message:
    """Add a message to a visitor's conversation and keep the visitor's counters right."""
    now = timezone.now()
    message = Message.objects.create(
        workspace_id=visitor.workspace_id,
        visitor=visitor,
        sender=sender,
        kind=kind,
        text=text,
        payload=payload or {},
        agent=agent,
        created_at=now,
    )
    updates = {"message_count": F("message_count") + 1}
    if sender == Sender.VISITOR:
        updates["last_seen_at"] = now
    if is_engaging(sender=sender, kind=kind):
        updates["engaged"] = True
    Visitor.objects.filter(pk=visitor.pk).update(**updates)
    publish_on_commit(
        workspace_id=visitor.workspace_id,
        event=events.MESSAGE_CREATED,
        data={"visitor": visitor.pk, "message": message.pk},
    )
    return message
