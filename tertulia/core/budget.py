"""A time budget for a query whose answer is nice to have (a count under filters): past the
budget the database stops it, and the caller shows something else instead of making the page
wait."""

import sqlite3
import time
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction


class OverBudget(Exception):
    """The query did not finish within its budget and was stopped."""


@contextmanager
def within(milliseconds: int):
    """Run the block's queries with a deadline; raises OverBudget when the database stopped
    one. PostgreSQL: a statement timeout for this transaction only. SQLite: a progress
    handler that interrupts the statement once the deadline has passed. A budget of 0 runs
    nothing."""
    if milliseconds <= 0:
        raise OverBudget
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")
                yield
        except DatabaseError as error:
            if getattr(error.__cause__, "sqlstate", "") == "57014":  # query_canceled
                raise OverBudget from error
            raise
        return
    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + milliseconds / 1000
    interrupted = []

    def interrupt() -> bool:
        # Once: what runs after the stop (Django's debug log of the statement) runs unhindered.
        if not interrupted and time.monotonic() > deadline:
            interrupted.append(True)
            return True
        return False

    raw.set_progress_handler(interrupt, 1000)
    try:
        yield
    except (DatabaseError, sqlite3.OperationalError) as error:
        if interrupted:
            raise OverBudget from error
        raise
    finally:
        raw.set_progress_handler(None, 0)
