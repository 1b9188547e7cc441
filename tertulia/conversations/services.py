"""Writes for conversations: messages, and status changes (every one, by hand or by a flow,
goes through `visitor_set_status`, which also writes a line in the conversation)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.accounts.models import User
from tertulia.conversations.models import (
    MEMBERS_ONLY_KINDS,
    Message,
    MessageKind,
    Sender,
    StatusChange,
    counts_as_message,
)
from tertulia.core import rows
from tertulia.core.limits import MESSAGE_MAX
from tertulia.realtime import events
from tertulia.realtime.publish import (
    publish_on_commit,
    published,
    send_now,
    visitor_group,
    workspace_group,
)
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


@dataclass
class VisitorChanges:
    """What one transaction writes for a visitor over several steps (a visitor's message, the
    bot's answers, the flow's new position), gathered and written at once: the new messages in
    one INSERT, then the visitor row in one UPDATE. Whoever gathers calls `write` before the
    transaction ends (and before anything that reads those rows)."""

    values: dict = field(default_factory=dict)
    increments: dict = field(default_factory=dict)
    messages: list = field(default_factory=list)

    def add(self, other: "VisitorChanges") -> None:
        self.values.update(other.values)
        for name, step in other.increments.items():
            self.increments[name] = self.increments.get(name, 0) + step
        self.messages += other.messages

    def write(self, visitor_id: int) -> None:
        """Write what was gathered (nothing when nothing was), then start afresh."""
        rows.insert(
            self.messages,
            then=rows.Update(Visitor, visitor_id, values=self.values, add=self.increments),
        )
        for message in self.messages:
            if message.kind not in MEMBERS_ONLY_KINDS:  # a note is never an event
                published(
                    workspace_id=message.workspace_id,
                    event=events.MESSAGE_CREATED,
                    data={"visitor": visitor_id, "message": message.widget_json()},
                )
        self.values, self.increments, self.messages = {}, {}, []


# Nested in a caller's transaction, the services below add no savepoint of their own: none of
# their callers goes on after one of them fails.
@transaction.atomic(savepoint=False)
def message_post(
    *,
    visitor: Visitor,
    sender: str,
    kind: str = MessageKind.TEXT,
    text: str = "",
    payload: dict | None = None,
    agent: User | None = None,
    client_id: str | None = None,
    changes: VisitorChanges | None = None,
) -> Message:
    """Add a message to a visitor's conversation, keep the visitor's counters right and tell the
    dashboards and the visitor's widget once it is committed.

    `changes`: gather the message and the visitor's new counters there, for the caller to write
    (with its own) before the transaction ends, instead of writing them now; the message has
    its id once they are written."""
    now = timezone.now()
    message = Message(
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
    mine = VisitorChanges(messages=[message])
    if counts_as_message(sender=sender, kind=kind):
        mine.increments["message_count"] = 1
        mine.values["last_message_at"] = now
        mine.values["last_message_text"] = message.preview
    if sender == Sender.VISITOR:
        mine.values["last_seen_at"] = now
        mine.increments["unread"] = 1
    if is_engaging(sender=sender, kind=kind):
        mine.values["engaged"] = True
        visitor.engaged = True
    if changes is not None:
        changes.add(mine)
    else:
        mine.write(visitor.pk)
    # Told once committed, in the order written (the message has its id by then).
    transaction.on_commit(lambda: _announce(message))
    return message


def _announce(message: Message) -> None:
    """A stored message, to the workspace's dashboards and, when the visitor may see it, to
    the visitor's widgets."""
    send_now(
        workspace_group(message.workspace_id),
        {
            "type": "dashboard.event",
            "event": events.MESSAGE_CREATED,
            "data": {
                "visitor": message.visitor_id,
                "message": message.pk,
                "sender": message.sender,
            },
        },
    )
    if message.visible_to_visitor:
        send_now(
            visitor_group(message.visitor_id),
            {"type": "widget.event", "data": {"type": "message", "message": message.widget_json()}},
        )


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
