from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "tertulia.conversations"
    label = "conversations"
