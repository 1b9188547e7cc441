"""Writes for visitors: creating one with the next "Visitor #N" of its workspace."""

from django.db import transaction
from django.db.models import F

from tertulia.accounts.models import Workspace
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit
from tertulia.visitors.models import Visitor


def allocate_visitor_numbers(*, workspace: Workspace, count: int) -> int:
    """Reserve `count` consecutive "Visitor #N" numbers; returns the first. Call inside atomic."""
    Workspace.objects.filter(pk=workspace.pk).update(visitor_seq=F("visitor_seq") + count)
    last = Workspace.objects.values_list("visitor_seq", flat=True).get(pk=workspace.pk)
    return last - count + 1


@transaction.atomic
def visitor_create(*, workspace: Workspace, bot=None, **fields) -> Visitor:
    """Create a visitor of `bot` (a `flows.Bot`, or None) with the next number of its workspace."""
    number = allocate_visitor_numbers(workspace=workspace, count=1)
    visitor = Visitor.objects.create(workspace=workspace, bot=bot, number=number, **fields)
    publish_on_commit(
        workspace_id=workspace.pk, event=events.VISITOR_CREATED, data={"visitor": visitor.pk}
    )
    return visitor
