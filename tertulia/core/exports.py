"""Spreadsheet writers: CSV and XLSX from a header row and an iterable of rows, in flat memory.

Each writer comes two ways: in chunks for a streamed response, or into a file (a background
export), calling `progress(rows written)` now and then. A cell is None or "" (left empty), a
datetime (a date cell in XLSX, "YYYY-MM-DD HH:MM" in CSV), or anything else, written as text.

A CSV file can also be written from lines the database built (`CsvText`, `CsvMinute`,
`csv_constant`, joined with commas): the same bytes, in a fraction of the time, since no row
becomes Python values on its way to the file.
"""

import csv
import datetime as dt
import functools
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import BinaryIO

from django.db.models import Func, TextField
from django.utils import timezone

from tertulia.core import xlsx

XLSX_MAX_ROWS = xlsx.MAX_ROWS
TooManyRows = xlsx.TooManyRows
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_PREFIXES)
_CSV_FLUSH_ROWS = 500
_LINE_END = "\r\n"  # csv.writer's
_FILE_ROWS = 5_000

Progress = Callable[[int], None] | None


def neutralise(value: str) -> str:
    """Keep a spreadsheet from reading text as a formula (CSV injection)."""
    if value and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_other(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(" ", "minutes")[:16]  # YYYY-MM-DD HH:MM
    return neutralise(str(value))


def _csv_row(row: Sequence, first=_FORMULA_FIRST, other=_csv_other) -> list[str]:
    return [
        ("'" + value if value[:1] in first else value) if value.__class__ is str else other(value)
        for value in row
    ]


def _csv_batches(headers: Sequence, rows: Iterable[Sequence], every: int) -> Iterator[tuple]:
    """(text, rows so far) every `every` rows: UTF-8 CSV with a byte-order mark, so Excel shows
    accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(_csv_row(headers))
    rows = iter(rows)
    count = 0
    while batch := list(islice(rows, every)):
        writer.writerows(map(_csv_row, batch))
        count += len(batch)
        yield buffer.getvalue(), count
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue(), count


def _csv_line_batches(headers: Sequence, lines: Iterable[str], every: int) -> Iterator[tuple]:
    """As `_csv_batches`, from rows already written as lines (without their line ending)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(_csv_row(headers))
    lines = iter(lines)
    head, count = "\ufeff" + buffer.getvalue(), 0
    while batch := list(islice(lines, every)):
        count += len(batch)
        yield f"{head}{_LINE_END.join(batch)}{_LINE_END}", count
        head = ""
    if head:
        yield head, count


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV file in chunks of a few hundred rows."""
    return (text for text, _count in _csv_batches(headers, rows, _CSV_FLUSH_ROWS))


def write_csv(
    handle: BinaryIO, headers: Sequence[str], rows: Iterable[Sequence], progress: Progress = None
) -> int:
    """Write the CSV file into `handle`; returns the number of rows."""
    return _written(handle, _csv_batches(headers, rows, _FILE_ROWS), progress)


def csv_line_chunks(headers: Sequence[str], lines: Iterable[str]) -> Iterator[str]:
    """The CSV file in chunks of a few hundred rows, from lines the database built."""
    return (text for text, _count in _csv_line_batches(headers, lines, _CSV_FLUSH_ROWS))


def write_csv_lines(
    handle: BinaryIO, headers: Sequence[str], lines: Iterable[str], progress: Progress = None
) -> int:
    """Write the CSV file into `handle` from lines the database built; returns the rows."""
    return _written(handle, _csv_line_batches(headers, lines, _FILE_ROWS), progress)


def _written(handle: BinaryIO, batches: Iterator[tuple], progress: Progress) -> int:
    count = 0
    for text, count in batches:
        handle.write(text.encode())
        if progress is not None:
            progress(count)
    return count


def xlsx_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """An XLSX workbook: frozen bold header, autofilter, real date cells, text kept as text
    (never a formula). The first chunk comes once every row is read."""
    sheet = xlsx.SheetRows(headers)
    try:
        sheet.add(rows)
        yield from sheet.package()
    finally:
        sheet.close()


def write_xlsx(
    handle: BinaryIO, headers: Sequence[str], rows: Iterable[Sequence], progress: Progress = None
) -> int:
    """Write the XLSX workbook into `handle`; returns the number of rows. Raises TooManyRows
    beyond XLSX_MAX_ROWS rows."""
    sheet = xlsx.SheetRows(headers)
    try:
        count = sheet.add(rows, progress)
        for chunk in sheet.package():
            handle.write(chunk)
    finally:
        sheet.close()
    return count


# CSV built by the database: expressions whose text is what `_csv_row` writes for a value.
_NEEDS_QUOTES = {"postgresql": ("~", '[,"\r\n]'), "sqlite": ("GLOB", '*[,"\r\n]*')}


class CsvLine(Func):
    """CSV fields (expressions that are never NULL) joined into one line."""

    arg_joiner = " || ',' || "
    template = "(%(expressions)s)"
    output_field = TextField()


class CsvText(Func):
    """A text expression as one CSV field, as the writers write a str: NULL as empty,
    neutralised, then quoted when it holds a comma, a quote or a line break."""

    arity = 1
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra):
        value, params = compiler.compile(self.source_expressions[0])
        value = f"COALESCE({value}, '')"
        first = ", ".join(["%s"] * len(_FORMULA_PREFIXES))
        neutral = (
            f"(CASE WHEN SUBSTR({value}, 1, 1) IN ({first}) THEN '''' || {value} ELSE {value} END)"
        )
        neutral_params = [*params, *_FORMULA_PREFIXES, *params, *params]
        operator, pattern = _NEEDS_QUOTES[connection.vendor]
        sql = (
            f"(CASE WHEN {value} {operator} %s"
            f""" THEN '"' || REPLACE({neutral}, '"', '""') || '"' ELSE {neutral} END)"""
        )
        return sql, (*params, pattern, *neutral_params, *neutral_params)


def csv_constant(value: str) -> str:
    """A fixed text as one CSV field, as the writers write it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(_csv_row([value, ""]))
    return buffer.getvalue()[:-1]


class CsvMinute(Func):
    """A datetime expression as "YYYY-MM-DD HH:MM" in `tzinfo`, as the writers write a
    datetime. The offsets from UTC come from Python's own time zone rules (`utc_offsets`), so
    the database needs none of its own."""

    arity = 1
    output_field = TextField()

    def __init__(self, expression, tzinfo: dt.tzinfo):
        super().__init__(expression)
        self.tzinfo = tzinfo

    def as_sql(self, compiler, connection, **extra):
        value, params = compiler.compile(self.source_expressions[0])
        changes = utc_offsets(self.tzinfo, timezone.now().year)
        *later, (_since, seconds) = reversed(changes)  # newest first: most rows stop early
        offset, offset_params = "%s", [seconds]
        if later:
            offset = f"(CASE {' '.join([f'WHEN {value} >= %s THEN %s'] * len(later))} ELSE %s END)"
            offset_params = []
            for since, seconds_then in later:
                moment = connection.ops.adapt_datetimefield_value(since)
                offset_params += [*params, moment, seconds_then]
            offset_params.append(seconds)
        if connection.vendor == "postgresql":
            sql = f"TO_CHAR(({value} AT TIME ZONE 'UTC') + {offset} * INTERVAL '1 second', %s)"
            return sql, (*params, *offset_params, "YYYY-MM-DD HH24:MI")
        # Without its fraction of a second, which SQLite would round to the millisecond (59.9999
        # seconds into the next minute); Python truncates.
        sql = f"STRFTIME(%s, SUBSTR({value}, 1, 19), {offset} || ' seconds')"
        return sql, ("%Y-%m-%d %H:%M", *params, *offset_params)


@functools.lru_cache(maxsize=64)
def utc_offsets(tzinfo: dt.tzinfo, year: int, since: int = 1970) -> list[tuple[dt.datetime, int]]:
    """When `tzinfo`'s offset from UTC changed, from `since` to the end of `year` + 1: a list of
    (from this UTC moment, offset in seconds), the first from the start of `since` (earlier
    moments take it too). Found a day at a time, then to the second."""

    def offset(moment: dt.datetime) -> int:
        return int(moment.astimezone(tzinfo).utcoffset().total_seconds())

    one_day, one_second = dt.timedelta(days=1), dt.timedelta(seconds=1)
    moment = dt.datetime(since, 1, 1, tzinfo=dt.UTC)
    changes = [(moment, offset(moment))]
    while moment.year <= year + 1:
        following = moment + one_day
        if offset(following) != changes[-1][1]:
            before, after = moment, following  # the change is in (before, after]
            while after - before > one_second:
                middle = before + (after - before) / 2
                middle -= dt.timedelta(microseconds=middle.microsecond)
                if offset(middle) == changes[-1][1]:
                    before = middle
                else:
                    after = middle
            changes.append((after, offset(after)))
        moment = following
    return changes
