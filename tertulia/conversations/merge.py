"""Merging two visitors who are one person (the same customer from two browsers, or before and
after they said who they are) into one: the one kept and the one merged away.

The kept visitor gets one conversation ordered by time: both visitors' messages, status changes
and pages visited, each kept. Rows are kept in the order of their ids (every reader orders by
id), so the rows from the first moment the two conversations overlap are written again in time
order: their ids change. The member chooses field by field (`MERGE_FIELDS`) whose value stays;
every other empty detail of the kept visitor is filled from the other one, and custom attributes
are joined. Bell lines, e-mails and webhook calls about the other visitor now name the kept one.
The other visitor is deleted (its id answers 404 afterwards), and its browsers continue the kept
visitor (`VisitorToken`); open chats of both reload the conversation. An audit entry records
both numbers.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tertulia.accounts.models import AuditAction, User
from tertulia.accounts.services import audit
from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.models import Message, StatusChange
from tertulia.conversations.services import visitor_set_status
from tertulia.notifications.models import Delivery, Notification
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit, publish_to_visitor_on_commit
from tertulia.visitors.models import PageView, Visitor, VisitorToken

# What the member chooses, field by field, and how each is named.
MERGE_FIELDS = {
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "external_id": gettext_lazy("User ID"),
    "status": gettext_lazy("Status"),
    "assignee": gettext_lazy("Assigned to"),
}
# Filled from the other visitor when the kept one has none.
FILLED_WHEN_EMPTY = (
    "country",
    "region",
    "city",
    "ip",
    "user_agent",
    "browser",
    "os",
    "device_type",
    "languages",
    "timezone",
    "screen",
    "referrer",
    "landing_page",
)
# The rows of a conversation, each ordered by id.
CONVERSATION_ROWS = (Message, StatusChange, PageView)
BATCH = 500


def merge_problem(keep: Visitor, other: Visitor) -> str:
    """Why these two cannot be merged, or ""."""
    if keep.pk == other.pk:
        return _("Choose another visitor: a visitor cannot be merged with itself.")
    if keep.workspace_id != other.workspace_id:
        return _("That visitor is not in this workspace.")
    if keep.anonymised_at or other.anonymised_at:
        return _("An anonymised visitor cannot be merged: their details stay removed.")
    if keep.is_preview != other.is_preview:
        return _("A test conversation cannot be merged with a visitor's.")
    return ""


@transaction.atomic
def visitors_merge(
    *, keep: Visitor, other: Visitor, take: Iterable[str] = (), actor: User | None
) -> Visitor:
    """Merge `other` into `keep`, taking from `other` the fields named in `take` (keys of
    MERGE_FIELDS). Raises ValidationError, changing nothing, when they cannot be merged."""
    take = set(take)
    unknown = take - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(name)s.") % {"name": sorted(unknown)[0]})
    first, second = sorted((keep.pk, other.pk))
    locked = {v.pk: v for v in Visitor.objects.select_for_update().filter(pk__in=(first, second))}
    if len(locked) != len({first, second}):  # one when asked to merge a visitor with itself
        raise ValidationError(_("That visitor is no longer here."))
    keep, other = locked[keep.pk], locked[other.pk]
    problem = merge_problem(keep, other)
    if problem:
        raise ValidationError(problem)

    for model in CONVERSATION_ROWS:
        _rows_in_time_order(model, keep, other)
    Notification.objects.filter(visitor=other).update(visitor=keep)
    Delivery.objects.filter(visitor=other).update(visitor=keep)
    VisitorToken.objects.filter(visitor=other).update(visitor=keep)
    if other.token_hash:
        VisitorToken.objects.create(token_hash=other.token_hash, visitor=keep)

    status = other.status if "status" in take else None
    assignee = other.assignee if "assignee" in take else False
    _fields_joined(keep, other, take)
    merged_id, merged_number = other.pk, other.number
    other.delete()  # before the kept visitor takes its verified user ID (unique per bot)
    keep.save()
    if status is not None:
        visitor_set_status(visitor=keep, status=status, actor=actor)
    if assignee is not False:
        visitor_assign(visitor=keep, assignee=assignee, actor=actor)

    audit(
        workspace_id=keep.workspace_id,
        actor=actor,
        action=AuditAction.VISITORS_MERGED,
        number=keep.number,
        merged=merged_number,
    )
    publish_on_commit(
        workspace_id=keep.workspace_id, event=events.VISITOR_DELETED, data={"visitor": merged_id}
    )
    publish_on_commit(
        workspace_id=keep.workspace_id,
        event=events.VISITOR_MERGED,
        data={"visitor": keep.pk, "merged": merged_id},
    )
    for visitor_id in (keep.pk, merged_id):
        publish_to_visitor_on_commit(visitor_id=visitor_id, data={"type": events.Frame.RELOAD})
    return keep


def _rows_in_time_order(model: type[models.Model], keep: Visitor, other: Visitor) -> None:
    """Give `other`'s rows of `model` to `keep`, so that ordered by id they are ordered by time:
    from the first moment the two overlap, both visitors' rows are written again."""
    theirs = model.objects.filter(visitor=other)
    start = theirs.order_by("created_at", "id").values_list("created_at", flat=True).first()
    if start is None:
        return
    rewritten = model.objects.filter(
        models.Q(visitor=other) | models.Q(visitor=keep, created_at__gte=start)
    )
    rows = list(rewritten.order_by("created_at", "id"))
    # By the same condition, not by a list of ids: a long conversation would pass SQLite's limit
    # of parameters in one statement (both visitors are locked, so the rows are these).
    rewritten.delete()
    client_ids = set()
    for row in rows:
        row.pk = None
        row.visitor = keep
        if getattr(row, "client_id", None):  # unique per visitor: the same retried send twice
            if row.client_id in client_ids:
                row.client_id = None
            client_ids.add(row.client_id)
    model.objects.bulk_create(rows, batch_size=BATCH)


def _fields_joined(keep: Visitor, other: Visitor, take: set[str]) -> None:
    """`keep`'s fields after the merge, except status and assignee (set by their services)."""
    for name in ("name", "email", "phone"):
        if name in take or not getattr(keep, name):
            setattr(keep, name, getattr(other, name) or getattr(keep, name))
    if ("external_id" in take or not keep.external_id) and other.external_id:
        keep.external_id = other.external_id
        keep.identity_verified_at = other.identity_verified_at
    for name in FILLED_WHEN_EMPTY:
        if not getattr(keep, name):
            setattr(keep, name, getattr(other, name))
    keep.attributes = {**(other.attributes or {}), **(keep.attributes or {})}
    keep.utm = keep.utm or other.utm
    keep.created_at = min(keep.created_at, other.created_at)
    keep.engaged = keep.engaged or other.engaged
    keep.message_count += other.message_count
    keep.unread += other.unread
    if other.last_message_at and (
        not keep.last_message_at or other.last_message_at > keep.last_message_at
    ):
        keep.last_message_at, keep.last_message_text = (
            other.last_message_at,
            other.last_message_text,
        )
    keep.last_seen_at = max(filter(None, (keep.last_seen_at, other.last_seen_at)), default=None)
    if not keep.live_chat and other.live_chat:
        keep.live_chat, keep.waiting_since = other.live_chat, other.waiting_since
