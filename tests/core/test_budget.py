"""A query past its time budget is stopped by the database, on both databases, and the
connection stays usable."""

import time

import pytest
from django.db import connection

from tertulia.core.budget import OverBudget, within

SLOW = {
    "postgresql": "SELECT pg_sleep(2)",
    # A recursive count to fifty million: seconds of work for SQLite's virtual machine.
    "sqlite": (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
        "SELECT count(*) FROM n"
    ),
}


@pytest.mark.django_db
def test_a_slow_query_is_stopped_at_its_budget():
    started = time.monotonic()
    with pytest.raises(OverBudget), within(50), connection.cursor() as cursor:
        cursor.execute(SLOW[connection.vendor])
    assert time.monotonic() - started < 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_a_quick_query_answers_and_a_zero_budget_runs_nothing():
    with within(1000), connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
    with pytest.raises(OverBudget), within(0):
        raise AssertionError("not run")


@pytest.mark.django_db
def test_stopped_while_queries_are_logged(settings):
    from django.test.utils import CaptureQueriesContext

    with (
        CaptureQueriesContext(connection),
        pytest.raises(OverBudget),
        within(50),
        connection.cursor() as cursor,
    ):
        cursor.execute(SLOW[connection.vendor])
