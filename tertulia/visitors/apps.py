from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_triggers(sender, using="default", **kwargs):
    """After every `migrate`: the counting and search triggers, where missing."""
    from tertulia.visitors.counts import counts_install
    from tertulia.visitors.search import search_install

    counts_install()
    search_install()


class VisitorsConfig(AppConfig):
    name = "tertulia.visitors"
    label = "visitors"

    def ready(self):
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="visitors-triggers")
