"""The visitor export: its columns, defined once, and the rows they read."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tertulia.core.countries import country_name
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.models import UNNAMED, Visitor

COLUMNS = (
    _("ID"),
    _("Name"),
    _("Email"),
    _("Phone"),
    _("Status"),
    _("Country"),
    _("City"),
    _("Region"),
    _("Engaged"),
    _("Created date"),
)
YES = pgettext_lazy("engaged", "Yes")
NO = pgettext_lazy("engaged", "No")


@dataclass(frozen=True)
class ExportLabels:
    """Every word of the file in the reader's language, and their time zone, taken while the
    request is active: the file is written after the view has returned."""

    language: str
    tzinfo: dt.tzinfo
    headers: list[str]
    statuses: dict[str, str]
    yes: str
    no: str
    unnamed: str

    @classmethod
    def current(cls) -> "ExportLabels":
        return cls(
            language=translation.get_language() or "en",
            tzinfo=timezone.get_current_timezone(),
            headers=[str(column) for column in COLUMNS],
            statuses={status.value: str(status.label) for status in VisitorStatus},
            yes=str(YES),
            no=str(NO),
            unnamed=str(UNNAMED),
        )


def export_rows(visitors: Iterable[Visitor], labels: ExportLabels) -> Iterator[list]:
    """One row per visitor, in the order of COLUMNS."""
    for visitor in visitors:
        yield [
            visitor.pk,
            visitor.name or labels.unnamed % {"number": visitor.number},
            visitor.email,
            visitor.phone,
            labels.statuses[visitor.status],
            country_name(visitor.country, labels.language),
            visitor.city,
            visitor.region,
            labels.yes if visitor.engaged else labels.no,
            timezone.localtime(visitor.created_at, labels.tzinfo),
        ]
