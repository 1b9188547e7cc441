from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "tertulia.realtime"
    label = "realtime"
