from django.apps import AppConfig


class FlowsConfig(AppConfig):
    """Bots: each bot's widget (look, public key, allowed sites) and the flow it runs, the pure
    flow engine, and the bot pages with the flow editor. The app is named after the flows it
    edits; its model is `Bot`."""

    name = "tertulia.flows"
    label = "flows"
    verbose_name = "Bots and their flows"

    def ready(self):
        from tertulia.flows import audit  # noqa: F401 (words the bot and flow audit entries)
