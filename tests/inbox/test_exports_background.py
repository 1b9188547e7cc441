"""'Export all matching' beyond a few thousand rows: written by the task worker into a file, with
progress on the Visitors page and a download for the member who asked only."""

import csv
import datetime as dt
import io
import zoneinfo

import openpyxl
import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tertulia.accounts.services import workspace_delete
from tertulia.bulk import exports as background
from tertulia.bulk.models import ExportError, ExportJob, ExportState
from tertulia.bulk.tasks import resume_export_jobs, run_export_job, sweep_exports
from tertulia.core import exports
from tertulia.visitors.filters import VisitorFilters
from tertulia.visitors.selectors import visitor_list_page
from tests.conftest import PASSWORD
from tests.helpers import EXPORT_HEADERS, body

START = reverse("visitors:export_start")
HTMX = {"HX-Request": "true"}
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture(autouse=True)
def _small_threshold_and_own_folder(monkeypatch, settings, tmp_path):
    """Background from 10 rows on, and files in this test's own folder."""
    monkeypatch.setattr(background, "IMMEDIATE_MAX", 10)
    settings.VAR_DIR = tmp_path


@pytest.fixture
def listed(make_visitor):
    """40 new visitors, some unnamed (NULL names sort last), all in Madrid's March."""
    base = dt.datetime(2026, 3, 1, 10, 0, tzinfo=MADRID)
    for n in range(40):
        make_visitor(
            name=None if n % 4 == 0 else f"Visitante {n % 7}",
            email=f"v{n}@example.es",
            phone=f"+3461234{n:04d}",
            country="ES" if n % 2 else "MX",
            city="Madrid",
            engaged=bool(n % 3),
            created_at=base + dt.timedelta(minutes=7 * (n // 2)),
        )


def shown_ids(workspace, query: str) -> list[int]:
    """The ids of the list's rows for this query string, page after page (100 a page)."""
    filters, _errors = VisitorFilters.from_query(QueryDict(query + "&per_page=100"))
    return [v.pk for v in visitor_list_page(workspace=workspace, filters=filters).rows]


def start(client, fmt: str, query: str, *, htmx: bool = True):
    return client.post(START, {"fmt": fmt, "query": "?" + query}, headers=HTMX if htmx else {})


def run_worker():
    """The real worker command, once through the queue."""
    call_command("worker", "--batch", "--no-startup-delay", "--interval", "0")


@pytest.mark.django_db(transaction=True)  # the worker closes its connections between tasks
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_runs_in_the_worker_and_matches_the_list(
    fmt, owner, owner_client, workspace, listed, django_capture_on_commit_callbacks
):
    owner.user.timezone = "Europe/Madrid"
    owner.user.save()
    query = "status=new&sort=name"
    with django_capture_on_commit_callbacks(execute=True):
        response = start(owner_client, fmt, query)
    assert response.status_code == 200
    job = ExportJob.objects.get()
    assert (job.state, job.member, job.fmt) == (ExportState.QUEUED, owner, fmt)
    assert "Preparing the export" in response.content.decode()
    assert 'hx-trigger="every 1s"' in response.content.decode()
    assert DBTaskResult.objects.filter(task_path=run_export_job.module_path).exists()

    run_worker()
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.percent) == (ExportState.DONE, 40, 40, 100)
    progress = owner_client.get(reverse("visitors:export_job", args=[job.pk]), headers=HTMX)
    html = progress.content.decode()
    assert "Ready: 40 visitors." in html and "every 1s" not in html
    assert reverse("visitors:export_download", args=[job.pk]) in html

    download = owner_client.get(reverse("visitors:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert f'filename="{job.filename}"' in download["Content-Disposition"]
    assert job.filename.startswith("visitors-new-all-") and job.filename.endswith(f".{fmt}")
    content = body(download)
    assert int(download["Content-Length"]) == len(content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        created = [r[9] for r in rows[1:]]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = [["" if v is None else v for v in r] for r in sheet.iter_rows(values_only=True)]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:J41"
        assert sheet["J2"].number_format == "yyyy-mm-dd hh:mm"
        created = [r[9].strftime("%Y-%m-%d %H:%M") for r in rows[1:]]
    assert list(rows[0]) == EXPORT_HEADERS
    assert [int(r[0]) for r in rows[1:]] == shown_ids(workspace, query)
    # Unnamed visitors last, as on the list.
    assert [r[1] for r in rows[1:]][-10:] == [f"Visitor #{n}" for n in range(1, 40, 4)]
    assert "2026-03-01 10:00" in created, "Madrid time, as the member sees it"


def test_the_page_remembers_the_export_and_dismisses_it(owner_client, listed):
    assert 'hx-get="/visitors/exports/"' not in owner_client.get("/visitors/").content.decode()
    start(owner_client, "csv", "status=new")
    job = ExportJob.objects.get()
    page = owner_client.get("/visitors/").content.decode()
    assert 'hx-get="/visitors/exports/"' in page
    jobs = owner_client.get(reverse("visitors:exports"), headers=HTMX).content.decode()
    assert f'id="export-{job.pk}"' in jobs
    dismissed = owner_client.post(reverse("visitors:export_dismiss", args=[job.pk]), headers=HTMX)
    assert dismissed.status_code == 200 and not ExportJob.objects.exists()
    # A page still polling it (another tab) is told to stop.
    polled = owner_client.get(reverse("visitors:export_job", args=[job.pk]), headers=HTMX)
    assert (polled.status_code, polled.content) == (286, b"")
    assert run_export_job.call(job.pk) == "gone or taken over"


def test_progress_while_running(owner_client, owner, listed):
    start(owner_client, "xlsx", "status=new")
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, total=4000, done=1000)
    html = owner_client.get(reverse("visitors:export_job", args=[job.pk]), headers=HTMX)
    html = html.content.decode()
    assert "Exporting 1,000 of 4,000 visitors…" in html
    assert 'value="25"' in html and 'hx-trigger="every 1s"' in html
    # Without htmx, a page of its own.
    page = owner_client.get(reverse("visitors:export_job", args=[job.pk]))
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_small_exports_still_download_at_once(owner_client, make_visitor):
    for n in range(5):
        make_visitor(name=f"Few {n}")
    response = start(owner_client, "csv", "status=new")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/visitors/export.csv?")
    assert not ExportJob.objects.exists()
    download = owner_client.get(response["HX-Redirect"])
    rows = list(csv.reader(io.StringIO(body(download).decode("utf-8-sig"))))
    assert len(rows) == 6
    # Without htmx, a redirect to the same download.
    plain = start(owner_client, "xlsx", "status=new", htmx=False)
    assert plain.status_code == 302 and "/visitors/export.xlsx?" in plain["Location"]


def test_a_large_all_matching_link_offers_the_background(owner_client, listed):
    response = owner_client.get(reverse("visitors:export", args=["csv"]) + "?status=new&scope=all")
    html = response.content.decode()
    assert response.status_code == 200 and "Prepare the file" in html
    assert 'value="csv"' in html and not ExportJob.objects.exists()


def test_bad_format_is_a_clear_400(owner_client):
    response = owner_client.post(START, {"fmt": "pdf", "query": ""}, headers=HTMX)
    assert response.status_code == 400


def test_only_the_member_who_asked_sees_it(owner_client, agent, other_owner, listed):
    start(owner_client, "csv", "status=new")
    job = ExportJob.objects.get()
    run_export_job.call(job.pk)
    for email in (agent.user.email, other_owner.user.email):
        client = Client()
        assert client.login(username=email, password=PASSWORD)
        for name in ("export_job", "export_download"):
            assert client.get(reverse(f"visitors:{name}", args=[job.pk])).status_code == 404
        dismiss = client.post(reverse("visitors:export_dismiss", args=[job.pk]))
        assert dismiss.status_code == 404
        assert f"export-{job.pk}" not in client.get(reverse("visitors:exports")).content.decode()
    assert owner_client.get(reverse("visitors:export_download", args=[job.pk])).status_code == 200


def test_expired_exports_and_stray_files_are_swept(owner_client, listed, settings):
    start(owner_client, "csv", "status=new")
    start(owner_client, "xlsx", "status=new")
    old, fresh = ExportJob.objects.order_by("pk")
    for job in (old, fresh):
        run_export_job.call(job.pk)
    stray = background.export_dir() / "999999.csv"
    stray.write_text("left by a member who was removed")
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    # Past its day, the file is no longer served even before the sweep.
    assert owner_client.get(reverse("visitors:export_download", args=[old.pk])).status_code == 404
    old_file = background.export_path(old)
    assert old_file.exists()

    assert sweep_exports.call() == 2
    assert not old_file.exists() and not stray.exists()
    assert list(ExportJob.objects.all()) == [fresh] and background.export_path(fresh).exists()
    # The sweep queues the next one, an hour on.
    (next_sweep,) = DBTaskResult.objects.filter(task_path=sweep_exports.module_path)
    assert next_sweep.run_after > timezone.now() + dt.timedelta(minutes=59)


def test_a_failure_is_reported_not_a_500(owner_client, listed):
    start(owner_client, "csv", "status=new")
    job = ExportJob.objects.get()
    background.export_dir().parent.mkdir(parents=True, exist_ok=True)
    background.export_dir().write_text("a file where the folder should be")
    assert run_export_job.call(job.pk) == ExportState.FAILED
    job.refresh_from_db()
    assert (job.state, job.error) == (ExportState.FAILED, ExportError.FAILED)
    progress = owner_client.get(reverse("visitors:export_job", args=[job.pk]), headers=HTMX)
    assert progress.status_code == 200
    assert "The export could not be finished" in progress.content.decode()
    assert owner_client.get(reverse("visitors:export_download", args=[job.pk])).status_code == 404


def test_too_many_rows_for_excel_offers_csv(owner_client, listed, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 30)
    start(owner_client, "xlsx", "status=new")
    job = ExportJob.objects.get()
    assert run_export_job.call(job.pk) == ExportState.FAILED
    html = owner_client.get(reverse("visitors:export_job", args=[job.pk]), headers=HTMX)
    html = html.content.decode()
    assert "Too many rows for Excel" in html and "These filters match 40 visitors" in html
    assert 'name="fmt" value="csv"' in html


def test_the_workspace_deleted_takes_its_exports(owner, owner_client, listed):
    start(owner_client, "csv", "status=new")
    finished = ExportJob.objects.get()
    run_export_job.call(finished.pk)
    start(owner_client, "csv", "status=new")
    waiting = ExportJob.objects.get(state=ExportState.QUEUED)
    workspace_delete(workspace=owner.workspace, actor=owner.user)
    assert not ExportJob.objects.exists()
    assert not background.export_path(finished).exists()
    # The queued task then finds nothing to do, and says so without failing.
    assert run_export_job.call(waiting.pk) == "gone or taken over"
    assert list(background.export_dir().iterdir()) == []


def test_a_stopped_worker_s_export_is_taken_over(owner_client, listed):
    start(owner_client, "csv", "status=new")
    job = ExportJob.objects.get()
    now = timezone.now()
    # Running elsewhere and reporting: left alone.
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, heartbeat_at=now)
    assert run_export_job.call(job.pk) == "gone or taken over"
    # Silent for longer than STALE: another run starts it again, as a new attempt.
    silent = now - background.STALE - dt.timedelta(seconds=1)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=silent, attempt=1)
    resume_export_jobs()
    assert DBTaskResult.objects.filter(task_path=run_export_job.module_path).exists()
    assert run_export_job.call(job.pk) == ExportState.DONE
    job.refresh_from_db()
    assert (job.attempt, job.done) == (2, 40)
    assert sorted(p.name for p in background.export_dir().iterdir()) == [f"{job.pk}.csv"]
