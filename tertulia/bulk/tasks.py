"""Bulk actions too large for a request, and large exports, run here, in the worker."""

from datetime import timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tertulia.bulk.exports import STALE, export_run, exports_sweep
from tertulia.bulk.models import BulkJob, BulkState, ExportJob, ExportState
from tertulia.bulk.services import bulk_run

SWEEP_EVERY = timedelta(hours=1)


@task()
def run_bulk_job(job_id: int) -> int:
    return bulk_run(job_id=job_id).done


def resume_bulk_jobs() -> None:
    """Queue again the jobs a stopped worker left half done (each worker calls this when it
    starts). A job run twice at once is safe: its batches take turns on the job's row and go on
    from where the other left off."""
    for job_id in BulkJob.objects.filter(state=BulkState.RUNNING).values_list("pk", flat=True):
        run_bulk_job.enqueue(job_id)


@task()
def run_export_job(job_id: int) -> str:
    """Write an export's file; what became of it, for the task's record."""
    job = export_run(job_id=job_id)
    return "gone or taken over" if job is None else job.state


def resume_export_jobs() -> None:
    """Queue again the exports a stopped worker left waiting or half written (each worker calls
    this when it starts). One still running elsewhere is tried once it has been silent for
    STALE; until then a second run leaves it alone."""
    now = timezone.now()
    working = ExportJob.objects.filter(state__in=[ExportState.QUEUED, ExportState.RUNNING])
    for job_id, heartbeat in working.values_list("pk", "heartbeat_at"):
        when = now if heartbeat is None else max(now, heartbeat + STALE + timedelta(seconds=1))
        run_export_job.using(run_after=when).enqueue(job_id)


@task()
def sweep_exports() -> int:
    """Delete exports kept for a day, then queue the next sweep."""
    deleted = exports_sweep()
    schedule_sweep(after=SWEEP_EVERY)
    return deleted


def schedule_sweep(*, after: timedelta = timedelta(0)) -> None:
    """Queue a sweep unless one is already waiting (each worker calls this when it starts)."""
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=sweep_exports.module_path
    )
    if not waiting.exists():
        sweep_exports.using(run_after=timezone.now() + after).enqueue()
