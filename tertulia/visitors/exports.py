"""The visitor export: its columns, defined once, and the rows they read."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tertulia.core.countries import country_name
from tertulia.core.keyset import keyset_values
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
# What a row is made of, read as plain values: no model instance per row.
FIELDS = (
    "id",
    "number",
    "name",
    "email",
    "phone",
    "status",
    "country",
    "city",
    "region",
    "engaged",
    "created_at",
)
BATCH = 2_000


@dataclass(frozen=True)
class ExportLabels:
    """Every word of the file in the reader's language, and their time zone, taken while the
    request is active (or the reader's language and time zone are, in the worker): the file is
    written after the view has returned."""

    language: str
    tzinfo: dt.tzinfo
    headers: list[str]
    statuses: dict[str, str]
    yes: str
    no: str
    unnamed: str
    # Country names met so far, by code.
    countries: dict[str, str] = field(default_factory=dict, compare=False)

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

    def country(self, code: str) -> str:
        name = self.countries.get(code)
        if name is None:
            name = self.countries[code] = country_name(code, self.language)
        return name


def export_filename(status: str, scope: str, fmt: str) -> str:
    """visitors-new-all-20261125-1830.xlsx: the tab, which rows, and when (the reader's time)."""
    return f"visitors-{status}-{scope}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def export_rows(visitors: Iterable[Visitor], labels: ExportLabels) -> Iterator[list]:
    """One row per visitor, in the order of COLUMNS."""
    return _rows(([getattr(visitor, name) for name in FIELDS] for visitor in visitors), labels)


def export_values(
    queryset: QuerySet, labels: ExportLabels, *, batch: int = BATCH
) -> Iterator[list]:
    """The rows of every visitor of `queryset`, in its order, read a batch at a time as plain
    values (no model instance, none of Django's per-value conversions)."""
    return _rows(keyset_values(queryset, FIELDS, batch=batch, raw=True, ahead=True), labels)


def _rows(values: Iterable, labels: ExportLabels) -> Iterator[list]:
    statuses, yes, no, unnamed, tz = (
        labels.statuses,
        labels.yes,
        labels.no,
        labels.unnamed,
        labels.tzinfo,
    )
    countries, country = labels.countries, labels.country
    for pk, number, name, email, phone, status, code, city, region, engaged, created in values:
        if created.tzinfo is None:  # read raw from SQLite: naive, in UTC
            created = created.replace(tzinfo=dt.UTC)
        yield [
            str(pk),
            name or unnamed % {"number": number},
            email,
            phone,
            statuses.get(status, status),
            countries[code] if code in countries else country(code),
            city,
            region,
            yes if engaged else no,
            created.astimezone(tz),
        ]
