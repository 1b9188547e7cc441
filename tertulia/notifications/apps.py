from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tertulia.notifications"
    label = "notifications"
