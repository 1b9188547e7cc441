"""Internal notes: what members write to each other about a conversation. A note is a message of
kind `note` (members only: never sent to the widget, an e-mail to the visitor or a webhook);
`@name` in it mentions a member, who gets a bell line and, when not online, an e-mail."""

import re

from django.db import transaction

from tertulia.accounts.models import Member
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.conversations.services import message_post, text_checked
from tertulia.notifications.services import notify_mentioned
from tertulia.visitors.models import Visitor
from tertulia.visitors.text import fold

# "@ana", "@ana.garcia", "@AnaGarcia": a word after an @ that does not follow a letter (so an
# e-mail address in a note mentions nobody).
MENTION = re.compile(r"(?<![\w@])@([\w][\w.\-]*)")


def _handles(member: Member) -> set[str]:
    """What `@…` may say to mention a member: their first name, their whole name without spaces,
    or their e-mail's local part, in any case and with or without accents."""
    name = fold(member.user.name or "")
    handles = {fold(member.user.email.split("@")[0])}
    if name:
        handles |= {name.split()[0], name.replace(" ", "")}
    return handles


def mentioned_members(*, workspace_id: int, text: str) -> list[Member]:
    """The workspace's members a note mentions, each once."""
    said = {fold(handle).rstrip(".-") for handle in MENTION.findall(text)}
    if not said:
        return []
    members = Member.objects.filter(workspace_id=workspace_id).select_related("user")
    return [member for member in members if _handles(member) & said]


@transaction.atomic
def note_post(*, visitor: Visitor, member: Member, text: str) -> Message:
    """Add a member's note to the conversation and tell the members it mentions (not the
    writer). A note neither takes the conversation from the bot nor assigns it."""
    text = text_checked(text)
    note = message_post(
        visitor=visitor, sender=Sender.AGENT, kind=MessageKind.NOTE, text=text, agent=member.user
    )
    mentioned = [
        other
        for other in mentioned_members(workspace_id=visitor.workspace_id, text=text)
        if other.pk != member.pk
    ]
    if mentioned:
        notify_mentioned(visitor=visitor, by=member, members=mentioned, text=text)
    return note
