from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Visitors' personal data: deleting and anonymising visitors, and the retention sweep."""

    name = "tertulia.privacy"
    label = "privacy"

    def ready(self):
        from tertulia.core.worker import on_worker_start
        from tertulia.privacy import audit  # noqa: F401 (words the visitor data audit entries)
        from tertulia.privacy.tasks import schedule_purge

        on_worker_start(schedule_purge)
