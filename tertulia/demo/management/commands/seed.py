import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tertulia.accounts.models import Workspace
from tertulia.core.sqlite import statistics_refresh
from tertulia.demo.account import DEMO_WORKSPACE
from tertulia.demo.seeding import seed_visitors
from tertulia.flows.models import Bot


class Command(BaseCommand):
    help = "Generate realistic visitors with conversations in a workspace (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--visitors", type=int, required=True)
        parser.add_argument("--messages-per-visitor", type=int, default=8)
        parser.add_argument(
            "--workspace",
            default=DEMO_WORKSPACE,
            help="Name of an existing workspace (default: the demo workspace).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for repeatable data.")

    def handle(self, *args, visitors, messages_per_visitor, workspace, seed, **options):
        if visitors < 0 or messages_per_visitor < 1:
            raise CommandError("--visitors must be 0 or more and --messages-per-visitor 1 or more.")
        try:
            space = Workspace.objects.get(name=workspace)
        except Workspace.DoesNotExist:
            raise CommandError(
                f"No workspace named {workspace!r}. Create it with `tertulia createadmin`"
                " (or the demo workspace with `tertulia setupdemo`)."
            ) from None
        bot = Bot.objects.filter(workspace=space).first() or Bot.objects.create(
            workspace=space, name="Website bot"
        )
        started = time.perf_counter()

        def progress(done: int) -> None:
            if done % 10_000 == 0 or done == visitors:
                self.stdout.write(f"  {done:,} visitors ({time.perf_counter() - started:.1f} s)")

        made = seed_visitors(
            workspace=space,
            bot=bot,
            count=visitors,
            messages_per_visitor=messages_per_visitor,
            seed=seed,
            progress=progress,
        )
        statistics_refresh(connection)  # SQLite plans the new rows from fresh statistics
        self.stdout.write(f"Seeded {made:,} visitors in {time.perf_counter() - started:.1f} s.")
