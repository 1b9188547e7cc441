"""Bulk actions too large for a request run here, in the worker."""

from django.tasks import task

from tertulia.bulk.models import BulkJob, BulkState
from tertulia.bulk.services import bulk_run


@task()
def run_bulk_job(job_id: int) -> int:
    return bulk_run(job_id=job_id).done


def resume_bulk_jobs() -> None:
    """Queue again the jobs a stopped worker left half done (each worker calls this when it
    starts). A job run twice at once is safe: its batches take turns on the job's row and go on
    from where the other left off."""
    for job_id in BulkJob.objects.filter(state=BulkState.RUNNING).values_list("pk", flat=True):
        run_bulk_job.enqueue(job_id)
