"""The visitor statuses: value, labels and badge colour, defined once."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VisitorStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("visitor status", "New")
    LEAD = "lead", pgettext_lazy("visitor status", "Lead")
    CUSTOMER = "customer", pgettext_lazy("visitor status", "Customer")
    CLOSED = "closed", pgettext_lazy("visitor status", "Closed")
    ARCHIVED = "archived", pgettext_lazy("visitor status", "Archived")

    @property
    def tab_label(self) -> str:
        """The plural label of the status tab."""
        return _TAB_LABELS[self]

    @property
    def colour(self) -> str:
        """Badge colour name; the stylesheet maps it to colours with enough contrast."""
        return _COLOURS[self]

    @property
    def shortcut(self) -> str:
        """The number key that sets this status on the open visitor."""
        return str(list(VisitorStatus).index(self) + 1)


_TAB_LABELS = {
    VisitorStatus.NEW: pgettext_lazy("visitors tab", "New"),
    VisitorStatus.LEAD: pgettext_lazy("visitors tab", "Leads"),
    VisitorStatus.CUSTOMER: pgettext_lazy("visitors tab", "Customers"),
    VisitorStatus.CLOSED: pgettext_lazy("visitors tab", "Closed"),
    VisitorStatus.ARCHIVED: pgettext_lazy("visitors tab", "Archived"),
}

_COLOURS = {
    VisitorStatus.NEW: "blue",
    VisitorStatus.LEAD: "amber",
    VisitorStatus.CUSTOMER: "green",
    VisitorStatus.CLOSED: "slate",
    VisitorStatus.ARCHIVED: "rose",
}


class DeviceType(models.TextChoices):
    DESKTOP = "desktop", _("Desktop")
    MOBILE = "mobile", _("Mobile")
    TABLET = "tablet", _("Tablet")
    BOT = "bot", _("Bot")
    UNKNOWN = "", _("Unknown")


class LiveChat(models.TextChoices):
    NONE = "", _("No")
    REQUESTED = "requested", _("Waiting for an agent")
    ACTIVE = "active", _("With an agent")
