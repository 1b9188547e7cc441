"""Visitors' personal data: how much of an IP address is kept, deletion, anonymisation, retention.

Deleting a visitor removes every row that belongs to them: the database cascades from the visitor
to messages, status changes, pages viewed, bell notifications and deliveries (pending or sent).
An audit entry stays, with the visitor's number and status only.
"""

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tertulia.accounts.models import AuditAction, User, Workspace
from tertulia.accounts.services import audit
from tertulia.conversations.models import Message, MessageKind, counts_as_message
from tertulia.notifications.models import Delivery, Notification
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.models import Visitor, VisitorToken

# Form answers that are not free text, and so are kept by anonymisation.
KEPT_FIELD_TYPES = {"number", "choice"}
PURGE_BATCH = 500
REMOVED = "[…]"


@transaction.atomic
def visitor_delete(*, visitor: Visitor, actor: User | None) -> None:
    """Delete the visitor and everything about them; the audit entry keeps no personal data."""
    audit(
        workspace_id=visitor.workspace_id,
        actor=actor,
        action=AuditAction.VISITOR_DELETED,
        number=visitor.number,
        status=visitor.status,
    )
    pk = visitor.pk
    visitor.delete()
    publish_on_commit(
        workspace_id=visitor.workspace_id, event=events.VISITOR_DELETED, data={"visitor": pk}
    )


@transaction.atomic
def visitor_anonymise(*, visitor: Visitor, actor: User | None) -> None:
    """Keep the conversation, remove who the visitor is.

    Goes: name, e-mail, phone, the site's user ID, IP address, the user-agent string, free-text
    form answers (in the form messages, the flow's remembered answers and the custom attributes)
    and those values wherever the conversation repeats them (a bot's "Thanks, {name}", an
    agent's greeting), the widget tokens (those browsers start a new conversation) and the bell
    lines and e-mails/webhooks about the visitor, which copy their details. Stays: the rest of
    the messages, choices and numbers, location, device, pages visited.
    """
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    removed = {value for value in (visitor.name, visitor.email, visitor.phone) if value}
    answers = (visitor.flow_cursor or {}).get("answers") or {}
    kept = set()
    messages = list(Message.objects.filter(visitor=visitor).order_by("id"))
    for message in messages:
        if message.kind != MessageKind.FORM_SUBMISSION:
            continue
        answer = answers.get(message.payload.get("node"))
        for field in message.payload.get("fields", []):
            if field.get("type") in KEPT_FIELD_TYPES:
                kept.add(field.get("name"))
                continue
            removed.add(str(field.get("value") or ""))
            field["value"] = ""
            field["removed"] = True
            if isinstance(answer, dict) and field.get("name") in answer:
                answer[field["name"]] = ""
    for message in messages:
        message.text = _without(message.text, removed)
    Message.objects.bulk_update(messages, ["text", "payload"], batch_size=500)
    Notification.objects.filter(visitor=visitor).delete()
    Delivery.objects.filter(visitor=visitor).delete()
    visitor.name = None
    visitor.email = visitor.phone = visitor.user_agent = ""
    visitor.ip = visitor.token_hash = visitor.external_id = visitor.identity_verified_at = None
    VisitorToken.objects.filter(visitor=visitor).delete()
    visitor.attributes = {k: v for k, v in visitor.attributes.items() if k in kept}
    visitor.anonymised_at = timezone.now()
    said = [m for m in messages if counts_as_message(sender=m.sender, kind=m.kind)]
    visitor.last_message_text = said[-1].preview if said else ""
    visitor.save()
    audit(
        workspace_id=visitor.workspace_id,
        actor=actor,
        action=AuditAction.VISITOR_ANONYMISED,
        number=visitor.number,
    )
    publish_on_commit(
        workspace_id=visitor.workspace_id,
        event=events.VISITOR_UPDATED,
        data={"visitor": visitor.pk},
    )


def _without(text: str, values: set[str]) -> str:
    """`text` with each of `values` (as a whole word or more) replaced by "[…]"."""
    for value in sorted((v for v in values if v.strip()), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", REMOVED, text, flags=re.IGNORECASE)
    return text


def visitors_delete_batch(*, workspace_id: int, ids: list[int]) -> int:
    """Delete these visitors of a workspace (one batch, in one transaction), with everything
    about them; returns how many went. Callers write the audit entry."""
    with transaction.atomic():
        gone = Visitor.objects.filter(workspace_id=workspace_id, pk__in=ids).delete()[1]
    return gone.get("visitors.Visitor", 0)


def workspace_visitors_delete(workspace_id: int) -> int:
    """Delete every visitor of a workspace about to be deleted, a batch per transaction (so a
    workspace of a million visitors never holds one huge transaction); returns how many."""
    count = 0
    everyone = Visitor.objects.filter(workspace_id=workspace_id)
    while ids := list(everyone.values_list("pk", flat=True)[:PURGE_BATCH]):
        count += visitors_delete_batch(workspace_id=workspace_id, ids=ids)
    return count


def visitors_purge_expired(*, now: datetime | None = None) -> int:
    """Delete visitors archived longer than their workspace keeps them; returns how many."""
    now = now or timezone.now()
    total = 0
    for workspace in Workspace.objects.filter(retention_days__isnull=False):
        cutoff = now - timedelta(days=workspace.retention_days)
        expired = Visitor.objects.filter(
            workspace=workspace, status=VisitorStatus.ARCHIVED, status_changed_at__lt=cutoff
        )
        count = 0
        while ids := list(expired.values_list("pk", flat=True)[:PURGE_BATCH]):
            count += visitors_delete_batch(workspace_id=workspace.pk, ids=ids)
        if count:
            audit(
                workspace_id=workspace.pk,
                actor=None,
                action=AuditAction.VISITORS_EXPIRED,
                count=count,
                days=workspace.retention_days,
            )
            publish_on_commit(
                workspace_id=workspace.pk, event=events.VISITOR_DELETED, data={"count": count}
            )
        total += count
    return total
