from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo workspace (`setupdemo`), realistic data in bulk (`seed`) and the demo shop page."""

    name = "tertulia.demo"
    label = "demo"
