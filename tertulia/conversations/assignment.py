"""Whose conversation it is: a visitor's assignee, a member of the workspace or nobody.

Set by hand (assign to me, to anyone, unassign), by replying to an unassigned conversation, by
taking a live chat over, or by the workspace's round robin when a visitor asks for a person
(`assign_automatically`). Every change writes a line in the conversation (members only), an
audit entry, and reaches every open dashboard.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from tertulia.accounts.models import AuditAction, Member, User, Workspace
from tertulia.accounts.services import audit
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.realtime import events
from tertulia.realtime.presence import members_online
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.choices import LiveChat
from tertulia.visitors.models import Visitor


@transaction.atomic
def visitor_assign(
    *,
    visitor: Visitor,
    assignee: Member | None,
    actor: User | None,
    only_if_unassigned: bool = False,
    auto: bool = False,
    quiet: bool = False,
) -> bool:
    """Make `assignee` (None: nobody) the member whose conversation this is; returns whether
    anything changed. With `only_if_unassigned`, an assigned conversation keeps its member.
    `quiet`: no audit entry or event for this one visitor (a bulk change writes one of each)."""
    if assignee is not None and assignee.workspace_id != visitor.workspace_id:
        raise ValidationError(_("That member is not in this workspace."), code="other_workspace")
    locked = (
        Visitor.objects.select_for_update(of=("self",))
        .only("assignee_id", "workspace_id", "number")
        .get(pk=visitor.pk)
    )
    new_id = assignee.pk if assignee is not None else None
    if locked.assignee_id == new_id or (only_if_unassigned and locked.assignee_id is not None):
        visitor.assignee_id = locked.assignee_id
        return False
    Visitor.objects.filter(pk=visitor.pk).update(assignee=assignee)
    visitor.assignee = assignee
    name = str(assignee.user) if assignee is not None else ""
    Message.objects.create(
        workspace_id=locked.workspace_id,
        visitor=visitor,
        sender=Sender.SYSTEM,
        kind=MessageKind.ASSIGNMENT,
        agent=actor,
        payload={"to": new_id, "name": name, **({"auto": True} if auto else {})},
    )
    if not quiet:
        audit(
            workspace_id=locked.workspace_id,
            actor=actor,
            action=AuditAction.VISITOR_ASSIGNED,
            number=locked.number,
            member=name,
        )
        publish_on_commit(
            workspace_id=locked.workspace_id,
            event=events.VISITOR_ASSIGNED,
            data={"visitor": visitor.pk, "assignee": new_id},
        )
    return True


@transaction.atomic
def assign_automatically(*, visitor: Visitor) -> Member | None:
    """With the workspace's automatic assignment on, give a visitor who asks for a person to an
    online member with fewer open live chats than the limit: the one with the fewest, and of
    those the one who got one longest ago (round robin). Nobody fits: it stays unassigned and
    waits in "Waiting for a person". Returns the member chosen."""
    workspace = Workspace.objects.select_for_update().get(pk=visitor.workspace_id)
    if not workspace.auto_assign or visitor.assignee_id is not None:
        return None
    online = list(members_online(workspace_id=workspace.pk).select_related("user"))
    open_chats = dict(
        Visitor.objects.filter(
            workspace_id=workspace.pk,
            assignee__in=online,
            live_chat__in=(LiveChat.REQUESTED, LiveChat.ACTIVE),
        )
        .values_list("assignee")
        .annotate(n=Count("id"))
        .order_by()
    )
    free = [m for m in online if open_chats.get(m.pk, 0) < workspace.auto_assign_limit]
    if not free:
        return None
    never = timezone.now().replace(year=1970)
    chosen = min(free, key=lambda m: (open_chats.get(m.pk, 0), m.auto_assigned_at or never, m.pk))
    Member.objects.filter(pk=chosen.pk).update(auto_assigned_at=timezone.now())
    visitor_assign(visitor=visitor, assignee=chosen, actor=None, auto=True)
    return chosen
