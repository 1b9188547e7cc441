"""Saved replies: which a member sees, which they may change, and how one is filled for a
visitor before it lands in the reply box (where it can still be edited)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tertulia.accounts.models import Member
from tertulia.conversations.flow_runner import flow_context
from tertulia.conversations.models import SavedReply
from tertulia.flows.engine import render
from tertulia.visitors.models import Visitor

SAVED_REPLY_FIELDS = ("title", "shortcut", "language", "text")


def saved_replies_of(*, member: Member) -> list[SavedReply]:
    """The workspace's saved replies and the member's own, by shortcut."""
    return list(
        SavedReply.objects.filter(workspace_id=member.workspace_id)
        .filter(Q(owner__isnull=True) | Q(owner=member))
        .order_by("shortcut", "language", "owner_id")
    )


def may_change(*, member: Member, reply: SavedReply) -> bool:
    """Their own replies: anyone; the workspace's: owners and admins (`replies`)."""
    if reply.owner_id is not None:
        return reply.owner_id == member.pk
    return member.can("replies")


def saved_replies_for(*, member: Member, visitor: Visitor) -> list[dict[str, str]]:
    """What the `/` list offers while answering `visitor`: one reply per shortcut (the member's
    own before the workspace's; in the visitor's language, else for any language), filled with
    the visitor's fields, custom attributes and `{agent}` (the member's public name)."""
    language = visitor.chat_language
    context = {**flow_context(visitor), "agent": member.user.public_name}
    chosen: dict[str, SavedReply] = {}
    for reply in saved_replies_of(member=member):
        if reply.language not in ("", language):
            continue
        best = chosen.get(reply.shortcut)
        if best is None or _rank(reply, language) < _rank(best, language):
            chosen[reply.shortcut] = reply
    return [
        {"shortcut": reply.shortcut, "title": reply.title, "text": render(reply.text, context)}
        for reply in chosen.values()
    ]


def _rank(reply: SavedReply, language: str) -> tuple[int, int]:
    return (0 if reply.owner_id else 1, 0 if reply.language == language else 1)


@transaction.atomic
def saved_reply_save(
    *, member: Member, data: dict, personal: bool, reply: SavedReply | None = None
) -> SavedReply:
    """Create or change a saved reply: the member's own (`personal`) or the workspace's."""
    if not personal and not member.can("replies"):
        raise PermissionDenied(_("Only owners and admins keep the workspace's saved replies."))
    if reply is not None and not may_change(member=member, reply=reply):
        raise PermissionDenied(_("You cannot change this saved reply."))
    reply = reply or SavedReply(workspace_id=member.workspace_id)
    for field in SAVED_REPLY_FIELDS:
        setattr(reply, field, data[field])
    reply.owner = member if personal else None
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise ValidationError(
            _("There is already a saved reply /%(shortcut)s in that language."),
            params={"shortcut": reply.shortcut},
            code="taken",
        ) from None
    return reply


def saved_reply_delete(*, member: Member, reply: SavedReply) -> None:
    if not may_change(member=member, reply=reply):
        raise PermissionDenied(_("You cannot change this saved reply."))
    reply.delete()
