import csv
import datetime as dt
import io
import zoneinfo

import openpyxl
import pytest
from django.db import connections
from django.test import AsyncClient
from django.urls import reverse

from tertulia.core import exports
from tertulia.visitors.filters import VisitorFilters
from tertulia.visitors.selectors import visitor_list_page
from tests.helpers import EXPORT_HEADERS, body

HEADERS_ES = [
    "ID",
    "Nombre",
    "Correo",
    "Teléfono",
    "Estado",
    "País",
    "Ciudad",
    "Región",
    "Comprometido",
    "Fecha de creación",
]


def export(client, fmt: str, query: str = ""):
    response = client.get(reverse("visitors:export", args=[fmt]) + "?" + query)
    assert response.status_code == 200, response.content[:500]
    return response, body(response)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


@pytest.fixture
def populated(make_visitor):
    madrid = zoneinfo.ZoneInfo("Europe/Madrid")
    base = dt.datetime(2026, 3, 1, 10, 0, tzinfo=madrid)
    for n in range(30):
        make_visitor(
            name=f"Visitante {n:02d}" if n % 3 else None,
            email=f"v{n}@example.es",
            phone=f"+3461234{n:04d}",
            country="ES" if n % 2 else "MX",
            city="Madrid",
            region="Madrid",
            engaged=bool(n % 2),
            created_at=base + dt.timedelta(hours=n),
        )


def page_rows(workspace, query: str):
    from django.http import QueryDict

    filters, _ = VisitorFilters.from_query(QueryDict(query))
    return visitor_list_page(workspace=workspace, filters=filters).rows


def test_csv_of_the_current_page_matches_the_page(owner_client, workspace, populated):
    query = "status=new&sort=name&per_page=25&page=last"
    response, content = export(owner_client, "csv", query)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="visitors-new-page-' in response["Content-Disposition"]
    rows = read_csv(content)
    assert rows[0] == EXPORT_HEADERS
    shown = page_rows(workspace, query)
    assert [int(r[0]) for r in rows[1:]] == [v.pk for v in shown]
    assert [r[1] for r in rows[1:]] == [str(v.display_name) for v in shown]
    first = next(r for r in rows[1:] if r[0] == str(shown[0].pk))
    assert first[4] == "New" and first[8] in {"Yes", "No"} and first[6] == "Madrid"


def test_xlsx_of_the_current_page_matches_the_page(owner_client, workspace, populated, owner):
    owner.user.timezone = "Europe/Madrid"
    owner.user.save()
    query = "status=new&per_page=25"
    response, content = export(owner_client, "xlsx", query)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = read_xlsx(content)
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == EXPORT_HEADERS
    shown = page_rows(workspace, query)
    assert [row[0] for row in values[1:]] == [str(v.pk) for v in shown]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:J{len(shown) + 1}"
    created = values[1][9]
    assert isinstance(created, dt.datetime), "a real date cell"
    newest = shown[0].created_at.astimezone(zoneinfo.ZoneInfo("Europe/Madrid"))
    assert created == newest.replace(tzinfo=None, second=0, microsecond=0)
    assert sheet["J2"].number_format == "yyyy-mm-dd hh:mm"
    assert values[1][5] in {"Spain", "Mexico"}


def test_export_all_matching_follows_filters(owner_client, populated):
    _, content = export(owner_client, "csv", "status=new&country=ES&scope=all&per_page=25")
    rows = read_csv(content)[1:]
    assert len(rows) == 15
    assert {r[5] for r in rows} == {"Spain"}
    _, content = export(owner_client, "xlsx", "status=new&engaged=on&scope=all")
    assert read_xlsx(content).max_row == 16


def test_headers_and_labels_in_the_members_language(owner_client, owner, populated):
    owner.user.language = "es"
    owner.user.save()
    rows = read_csv(export(owner_client, "csv", "status=new")[1])
    assert rows[0] == HEADERS_ES
    assert {r[4] for r in rows[1:]} == {"Nuevo"}
    assert {r[8] for r in rows[1:]} <= {"Sí", "No"}
    assert any(r[1].startswith("Visitante #") for r in rows[1:])
    assert {r[5] for r in rows[1:]} == {"España", "México"}
    sheet = read_xlsx(export(owner_client, "xlsx", "status=new")[1])
    assert [c.value for c in sheet[1]] == HEADERS_ES


def test_formulas_are_neutralised_in_csv_and_kept_as_text_in_xlsx(owner_client, make_visitor):
    make_visitor(name='=HYPERLINK("http://evil","x")', email="+1@x", city="-2+3", region="@SUM(A1)")
    make_visitor(name="\tTabbed", city="\rCR")
    rows = read_csv(export(owner_client, "csv", "scope=all")[1])[1:]
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    assert "'+1@x" in cells and "'-2+3" in cells and "'@SUM(A1)" in cells and "'\tTabbed" in cells
    assert not any(cell[:1] in {"=", "+", "-", "@", "\t", "\r"} for cell in cells)
    sheet = read_xlsx(export(owner_client, "xlsx", "scope=all")[1])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} became a formula"


def test_xlsx_refuses_more_rows_than_excel_holds(owner_client, populated, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 10)
    response = owner_client.get(reverse("visitors:export", args=["xlsx"]) + "?status=new&scope=all")
    assert response.status_code == 413
    html = response.content.decode()
    assert "Too many rows for Excel" in html and "export as CSV" in html
    # CSV has no such limit; the current page is always small enough.
    assert (
        owner_client.get(
            reverse("visitors:export", args=["csv"]) + "?status=new&scope=all"
        ).status_code
        == 200
    )
    assert (
        owner_client.get(reverse("visitors:export", args=["xlsx"]) + "?status=new").status_code
        == 200
    )


def test_writers_on_their_own():
    assert exports.neutralise("=1+1") == "'=1+1"
    assert exports.neutralise("hola") == "hola"
    assert exports.neutralise("") == ""
    chunks = list(exports.csv_chunks(["A"], ([n] for n in range(1200))))
    assert len(chunks) == 3  # flushed every 500 rows
    assert b"".join(exports.xlsx_chunks(["A"], [])).startswith(b"PK")


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_exports_stream_asynchronously_under_asgi(owner, make_visitor):
    from asgiref.sync import sync_to_async

    for n in range(5):
        await sync_to_async(make_visitor)(name=f"Async {n}")
    client = AsyncClient()
    await client.aforce_login(owner.user)
    response = await client.get(reverse("visitors:export", args=["csv"]) + "?scope=all")
    assert response.is_async, "an async iterator, so ASGI does not buffer the whole file"
    content = b"".join([chunk async for chunk in response.streaming_content])
    assert content.decode("utf-8-sig").count("Async ") == 5
    # The view ran on asgiref's thread; close its connection there so the test database can go.
    await sync_to_async(connections.close_all)()
