"""The benchmarks' workspace: migrated, collected, seeded up to a number of visitors once, with
the planner statistics fresh. Call after `django.setup()`."""

import time

OWNER_PASSWORD = "bench-password-1"


def owner_email(name: str) -> str:
    """ "Bench" is owned by bench@tertulia.test, "Bench 10k" by bench-10k@tertulia.test."""
    from django.utils.text import slugify

    return f"{slugify(name)}@tertulia.test"


def ensure_workspace(name: str, visitors: int, messages: int = 10):
    """The workspace `name` with at least `visitors` seeded visitors (`messages` each)."""
    from django.core.management import call_command
    from django.db import connection

    from tertulia.accounts.models import Workspace
    from tertulia.accounts.services import workspace_create_with_owner
    from tertulia.visitors.models import Visitor

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # what changed since
    workspace = Workspace.objects.filter(name=name).first()
    if workspace is None:
        member = workspace_create_with_owner(
            workspace_name=name, email=owner_email(name), password=OWNER_PASSWORD
        )
        workspace = member.workspace
    have = Visitor.objects.filter(workspace=workspace).count()
    if have < visitors:
        started = time.perf_counter()
        call_command(
            "seed",
            visitors=visitors - have,
            messages_per_visitor=messages,
            workspace=name,
            seed=have + 7,
        )
        print(f"seeded {visitors - have:,} visitors in {time.perf_counter() - started:.1f} s")
        # What autovacuum does in production: fresh statistics and a visibility map.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return workspace
