from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tertulia.notifications"
    label = "notifications"

    def ready(self):
        from tertulia.notifications.webhooks import queue_webhooks
        from tertulia.realtime.publish import on_publish

        on_publish(queue_webhooks)
