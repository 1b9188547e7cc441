"""The bot's side of a conversation: the flow engine decides, these services apply its effects."""

from django.db import transaction
from django.utils import timezone

from tertulia.conversations.assignment import assign_automatically
from tertulia.conversations.follow_up import may_email
from tertulia.conversations.models import Message, MessageKind, Sender
from tertulia.conversations.office_hours import (
    say_away,
    team_available,
    team_seems_available,
    within_office_hours,
)
from tertulia.conversations.services import VisitorChanges, message_post, visitor_set_status
from tertulia.flows import engine
from tertulia.flows.models import Bot
from tertulia.notifications.services import notify_from_node, notify_live_chat_requested
from tertulia.realtime import events
from tertulia.realtime.publish import publish_on_commit, publish_to_visitor_on_commit
from tertulia.visitors.choices import LiveChat, VisitorStatus
from tertulia.visitors.models import Visitor

CONTEXT_FIELDS = ("name", "email", "phone", "country", "region", "city")


def flow_context(visitor: Visitor) -> dict[str, object]:
    """The visitor fields a flow's texts and conditions may use."""
    context = {
        key: value for key, value in (visitor.attributes or {}).items() if isinstance(key, str)
    }
    context.update({name: getattr(visitor, name) or "" for name in CONTEXT_FIELDS})
    context["number"] = visitor.number
    if visitor.bot_id:
        context["within_office_hours"] = "yes" if within_office_hours(visitor.bot) else "no"
    # The browser's first language ("es-ES"); the visitor keeps the whole list.
    context["language"] = (visitor.languages or "").split(",")[0].strip()
    return context


# The effects that only add a message: their changes to the visitor row wait for the flow's new
# position, and all go in one UPDATE. Any other effect may read the row: what waits is written
# before it runs.
MESSAGE_ONLY = (engine.Say, engine.AskOptions, engine.AskForm, engine.End)


@transaction.atomic(savepoint=False)
def flow_advance(
    *, visitor: Visitor, bot: Bot, event: engine.Event, changes: VisitorChanges | None = None
) -> engine.Result:
    """Move the visitor through the bot's flow. Call with the visitor row locked.

    `changes`: the caller's pending changes to the visitor row, to which the flow's are added
    (the caller writes them); without, the flow writes its own."""
    cursor = engine.Cursor.from_json(visitor.flow_cursor)
    result = engine.advance(bot.flow, cursor, event, flow_context(visitor))
    if not result.accepted:
        return result
    pending = changes if changes is not None else VisitorChanges()
    for effect in result.effects:
        if not isinstance(effect, MESSAGE_ONLY):
            pending.write(visitor.pk)
        _apply(visitor, bot, effect, pending)
    visitor.flow_cursor = result.cursor.to_json()
    pending.values["flow_cursor"] = visitor.flow_cursor
    if changes is None:
        pending.write(visitor.pk)
    publish_to_visitor_on_commit(
        visitor_id=visitor.pk, data={"type": "state", "state": widget_state(visitor)}
    )
    return result


def widget_state(visitor: Visitor) -> dict:
    """What the widget needs besides the messages: the pending question, and live chat."""
    cursor = engine.Cursor.from_json(visitor.flow_cursor)
    return {
        "waiting": cursor.waiting,
        "node": cursor.node,
        "live_chat": visitor.live_chat,
        "away": visitor.bot_id is not None and not team_seems_available(visitor.bot),
        # Once the chat has ended, it offers "E-mail me this conversation".
        "transcript": cursor.waiting == engine.ENDED
        and not visitor.live_chat
        and may_email(visitor),
    }


def _apply(visitor: Visitor, bot: Bot, effect: engine.Effect, changes: VisitorChanges) -> None:
    match effect:
        case engine.Say(node=node, text=text, delay_ms=delay):
            message_post(
                visitor=visitor,
                sender=Sender.BOT,
                text=text,
                payload={"node": node, "delay_ms": delay},
                changes=changes,
            )
        case engine.AskOptions(node=node, text=text, options=options):
            message_post(
                visitor=visitor,
                sender=Sender.BOT,
                kind=MessageKind.OPTIONS,
                text=text,
                payload={
                    "node": node,
                    "options": [{"id": i, "label": label} for i, label in options],
                    "chosen": None,
                },
                changes=changes,
            )
        case engine.AskForm(node=node, text=text, fields=fields, submit_label=submit):
            message_post(
                visitor=visitor,
                sender=Sender.BOT,
                kind=MessageKind.FORM,
                text=text,
                payload={
                    "node": node,
                    "submit_label": submit,
                    "fields": [
                        {
                            "name": f["name"],
                            "label": str(f.get("label") or f["name"]),
                            "type": f.get("type", "text"),
                            "required": bool(f.get("required")),
                            "choices": [str(c) for c in f.get("choices") or []],
                        }
                        for f in fields
                    ],
                },
                changes=changes,
            )
        case engine.SetStatus(node=node, label=label, status=status):
            if status in VisitorStatus.values:
                visitor_set_status(
                    visitor=visitor, status=status, flow_node=node, flow_node_label=label
                )
        case engine.Notify(label=label, text=text, config=config):
            notify_from_node(visitor=visitor, bot=bot, label=label, text=text, config=config)
        case engine.HandOff(node=node, text=text):
            if not team_available(bot):
                say_away(visitor=visitor)
            elif text:
                message_post(visitor=visitor, sender=Sender.BOT, text=text, payload={"node": node})
            live_chat_request(visitor=visitor)
        case engine.End(node=node, text=text):
            if text:
                message_post(
                    visitor=visitor,
                    sender=Sender.BOT,
                    text=text,
                    payload={"node": node, "end": True},
                    changes=changes,
                )


def live_chat_request(*, visitor: Visitor) -> None:
    """The flow asks for a person: members are told, the bot waits."""
    if visitor.live_chat:
        return
    visitor.live_chat, visitor.waiting_since = LiveChat.REQUESTED, timezone.now()
    Visitor.objects.filter(pk=visitor.pk).update(
        live_chat=LiveChat.REQUESTED, waiting_since=visitor.waiting_since
    )
    notify_live_chat_requested(visitor=visitor)
    assign_automatically(visitor=visitor)
    publish_on_commit(
        workspace_id=visitor.workspace_id,
        event=events.LIVE_CHAT_REQUESTED,
        data={"visitor": visitor.pk},
    )


def mark_option_chosen(*, visitor: Visitor, node: str, option: str) -> None:
    """Record on the options message which one the visitor picked."""
    asked = (
        Message.objects.filter(visitor=visitor, kind=MessageKind.OPTIONS)
        .order_by("-id")
        .only("payload")
        .first()
    )
    if asked is not None and asked.payload.get("node") == node:
        asked.payload = {**asked.payload, "chosen": option}
        asked.save(update_fields=["payload"])
