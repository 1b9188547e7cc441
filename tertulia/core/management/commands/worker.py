from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from tertulia.visitors.tasks import schedule_purge


class Command(DatabaseWorker):
    help = "Run background tasks (e-mails, webhooks, the hourly retention sweep) from the queue."

    def handle(self, *args, **options):
        schedule_purge()
        return super().handle(*args, **options)
