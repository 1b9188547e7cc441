"""Live chat: a member takes a conversation from the bot, replies, and hands it back.

Taking a live chat over makes it the taker's conversation; replying makes it the replier's when
it was nobody's (`conversations.assignment`). Handing it back to the bot keeps the assignee.
"""

from django.db import transaction

from tertulia.accounts.models import Member, User
from tertulia.conversations.assignment import visitor_assign
from tertulia.conversations.flow_runner import flow_advance, widget_state
from tertulia.conversations.follow_up import follow_up_email
from tertulia.conversations.models import Message, Sender
from tertulia.conversations.services import conversation_mark_read, message_post, text_checked
from tertulia.flows import engine
from tertulia.realtime import events
from tertulia.realtime.publish import (
    publish_on_commit,
    publish_to_visitor_on_commit,
    send_now,
    visitor_group,
)
from tertulia.visitors.choices import LiveChat
from tertulia.visitors.models import Visitor


def _locked(visitor: Visitor) -> Visitor:
    return Visitor.objects.select_for_update(of=("self",)).select_related("bot").get(pk=visitor.pk)


@transaction.atomic
def live_chat_take(*, visitor: Visitor, member: Member, assign: bool = True) -> Visitor:
    """`member` talks to the visitor from now on; the bot pauses (and forgets a pending
    question), and the visitor stops waiting. With `assign`, it becomes `member`'s conversation;
    without, only when it was nobody's."""
    locked = _locked(visitor)
    visitor_assign(
        visitor=locked, assignee=member, actor=member.user, only_if_unassigned=not assign
    )
    if locked.live_chat == LiveChat.ACTIVE:
        return locked
    cursor = engine.Cursor.from_json(locked.flow_cursor)
    if cursor.waiting != engine.WAIT_PERSON:
        paused = engine.Cursor(
            node=None, waiting=engine.WAIT_PERSON, started=True, answers=cursor.answers
        )
        locked.flow_cursor = paused.to_json()
    locked.live_chat = LiveChat.ACTIVE
    locked.waiting_since = None
    locked.save(update_fields=["live_chat", "waiting_since", "flow_cursor"])
    publish_on_commit(
        workspace_id=locked.workspace_id,
        event=events.LIVE_CHAT_ASSIGNED,
        data={"visitor": locked.pk, "agent": member.user_id},
    )
    publish_to_visitor_on_commit(
        visitor_id=locked.pk,
        data={"type": "state", "state": widget_state(locked), "agent": member.user.public_name},
    )
    return locked


@transaction.atomic
def live_chat_reply(*, visitor: Visitor, member: Member, text: str) -> Message:
    """A member's message to the visitor; replying takes the conversation over from the bot
    (and makes it the replier's if it was nobody's)."""
    text = text_checked(text)
    locked = live_chat_take(visitor=visitor, member=member, assign=False)
    message = message_post(visitor=locked, sender=Sender.AGENT, text=text, agent=member.user)
    conversation_mark_read(visitor=locked)
    follow_up_email(visitor=locked, reply=message)
    return message


@transaction.atomic
def live_chat_end(*, visitor: Visitor, member: Member) -> None:
    """Hand the conversation back to the bot, which goes on from its live chat node."""
    locked = _locked(visitor)
    if not locked.live_chat:
        return
    locked.live_chat = LiveChat.NONE
    locked.waiting_since = None
    locked.save(update_fields=["live_chat", "waiting_since"])
    publish_on_commit(
        workspace_id=locked.workspace_id,
        event=events.LIVE_CHAT_ENDED,
        data={"visitor": locked.pk, "agent": member.user_id},
    )
    if locked.bot is not None:
        flow_advance(visitor=locked, bot=locked.bot, event=engine.LiveChatEnded())
    publish_to_visitor_on_commit(
        visitor_id=locked.pk, data={"type": "state", "state": widget_state(locked)}
    )


def agent_typing(*, visitor: Visitor, agent: User) -> None:
    """Show "<agent> is typing…" in the visitor's widget (nothing is stored)."""
    send_now(
        visitor_group(visitor.pk),
        {"type": "widget.event", "data": {"type": "typing", "agent": agent.public_name}},
    )
