"""The visitor export: its columns, defined once, and the rows they read.

A CSV file's rows are built by the database as lines (`export_lines`), an Excel sheet's read as
values (`export_values`); a test holds the two to the same text, cell for cell."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tertulia.core import exports
from tertulia.core.countries import country_name
from tertulia.core.keyset import keyset_values
from tertulia.visitors.choices import VisitorStatus
from tertulia.visitors.models import UNNAMED, Visitor, VisitorCountry

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
# Lines are cheap to read: fewer, larger batches.
LINE_BATCH = 10_000
FORMATS = ("csv", "xlsx")


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


def export_lines(
    queryset: QuerySet, labels: ExportLabels, *, workspace_id: int, batch: int = LINE_BATCH
) -> Iterator[str]:
    """The CSV line of every visitor of `queryset` (of one workspace), in its order, built by
    the database a batch at a time: the text `_rows` gives, written as the CSV writer would."""
    line = _csv_line(labels, _countries(workspace_id))
    lines = keyset_values(
        queryset.annotate(export_line=line), ["export_line"], batch=batch, raw=True, ahead=True
    )
    return (text for (text,) in lines)


def _countries(workspace_id: int) -> list[str]:
    """The country codes a workspace's visitors have, the most common first."""
    codes = list(
        VisitorCountry.objects.filter(workspace_id=workspace_id)
        .order_by("-visitors")
        .values_list("country", flat=True)
    )
    tests = Visitor.objects.filter(workspace_id=workspace_id, is_preview=True)
    return codes + sorted(set(tests.values_list("country", flat=True).distinct()) - set(codes))


def _csv_line(labels: ExportLabels, countries: list[str]) -> exports.CsvLine:
    def constant(text: str) -> Value:
        return Value(exports.csv_constant(text), output_field=TextField())

    before, number, after = (labels.unnamed % {"number": "\0"}).partition("\0")
    unnamed = [Value(before), Cast("number", TextField()), Value(after)] if number else []
    name = Case(
        When(
            Q(name__isnull=True) | Q(name=""),
            then=Concat(*unnamed, output_field=TextField()) if unnamed else Value(before),
        ),
        default=F("name"),
        output_field=TextField(),
    )
    return exports.CsvLine(
        Cast("id", TextField()),
        exports.CsvText(name),
        exports.CsvText(F("email")),
        exports.CsvText(F("phone")),
        Case(
            *[When(status=code, then=constant(label)) for code, label in labels.statuses.items()],
            default=exports.CsvText(F("status")),
        ),
        Case(
            *[
                When(country=code, then=constant(labels.country(code)))
                for code in countries
                if code
            ],
            default=exports.CsvText(F("country")),
        ),
        exports.CsvText(F("city")),
        exports.CsvText(F("region")),
        Case(When(engaged=True, then=constant(labels.yes)), default=constant(labels.no)),
        exports.CsvMinute(F("created_at"), labels.tzinfo),
    )


def export_chunks(fmt: str, queryset: QuerySet, labels: ExportLabels, *, workspace_id: int):
    """The file of every visitor of `queryset`, in chunks for a streamed response."""
    if fmt == "csv":
        lines = export_lines(queryset, labels, workspace_id=workspace_id)
        return exports.csv_line_chunks(labels.headers, lines)
    return exports.xlsx_chunks(labels.headers, export_values(queryset, labels))


def export_write(
    fmt: str,
    handle: BinaryIO,
    queryset: QuerySet,
    labels: ExportLabels,
    *,
    workspace_id: int,
    progress: exports.Progress = None,
) -> int:
    """Write the file of every visitor of `queryset` into `handle`; returns the rows. Raises
    exports.TooManyRows for an Excel sheet beyond its limit."""
    if fmt == "csv":
        lines = export_lines(queryset, labels, workspace_id=workspace_id)
        return exports.write_csv_lines(handle, labels.headers, lines, progress)
    return exports.write_xlsx(handle, labels.headers, export_values(queryset, labels), progress)
