from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "tertulia.flows"
    label = "flows"
