from django.apps import AppConfig


class VisitorsConfig(AppConfig):
    name = "tertulia.visitors"
    label = "visitors"
