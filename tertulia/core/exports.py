"""Spreadsheet writers: CSV a few hundred rows at a time, XLSX built in constant memory.

Both take a header row and an iterable of rows and yield the file in chunks, so a list of any
length is exported without being held in memory.
"""

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence

import xlsxwriter

# Excel's limit is 1,048,576 rows, one of which is the header.
XLSX_MAX_ROWS = 1_048_575
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CSV_FLUSH_ROWS = 500
_FILE_CHUNK = 256 * 1024


def neutralise(value: str) -> str:
    """Keep a spreadsheet from reading text as a formula (CSV injection)."""
    if value and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return neutralise(str(value))


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark, so Excel shows accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_csv_cell(h) for h in headers])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if number % _CSV_FLUSH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """An XLSX workbook: frozen bold header, autofilter, real date cells, text kept as text."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        _write_xlsx(handle.name, headers, rows)
        while chunk := handle.read(_FILE_CHUNK):
            yield chunk


def _write_xlsx(path: str, headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    # strings_to_formulas off: visitor text is never turned into a formula.
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    widths = [max(10, len(h) + 2) for h in headers]
    sheet.write_row(0, 0, headers, bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(count, col, value.replace(tzinfo=None), date_format)
                widths[col] = max(widths[col], 17)
            elif value not in (None, ""):
                text = str(value)
                sheet.write_string(count, col, text)
                widths[col] = min(50, max(widths[col], len(text) + 2))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.autofilter(0, 0, max(count, 1), len(headers) - 1)
    workbook.close()
