"""`tertulia recount`: count every workspace's visitors again and re-index their search text."""

from django.core.management.base import BaseCommand

from tertulia.visitors.counts import counts_install, counts_rebuild
from tertulia.visitors.search import search_install, search_rebuild


class Command(BaseCommand):
    help = "Rebuild the Visitors page's maintained counts (and SQLite's search index)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", type=int, help="Only this workspace's counts.")

    def handle(self, *args, workspace, **options):
        if not counts_install():
            counts_rebuild(workspace_id=workspace)
        if not search_install() and workspace is None:
            search_rebuild()
        self.stdout.write("Counts rebuilt.")
