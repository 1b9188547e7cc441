"""'Export all matching' in Chromium: a large export shows its progress on the Visitors page, then
a download link, for the member who asked only; the menu follows the list as htmx changes it."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tertulia.bulk import exports as background
from tertulia.bulk.models import ExportJob, ExportState
from tertulia.bulk.tasks import run_export_job
from tertulia.visitors.models import Visitor
from tests.browser.conftest import assert_accessible, live_server_context, log_in, screenshot
from tests.helpers import EXPORT_HEADERS

pytestmark = pytest.mark.browser


@pytest.fixture
def many(workspace, make_visitor, monkeypatch, settings, tmp_path):
    """40 new visitors; "all matching" beyond 10 rows runs in the background."""
    monkeypatch.setattr(background, "IMMEDIATE_MAX", 10)
    settings.VAR_DIR = tmp_path
    base = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    for n in range(40):
        make_visitor(
            name=f"Visitante {n:02d}" if n % 5 else None,
            email=f"v{n}@example.es",
            country="ES",
            created_at=base + dt.timedelta(hours=n),
        )


def named_newest_first(workspace) -> list[int]:
    """The New tab searched for "visitante", as the list shows it."""
    named = Visitor.objects.filter(workspace=workspace, name__isnull=False)
    return list(named.order_by("-created_at", "-id").values_list("pk", flat=True))


def rows_by_name(workspace) -> list[int]:
    """The New tab sorted by name (unnamed last), as the list shows it."""
    named = Visitor.objects.filter(workspace=workspace, name__isnull=False).order_by("name", "id")
    unnamed = Visitor.objects.filter(workspace=workspace, name__isnull=True).order_by("id")
    return [v.pk for v in [*named, *unnamed]]


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_a_large_export_shows_progress_then_a_download(
    page, browser, live_server, owner, agent, workspace, many, width, height, tmp_path
):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, owner.user.email)
    # A search through htmx: the address bar changes, the export menu above the list does not.
    page.get_by_placeholder("Search name, e-mail or phone").fill("visitante")
    expect(page).to_have_url(re.compile(r"q=visitante"))
    expect(page.locator("#results")).not_to_contain_text("Visitor #")

    page.get_by_text("Export all matching").click()
    page.get_by_role("button", name="All matching as Excel").click()
    job = page.locator(".export-job")
    expect(job).to_contain_text("Preparing the export…")
    exported = ExportJob.objects.get()
    assert "q=visitante" in exported.query

    # Half way (as the worker reports it), then done by the worker's own task.
    ExportJob.objects.filter(pk=exported.pk).update(state=ExportState.RUNNING, total=32, done=16)
    expect(job).to_contain_text("Exporting 16 of 32 visitors…")
    expect(job.locator("progress")).to_have_attribute("value", "50")
    screenshot(page, f"export-in-progress-{width}")
    assert_accessible(page, f"export-in-progress-{width}")

    ExportJob.objects.filter(pk=exported.pk).update(state=ExportState.QUEUED)
    assert run_export_job.call(exported.pk) == ExportState.DONE
    expect(job).to_contain_text("Ready: 32 visitors.", timeout=5_000)
    download_link = job.get_by_role("link", name="Download")
    expect(download_link).to_be_visible()
    screenshot(page, f"export-ready-{width}")
    assert_accessible(page, f"export-ready-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == exported.filename
    saved = tmp_path / "export.xlsx"
    download.value.save_as(saved)
    values = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    assert list(values[0]) == EXPORT_HEADERS
    assert [int(row[0]) for row in values[1:]] == named_newest_first(workspace)

    # Still there after a reload; nobody else can fetch it.
    page.reload()
    expect(page.locator(".export-job")).to_contain_text("Ready: 32 visitors.")
    other = live_server_context(browser, live_server)
    other_page = other.new_page()
    log_in(other_page, agent.user.email)
    url = f"/visitors/exports/{exported.pk}/download"
    assert other_page.request.get(url).status == 404
    other.close()

    page.locator(".export-job").get_by_role("button", name="Remove this export").click()
    expect(page.locator(".export-job")).to_have_count(0)
    assert not ExportJob.objects.exists()


def test_the_page_export_follows_the_list(page, owner, workspace, many):
    log_in(page, owner.user.email)
    page.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [int(r[0]) for r in rows[1:]] == rows_by_name(workspace)[:25]
