from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "tertulia.conversations"
    label = "conversations"

    def ready(self):
        from tertulia.conversations import audit  # noqa: F401 (words the assignment entries)
