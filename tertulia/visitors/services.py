"""Writes for visitors. Every status change, by hand or by a flow, goes through here."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tertulia.accounts.models import User, Workspace
from tertulia.conversations.models import Message, MessageKind, Sender, StatusChange
from tertulia.flows.models import Bot
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.models import Visitor


def allocate_visitor_numbers(*, workspace: Workspace, count: int) -> int:
    """Reserve `count` consecutive "Visitor #N" numbers; returns the first. Call inside atomic."""
    Workspace.objects.filter(pk=workspace.pk).update(visitor_seq=F("visitor_seq") + count)
    last = Workspace.objects.values_list("visitor_seq", flat=True).get(pk=workspace.pk)
    return last - count + 1


@transaction.atomic
def visitor_create(*, workspace: Workspace, bot: Bot | None = None, **fields) -> Visitor:
    """Create a visitor with the next number of its workspace."""
    number = allocate_visitor_numbers(workspace=workspace, count=1)
    visitor = Visitor.objects.create(workspace=workspace, bot=bot, number=number, **fields)
    publish_on_commit(
        workspace_id=workspace.pk, event=events.VISITOR_CREATED, data={"visitor": visitor.pk}
    )
    return visitor


@transaction.atomic
def visitor_set_status(
    *,
    visitor: Visitor,
    status: str,
    actor: User | None = None,
    flow_node: str = "",
    flow_node_label: str = "",
) -> StatusChange | None:
    """Move a visitor to `status`, by a member (`actor`) or by a flow's Notification node.

    Writes the audit row and a system line in the conversation, then tells the dashboards.
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
    publish_on_commit(
        workspace_id=locked.workspace_id,
        event=events.VISITOR_STATUS_CHANGED,
        data={"visitor": visitor.pk, "from": previous, "to": str(status)},
    )
    return change
