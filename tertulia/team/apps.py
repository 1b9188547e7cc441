from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamConfig(AppConfig):
    """The Team page: members, their roles, and invitations by e-mail."""

    name = "tertulia.team"
    label = "team"
    verbose_name = _("Team")

    def ready(self):
        from tertulia.team import audit  # noqa: F401 (words the invitation audit entries)
