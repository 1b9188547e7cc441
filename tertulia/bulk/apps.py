from django.apps import AppConfig


class BulkConfig(AppConfig):
    """Acting on many visitors at once: status, assignment, deletion, in batches."""

    name = "tertulia.bulk"
    label = "bulk"

    def ready(self):
        from tertulia.bulk import audit  # noqa: F401 (words the bulk audit entries)
        from tertulia.bulk.tasks import resume_bulk_jobs
        from tertulia.core.worker import on_worker_start

        on_worker_start(resume_bulk_jobs)
