"""The fast XLSX writer makes the workbook xlsxwriter makes (its constant_memory mode), part for
part, and the CSV writer what the csv module makes with the same cells."""

import csv
import datetime as dt
import io
import tempfile
import zipfile
import zlib

import openpyxl
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tertulia.core import exports, xlsx

HEADERS = ["ID", "Name", "Email", "Created date"]
text = st.one_of(
    st.text(max_size=12),
    st.text(st.sampled_from("ab &<>_x0041_ \t\r\n\x01\x1f\ufffe\uffff💬ñ=+-@"), max_size=16),
    st.builds(lambda n: "w" * n, st.integers(40, 70)),
)
cell = st.one_of(
    st.none(),
    text,
    st.integers(-(10**9), 10**12),
    st.datetimes(
        min_value=dt.datetime(1900, 3, 2), max_value=dt.datetime(2100, 1, 1), timezones=st.none()
    ),
)
rows = st.lists(st.lists(cell, min_size=4, max_size=4), max_size=30)


def reference(headers, rows) -> bytes:
    """The workbook as the exports wrote it before, with xlsxwriter."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        workbook = xlsxwriter.Workbook(
            handle.name,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
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
        return handle.read()


def parts(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None, "every CRC checks out"
    found = {name: archive.read(name) for name in archive.namelist()}
    # The creation time differs by the second the files were made.
    found.pop("docProps/core.xml")
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_the_workbook_is_xlsxwriter_s(table):
    made = parts(b"".join(exports.xlsx_chunks(HEADERS, table)))
    expected = parts(reference(HEADERS, table))
    if not any(isinstance(value, dt.datetime) for row in table for value in row):
        # xlsxwriter leaves out a style no cell uses; these styles are always there.
        made.pop("xl/styles.xml"), expected.pop("xl/styles.xml")
    assert made == expected


def test_openpyxl_reads_a_sheet_of_many_rows():
    many = [
        [n, f"name {n}", None, dt.datetime(2026, 1, 1) + dt.timedelta(minutes=n)]
        for n in range(5000)
    ]
    handle = io.BytesIO()
    assert exports.write_xlsx(handle, HEADERS, many) == 5000
    sheet = openpyxl.load_workbook(io.BytesIO(handle.getvalue()), read_only=True).active
    read = list(sheet.iter_rows(values_only=True))
    assert len(read) == 5001 and read[-1] == ("4999", "name 4999", None, many[-1][3])


def test_an_excel_sheet_has_a_last_row(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    try:
        exports.write_xlsx(io.BytesIO(), ["A"], [[n] for n in range(4)])
    except exports.TooManyRows:
        pass
    else:
        raise AssertionError("four rows in a three-row sheet")
    assert exports.write_xlsx(io.BytesIO(), ["A"], [[n] for n in range(3)]) == 3


@given(st.binary(max_size=300), st.binary(max_size=3000))
def test_crc32_of_joined_parts(first, second):
    combined = xlsx.crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second))
    assert combined == zlib.crc32(first + second)


@given(rows)
def test_csv_is_the_csv_module_s(table):
    made = "".join(exports.csv_chunks(HEADERS, table))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [HEADERS, *table]:
        writer.writerow(
            [
                ""
                if value is None
                else value.strftime("%Y-%m-%d %H:%M")
                if isinstance(value, dt.datetime)
                else exports.neutralise(str(value))
                for value in row
            ]
        )
    assert made == "\ufeff" + buffer.getvalue()
    file = io.BytesIO()
    assert exports.write_csv(file, HEADERS, table) == len(table)
    assert file.getvalue().decode() == made
