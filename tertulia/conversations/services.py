"""Writes for conversations: messages, and status changes (every one, by hand or by a flow,
goes through `visitor_set_status`, which also writes a line in the conversation)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.accounts.models import User
from tertulia.conversations.models import (
    Message,
    MessageKind,
    Sender,
    StatusChange,
    counts_as_message,
)
from tertulia.core.limits import MESSAGE_MAX
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit, publish_to_visitor_on_commit
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.models import Visitor

# What a visitor does that counts as engaging: opening the widget alone does not.
ENGAGING_KINDS = {MessageKind.TEXT, MessageKind.OPTION_CHOICE, MessageKind.FORM_SUBMISSION}


def text_checked(text: str) -> str:
    """What a member wrote (a reply or a note), trimmed; refused when empty or too long."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something first."), code="empty")
    if len(text) > MESSAGE_MAX:
        raise ValidationError(
            _("Messages can be up to %(max)s characters long."),
            params={"max": MESSAGE_MAX},
            code="too_long",
        )
    return text


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
    updates = {}
    if counts_as_message(sender=sender, kind=kind):
        updates["message_count"] = F("message_count") + 1
        updates["last_message_at"] = now
        updates["last_message_text"] = message.preview
    if sender == Sender.VISITOR:
        updates["last_seen_at"] = now
        updates["unread"] = F("unread") + 1
    if is_engaging(sender=sender, kind=kind):
        updates["engaged"] = True
        visitor.engaged = True
    if updates:
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


@transaction.atomic
def visitor_set_status(
    *,
    visitor: Visitor,
    status: str,
    actor: User | None = None,
    flow_node: str = "",
    flow_node_label: str = "",
    quiet: bool = False,
) -> StatusChange | None:
    """Move a visitor to `status`, by a member (`actor`) or by a flow's Notification node.

    Writes the audit row and a system line in the conversation, then tells the dashboards
    (`quiet`: not this one visitor; a bulk change tells them once at its end).
    Returns None when the visitor already had that status.
    """
    status = VisitorStatus(status)
    locked = Visitor.objects.select_for_update().only("status", "workspace_id").get(pk=visitor.pk)
    previous = locked.status
    if previous == status:
        visitor.status = status
        return None
    now = timezone.now()
    Visitor.objects.filter(pk=visitor.pk).update(status=status, status_changed_at=now)
    visitor.status, visitor.status_changed_at = status, now
    change = StatusChange.objects.create(
        workspace_id=locked.workspace_id,
        visitor=visitor,
        from_status=previous,
        to_status=status,
        actor=actor,
        flow_node=flow_node,
        flow_node_label=flow_node_label,
    )
    Message.objects.create(
        workspace_id=locked.workspace_id,
        visitor=visitor,
        sender=Sender.SYSTEM,
        kind=MessageKind.STATUS_CHANGE,
        agent=actor,
        payload={"from": previous, "to": str(status), "node": flow_node_label or None},
        created_at=now,
    )
    if not quiet:
        publish_on_commit(
            workspace_id=locked.workspace_id,
            event=events.VISITOR_STATUS_CHANGED,
            data={"visitor": visitor.pk, "from": previous, "to": str(status)},
        )
    return change
