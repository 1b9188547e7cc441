from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The Visitors page where agents work: the list, the panel, the full page, status changes,
    replies, live chat, exports and the privacy actions."""

    name = "tertulia.inbox"
    label = "inbox"
