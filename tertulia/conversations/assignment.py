"""Whose conversation it is: a visitor's assignee, a member of the workspace or nobody.

Set by hand (assign to me, to anyone, unassign), by replying to an unassigned conversation, or
by taking a live chat over. Every change writes a line in the conversation (members only), an
audit entry, and reaches every open dashboard.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tertulia.accounts.models import AuditAction, Member, User
from tertulia.accounts.services import audit
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.models import Visitor


@transaction.atomic
def visitor_assign(
    *,
    visitor: Visitor,
    assignee: Member | None,
    actor: User | None,
    only_if_unassigned: bool = False,
) -> bool:
    """Make `assignee` (None: nobody) the member whose conversation this is; returns whether
    anything changed. With `only_if_unassigned`, an assigned conversation keeps its member."""
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
        payload={"to": new_id, "name": name},
    )
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
