"""Spreadsheet writers: CSV and XLSX from a header row and an iterable of rows, in flat memory.

Each writer comes two ways: in chunks for a streamed response, or into a file (a background
export), calling `progress(rows written)` now and then. A cell is None or "" (left empty), a
datetime (a date cell in XLSX, "YYYY-MM-DD HH:MM" in CSV), or anything else, written as text.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import BinaryIO

from tertulia.core import xlsx

XLSX_MAX_ROWS = xlsx.MAX_ROWS
TooManyRows = xlsx.TooManyRows
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_PREFIXES)
_CSV_FLUSH_ROWS = 500
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


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV file in chunks of a few hundred rows."""
    for text, _count in _csv_batches(headers, rows, _CSV_FLUSH_ROWS):
        yield text


def write_csv(
    handle: BinaryIO, headers: Sequence[str], rows: Iterable[Sequence], progress: Progress = None
) -> int:
    """Write the CSV file into `handle`; returns the number of rows."""
    count = 0
    for text, count in _csv_batches(headers, rows, _FILE_ROWS):
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
