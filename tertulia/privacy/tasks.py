"""The retention sweep: every hour, visitors archived longer than their workspace keeps them go."""

from datetime import timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tertulia.privacy.services import visitors_purge_expired

SWEEP_EVERY = timedelta(hours=1)


@task()
def purge_expired_visitors() -> int:
    """Delete expired archived visitors, then queue the next sweep."""
    deleted = visitors_purge_expired()
    schedule_purge(after=SWEEP_EVERY)
    return deleted


def schedule_purge(*, after: timedelta = timedelta(0)) -> None:
    """Queue a sweep unless one is already waiting (each worker calls this when it starts)."""
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=purge_expired_visitors.module_path
    )
    if not waiting.exists():
        purge_expired_visitors.using(run_after=timezone.now() + after).enqueue()
