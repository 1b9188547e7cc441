from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "tertulia.widget"
    label = "widget"
