from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from tertulia.core.worker import worker_started


class Command(DatabaseWorker):
    help = "Run background tasks (e-mails, webhooks, the hourly retention sweep) from the queue."

    def handle(self, *args, **options):
        worker_started()
        return super().handle(*args, **options)
