"""SQLite's planner statistics (`sqlite_stat1`) fill in when a connection that used a table
closes, and for every table after `migrate` and `seed`; PostgreSQL keeps its own (autovacuum)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from tertulia.core.sqlite import statistics_refresh
from tertulia.visitors.models import Visitor

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's statistics; PostgreSQL's autovacuum keeps its own",
)


def analyzed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def forget_statistics() -> None:
    connection.close()
    with connection.cursor() as cursor:  # a connection that uses no table of ours
        cursor.execute("DELETE FROM sqlite_stat1")
    connection.close()


@pytest.fixture
def many_visitors(transactional_db, make_visitor):
    for number in range(30):
        make_visitor(name=f"Visitor {number}")
    forget_statistics()
    assert Visitor._meta.db_table not in analyzed_tables()


def test_a_closing_connection_analyzes_the_tables_it_used(many_visitors, workspace):
    connection.close()
    assert list(Visitor.objects.filter(workspace=workspace, status="new")[:5])  # an index
    connection.close()
    assert Visitor._meta.db_table in analyzed_tables()


def test_a_closing_connection_inside_a_transaction_leaves_them(many_visitors, workspace):
    from django.db import transaction

    with transaction.atomic():
        list(Visitor.objects.filter(workspace=workspace, status="new")[:5])
        connection.close()  # closed in a transaction: rolled back, nothing analyzed
    connection.close()
    assert Visitor._meta.db_table not in analyzed_tables()


def test_migrate_analyzes_every_table(many_visitors):
    call_command("migrate", verbosity=0)
    assert Visitor._meta.db_table in analyzed_tables()


def test_statistics_refresh_does_it_on_demand(many_visitors):
    statistics_refresh(connection)
    assert Visitor._meta.db_table in analyzed_tables()


def test_seed_analyzes_every_table(transactional_db, workspace, bot):
    forget_statistics()
    quiet = io.StringIO()
    call_command(
        "seed", visitors=30, messages_per_visitor=2, workspace=workspace.name, stdout=quiet
    )
    assert {Visitor._meta.db_table, "conversations_message"} <= analyzed_tables()
