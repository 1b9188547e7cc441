"""Exports of every visitor matching the list's filters, written to a file by the worker.

Up to IMMEDIATE_MAX rows stream straight to the browser; more make an `ExportJob` that the task
worker writes (CSV or XLSX) under TERTULIA_VAR/exports, reporting `done` of `total` rows as it
goes, so a large export shows progress and no request waits for it (nor trips a proxy's read
timeout). The file is kept for a day, for the member who asked only, then the hourly sweep
deletes it. No audit entry, as for the exports streamed at once.
"""

import contextlib
import logging
import os
import time
import zoneinfo
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation

from tertulia.accounts.models import Member, Workspace
from tertulia.bulk.models import ExportError, ExportFormat, ExportJob, ExportState
from tertulia.core import exports
from tertulia.visitors import selectors
from tertulia.visitors.exports import ExportLabels, export_filename, export_write
from tertulia.visitors.filters import VisitorFilters

logger = logging.getLogger(__name__)

# "Export all matching" up to this many rows streams in the request; more runs in the worker.
IMMEDIATE_MAX = 5_000
KEEP = timedelta(days=1)
# A running export that has not reported for this long is taken over by another run.
STALE = timedelta(seconds=60)
PROGRESS_EVERY = 0.5  # seconds between progress writes
# The newest exports a member sees on the Visitors page.
SHOWN = 5


class _Stopped(Exception):
    """The job was deleted, or another run took it over."""


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def export_dir() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def export_path(job: ExportJob) -> Path:
    return export_dir() / f"{job.pk}.{job.fmt}"


def _part_path(job: ExportJob) -> Path:
    return export_dir() / f"{job.pk}.{job.attempt}.{job.fmt}.part"


def matching(*, workspace: Workspace, member_id: int, query: str) -> QuerySet:
    """The visitors a list's query string shows to a member (dates in the active time zone), in
    the list's order."""
    filters, _errors = VisitorFilters.from_query(QueryDict(query))
    return selectors.visitor_matching(workspace=workspace, filters=filters.seen_by(member_id))


def count_up_to(queryset: QuerySet, limit: int) -> int:
    """How many rows, counting no further than `limit` + 1."""
    return queryset.order_by()[: limit + 1].count()


def export_start(*, member: Member, fmt: str, query: str) -> ExportJob:
    """A job for every visitor matching `query` (the list's query string) as the member sees
    it now, in their language and time zone. Queue it with `run_export_job` once committed."""
    if fmt not in ExportFormat.values:
        raise ValueError(f"Unknown export format {fmt!r}.")
    filters, _errors = VisitorFilters.from_query(QueryDict(query))
    now = timezone.now()
    return ExportJob.objects.create(
        workspace_id=member.workspace_id,
        member=member,
        fmt=fmt,
        query=query,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        time_zone=timezone.get_current_timezone_name(),
        filename=export_filename(filters.status, "all", fmt),
        expires_at=now + KEEP,
    )


def member_exports(*, member: Member) -> list[ExportJob]:
    """The member's newest exports that are still kept, newest first."""
    return list(
        ExportJob.objects.filter(member=member, expires_at__gt=timezone.now()).order_by("-id")[
            :SHOWN
        ]
    )


def member_export(*, member: Member, job_id: int) -> ExportJob:
    """One of the member's own exports; raises ExportJob.DoesNotExist for anyone else's."""
    return ExportJob.objects.get(pk=job_id, member=member, expires_at__gt=timezone.now())


def export_file(job: ExportJob) -> Path | None:
    """The finished file, or None when it is not ready or no longer kept."""
    path = export_path(job)
    if job.state != ExportState.DONE or job.expires_at <= timezone.now() or not path.exists():
        return None
    return path


def export_delete(*, job: ExportJob) -> None:
    """Delete a job and its file (a run still writing it stops at its next progress report)."""
    _remove(export_path(job))
    job.delete()


def export_run(*, job_id: int) -> ExportJob | None:
    """Write a job's file (the worker's task). Returns the job, or None when it is gone or
    another run is writing it. A failure is kept on the job and logged, never raised."""
    job = _claim(job_id)
    if job is None:
        return None
    part = _part_path(job)
    try:
        with translation.override(job.language), timezone.override(_zone(job.time_zone)):
            count = _write(job, part)
        if count is None:
            return ExportJob.objects.filter(pk=job.pk).first()
        os.replace(part, export_path(job))
        now = timezone.now()
        finished = ExportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(
            state=ExportState.DONE,
            done=count,
            total=max(count, job.total),
            size=export_path(job).stat().st_size,
            finished_at=now,
            expires_at=now + KEEP,
        )
        if not finished and not ExportJob.objects.filter(pk=job.pk).exists():
            _remove(export_path(job))
            return None
    except _Stopped:
        _remove(part)
        return None
    except Exception:
        logger.exception("export %s failed", job.pk)
        _remove(part)
        _fail(job, ExportError.FAILED)
    return ExportJob.objects.filter(pk=job.pk).first()


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def _claim(job_id: int) -> ExportJob | None:
    """Start a new attempt of a job that is waiting, or whose run went silent."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .select_related("workspace")
            .filter(pk=job_id)
            .first()
        )
        if job is None:
            logger.info("export %s is gone", job_id)
            return None
        now = timezone.now()
        silent = job.heartbeat_at is None or job.heartbeat_at <= now - STALE
        if not (job.state == ExportState.QUEUED or (job.state == ExportState.RUNNING and silent)):
            return None
        job.attempt += 1
        job.state, job.done, job.heartbeat_at = ExportState.RUNNING, 0, now
        job.save(update_fields=["attempt", "state", "done", "heartbeat_at"])
    return job


def _report(job: ExportJob, **fields) -> None:
    """Progress, as this attempt's: stops the run when the job is gone or taken over."""
    fields["heartbeat_at"] = timezone.now()
    if not ExportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(**fields):
        raise _Stopped


def _write(job: ExportJob, part: Path) -> int | None:
    """Count, then write every row into `part`; None when the job failed instead."""
    queryset = matching(workspace=job.workspace, member_id=job.member_id, query=job.query)
    job.total = queryset.count()
    _report(job, total=job.total)
    if job.fmt == ExportFormat.XLSX and job.total > exports.XLSX_MAX_ROWS:
        _fail(job, ExportError.TOO_MANY_ROWS)
        return None
    labels = ExportLabels.current()
    last = time.monotonic()

    def progress(count: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY:
            last = time.monotonic()
            _report(job, done=count)

    part.parent.mkdir(parents=True, exist_ok=True)
    try:
        with part.open("wb") as handle:
            return export_write(
                job.fmt,
                handle,
                queryset,
                labels,
                workspace_id=job.workspace_id,
                progress=progress,
            )
    except exports.TooManyRows:  # more rows arrived meanwhile than Excel holds
        _remove(part)
        _fail(job, ExportError.TOO_MANY_ROWS)
        return None


def _fail(job: ExportJob, error: str) -> None:
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(
        state=ExportState.FAILED, error=error, finished_at=now, expires_at=now + KEEP
    )


def exports_sweep() -> int:
    """Delete the exports kept long enough, with their files, and any file in the folder no
    export owns (one whose job went with its member or workspace). Returns the files deleted."""
    now = timezone.now()
    expired = ExportJob.objects.filter(expires_at__lte=now)
    ExportJob.objects.filter(pk__in=list(expired.values_list("pk", flat=True)[:10_000])).delete()
    folder = export_dir()
    if not folder.is_dir():
        return 0
    files = {}
    for path in folder.iterdir():
        head = path.name.split(".", 1)[0]
        if head.isdigit() and path.is_file():
            files.setdefault(int(head), []).append(path)
    kept = set(ExportJob.objects.filter(pk__in=list(files)).values_list("pk", flat=True))
    deleted = 0
    for job_id, paths in files.items():
        if job_id not in kept:
            for path in paths:
                _remove(path)
                deleted += 1
    return deleted


def workspace_exports_delete(workspace_id: int) -> None:
    """A workspace about to be deleted: its exports and their files go first."""
    for job in ExportJob.objects.filter(workspace_id=workspace_id):
        export_delete(job=job)
