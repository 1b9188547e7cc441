"""Bulk actions too large for a request run here, in the worker."""

from django.tasks import task

from tertulia.bulk.services import bulk_run


@task()
def run_bulk_job(job_id: int) -> int:
    return bulk_run(job_id=job_id).done
