from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "tertulia.realtime"
    label = "realtime"

    def ready(self):
        from tertulia.accounts.hooks import on_access_changed
        from tertulia.realtime.publish import end_dashboards_on_commit

        # A member removed, or given another role: their open dashboards follow at once.
        on_access_changed(end_dashboards_on_commit)
