"""`tertulia migrate`: Django's, then fresh planner statistics on SQLite (`core.sqlite`), since
a migration may add indexes that have none yet, or move many rows."""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from tertulia.core.sqlite import statistics_refresh


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        statistics_refresh(connections[options["database"]])
