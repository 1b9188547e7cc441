from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Visitors' personal data: deleting and anonymising visitors, and the retention sweep."""

    name = "tertulia.privacy"
    label = "privacy"

    def ready(self):
        from tertulia.accounts.hooks import on_workspace_deleting
        from tertulia.core.worker import on_worker_start
        from tertulia.privacy import audit  # noqa: F401 (words the visitor data audit entries)
        from tertulia.privacy.services import workspace_visitors_delete
        from tertulia.privacy.tasks import schedule_purge

        on_worker_start(schedule_purge)
        on_workspace_deleting(workspace_visitors_delete)
