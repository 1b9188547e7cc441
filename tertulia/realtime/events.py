"""The protocol, defined once: dashboard events, the widget socket's frames, the messages between
the loader on the host page and the chat in its iframe, and the webhook events.

Python uses the names below; templates and JavaScript receive them from the server (`for_chat`,
`for_loader`, `for_dashboard`), never by restating them; docs/WIDGET.md shows `table()` (a test
keeps the two equal).
"""

from enum import StrEnum

# --- Dashboard events: sent after commit to every dashboard socket of the workspace as
# {"event": name, "data": {...ids}}; the page re-fetches what it shows. Dotted names are also the
# names webhooks will use.
VISITOR_CREATED = "visitor.created"
CONVERSATION_STARTED = "conversation.started"
MESSAGE_CREATED = "message.created"
FORM_SUBMITTED = "form.submitted"
VISITOR_STATUS_CHANGED = "visitor.status_changed"
VISITOR_UPDATED = "visitor.updated"
VISITOR_DELETED = "visitor.deleted"
VISITOR_ASSIGNED = "visitor.assigned"
VISITOR_IDENTIFIED = "visitor.identified"
VISITOR_MERGED = "visitor.merged"
VISITORS_BULK_CHANGED = "visitors.bulk_changed"
LIVE_CHAT_REQUESTED = "live_chat.requested"
LIVE_CHAT_ASSIGNED = "live_chat.assigned"
LIVE_CHAT_ENDED = "live_chat.ended"
NOTIFICATION_CREATED = "notification.created"
MEMBER_PRESENCE = "member.presence"
TYPING = "typing"

DASHBOARD_EVENTS = {
    VISITOR_CREATED: "A visitor opened the widget for the first time.",
    CONVERSATION_STARTED: "The flow greeted a new visitor.",
    MESSAGE_CREATED: "A message was added to a conversation (data: visitor, message, sender).",
    FORM_SUBMITTED: "A visitor submitted a form (data: visitor, message).",
    VISITOR_STATUS_CHANGED: "A visitor's status changed (data: visitor, from, to).",
    VISITOR_UPDATED: "A visitor's details changed (through the API, or anonymised).",
    VISITOR_DELETED: "A visitor was deleted (data: visitor), or several by retention (count).",
    VISITOR_ASSIGNED: "A conversation was assigned or unassigned (data: visitor, assignee).",
    VISITOR_IDENTIFIED: "The site told who the visitor is (data: visitor, user_id, verified).",
    VISITOR_MERGED: "A visitor was merged into another (data: visitor, merged).",
    VISITORS_BULK_CHANGED: "Many visitors changed at once, by a bulk action (data: action, count).",
    LIVE_CHAT_REQUESTED: "The flow asked for a person.",
    LIVE_CHAT_ASSIGNED: "A member took the conversation over (data: visitor, agent).",
    LIVE_CHAT_ENDED: "A member handed the conversation back to the bot.",
    NOTIFICATION_CREATED: "New lines under the members' bells.",
    MEMBER_PRESENCE: "A member set themselves Online or Away (data: member, away).",
    TYPING: "The visitor is typing (not stored).",
}

# --- Webhooks: POSTed JSON {"event", "id", "created_at", "workspace", "bot", "visitor", "data"}.
FLOW_NOTIFICATION = "notification"

WEBHOOK_TEST = "test"

WEBHOOK_EVENTS = {
    VISITOR_CREATED: "A visitor opened the widget for the first time.",
    CONVERSATION_STARTED: "The flow greeted a new visitor.",
    MESSAGE_CREATED: "The bot, the visitor or an agent wrote (data: message); never a note.",
    FORM_SUBMITTED: "A visitor submitted a form (data: message, fields).",
    VISITOR_STATUS_CHANGED: "A visitor's status changed (data: from, to).",
    VISITOR_ASSIGNED: "A conversation was assigned or unassigned (data: assignee).",
    VISITOR_IDENTIFIED: "The site's `identify` told who the visitor is (data: user_id, verified).",
    VISITOR_MERGED: "Another visitor was merged into this one (data: merged, its former id).",
    LIVE_CHAT_REQUESTED: "The flow asked for a person.",
    LIVE_CHAT_ASSIGNED: "A member took the conversation over (data: agent).",
    LIVE_CHAT_ENDED: "A member handed the conversation back to the bot.",
    FLOW_NOTIFICATION: "A flow's Notification node ran (data: its label and text).",
    WEBHOOK_TEST: 'Sent by "Send a test event" on the Webhooks page (visitor: null).',
}
# What an endpoint can subscribe to (a test event is sent on demand).
SUBSCRIBABLE_EVENTS = tuple(event for event in WEBHOOK_EVENTS if event != WEBHOOK_TEST)


class Frame(StrEnum):
    """The widget socket's frames, JSON objects with a "type"; the HTTP fallback uses the same
    shapes."""

    HELLO = "hello"
    ACK = "ack"
    ERROR = "error"
    STATE = "state"
    MESSAGE = "message"
    TYPING = "typing"
    TEXT = "text"
    CHOOSE = "choose"
    SUBMIT = "submit"
    PAGE = "page"
    RELOAD = "reload"
    BATCH = "batch"


# The protocol the chat and the dashboard served now speak on their sockets; each tells its
# version with `v` in the socket's address (none: 1), and gets what that version reads.
PROTOCOL_VERSION = 2
# From version 2, what happened together may come as one frame: a chat's `batch` frame, a
# dashboard's {"events": [{"event", "data"}, ...]}.
BATCHED_SINCE = 2

# Frames a visitor's widget may send that are stored as messages (each needs a `client_id`).
VISITOR_ACTIONS = (Frame.TEXT, Frame.CHOOSE, Frame.SUBMIT)

FRAMES = {
    Frame.HELLO: ("server", "On connecting: the flow's state and the messages after `after`."),
    Frame.ACK: ("server", "A visitor action was stored (client_id, message)."),
    Frame.ERROR: ("server", "A frame was refused (code, message, client_id, fields, retry_after)."),
    Frame.STATE: ("server", "What the flow waits for (waiting, node) and the live chat state."),
    Frame.MESSAGE: ("server", "A new message the visitor may see."),
    Frame.TYPING: ("both", "Someone is typing: the visitor (to members) or an agent (agent)."),
    Frame.TEXT: ("widget", "The visitor wrote (client_id, text)."),
    Frame.CHOOSE: ("widget", "The visitor picked an option (client_id, node, option)."),
    Frame.SUBMIT: ("widget", "The visitor submitted a form (client_id, node, values)."),
    Frame.PAGE: ("widget", "The visitor is on another page of the site (url, title)."),
    Frame.RELOAD: ("server", "The conversation changed as a whole (a merge): open it again."),
    Frame.BATCH: (
        "server",
        "Frames that happened together (frames: a visitor's text and the bot's answers), to be "
        "read in order; only to a chat that connected with `v` 2 or more.",
    ),
}


class PostMessage(StrEnum):
    """Messages between the loader on the host page and the chat in its iframe, as
    {"tertulia": name, ...}."""

    READY = "ready"
    FOCUS = "focus"
    PAGE = "page"
    KNOWN = "known"
    FORGET = "forget"
    CLOSE = "close"
    MESSAGE = "message"
    IDENTIFY = "identify"
    PARAMS = "params"
    RESTART = "restart"
    STATE = "state"


POST_MESSAGES = {
    PostMessage.READY: ("chat", "The chat has loaded: the loader may send it messages."),
    PostMessage.FOCUS: ("loader", "The chat was opened: start the conversation, focus the box."),
    PostMessage.PAGE: ("loader", "The host page's address changed (url, title)."),
    PostMessage.KNOWN: ("chat", "This browser has a conversation: load the chat on every page."),
    PostMessage.FORGET: ("chat", "The conversation is gone: stop loading the chat in advance."),
    PostMessage.CLOSE: ("chat", "The visitor closed the chat."),
    PostMessage.MESSAGE: ("chat", "A bot or agent message arrived (sender, text; unread)."),
    PostMessage.IDENTIFY: ("loader", "The site's `identify` (identity: userId, userHash, ...)."),
    PostMessage.PARAMS: ("loader", "The site's `setParams` (params: an object)."),
    PostMessage.RESTART: ("loader", "The site's `restart`: forget this conversation."),
    PostMessage.STATE: ("chat", "The conversation's state for `getState` (visitor, identity)."),
}


def for_chat() -> dict:
    """What the chat's script needs: the protocol's version, frame and postMessage names."""
    return {
        "version": PROTOCOL_VERSION,
        "frames": {frame.name.lower(): frame.value for frame in Frame},
        "messages": {message.name.lower(): message.value for message in PostMessage},
    }


def for_loader() -> dict:
    """What the loader on the host page needs: the postMessage names."""
    return {message.name.lower(): message.value for message in PostMessage}


def for_dashboard() -> dict:
    """What the dashboard's script needs: the protocol's version, the events it treats apart,
    and those after which the list, the counts and an open conversation are fetched again."""
    return {
        "version": PROTOCOL_VERSION,
        "typing": TYPING,
        "notification_created": NOTIFICATION_CREATED,
        "message_created": MESSAGE_CREATED,
        "visitor_deleted": VISITOR_DELETED,
        "refresh": [
            e for e in DASHBOARD_EVENTS if e not in (TYPING, NOTIFICATION_CREATED, MEMBER_PRESENCE)
        ],
    }


def table() -> str:
    """The protocol as Markdown tables (docs/WIDGET.md holds a copy)."""
    lines = ["| dashboard event | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in DASHBOARD_EVENTS.items()]
    lines += ["", "| webhook event | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in WEBHOOK_EVENTS.items()]
    lines += ["", "| widget frame `type` | sent by | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {who} | {meaning} |" for name, (who, meaning) in FRAMES.items()]
    lines += ["", "| postMessage `tertulia` | sent by | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {who} | {meaning} |" for name, (who, meaning) in POST_MESSAGES.items()]
    return "\n".join(lines)
