"""Event names: one list, used by the dashboard socket, notifications and webhooks alike."""

VISITOR_CREATED = "visitor.created"
CONVERSATION_STARTED = "conversation.started"
MESSAGE_CREATED = "message.created"
FORM_SUBMITTED = "form.submitted"
VISITOR_STATUS_CHANGED = "visitor.status_changed"
LIVE_CHAT_REQUESTED = "live_chat.requested"
LIVE_CHAT_ASSIGNED = "live_chat.assigned"
LIVE_CHAT_ENDED = "live_chat.ended"

ALL = (
    VISITOR_CREATED,
    CONVERSATION_STARTED,
    MESSAGE_CREATED,
    FORM_SUBMITTED,
    VISITOR_STATUS_CHANGED,
    LIVE_CHAT_REQUESTED,
    LIVE_CHAT_ASSIGNED,
    LIVE_CHAT_ENDED,
)

# Dashboard-only: not offered to webhooks.
VISITOR_UPDATED = "visitor.updated"  # details changed (anonymised)
VISITOR_DELETED = "visitor.deleted"
NOTIFICATION_CREATED = "notification.created"
TYPING = "typing"
