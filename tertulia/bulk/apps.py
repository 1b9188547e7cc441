from django.apps import AppConfig


class BulkConfig(AppConfig):
    """Acting on many visitors at once: status, assignment, deletion, in batches; and exports of
    every visitor matching the list, written in the background."""

    name = "tertulia.bulk"
    label = "bulk"

    def ready(self):
        from tertulia.accounts.hooks import on_workspace_deleting
        from tertulia.bulk import audit  # noqa: F401 (words the bulk audit entries)
        from tertulia.bulk.exports import workspace_exports_delete
        from tertulia.bulk.tasks import resume_bulk_jobs, resume_export_jobs, schedule_sweep
        from tertulia.core.worker import on_worker_start

        on_worker_start(resume_bulk_jobs)
        on_worker_start(resume_export_jobs)
        on_worker_start(schedule_sweep)
        on_workspace_deleting(workspace_exports_delete)
