"""Django's SQLite backend, keeping the query planner's statistics fresh (settings: ENGINE
"tertulia.core.sqlite").

SQLite plans queries from the statistics ANALYZE writes to `sqlite_stat1`; without them, or with
ones from when a table was a hundred times smaller, it guesses, and some of our plans were 25x
slower. SQLite's advice for short-lived connections (ours: one per request, and one per database
call of a socket) is `PRAGMA optimize` as each one closes. SQLite 3.40 (Debian 12's) analyzes
then only the tables this connection's queries used whose statistics are missing or out of date,
and nothing otherwise (a few microseconds); `analysis_limit` bounds each ANALYZE to a sample of
each index. `statistics_refresh` analyzes every table at once (after `migrate` and `seed`).

The masks of `PRAGMA optimize` that look beyond the tables a connection used (0x10000) need
SQLite 3.46; on older versions they are ignored, which is why the connection's own queries
decide.
"""

import sqlite3
from contextlib import suppress

from django.db.backends.sqlite3 import base

from tertulia.core.sqlite import ANALYSIS_LIMIT

CLOSING_BUSY_MS = 50  # a closing connection never waits longer for another's write lock


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None and not self.connection.in_transaction:
            # Busy, or read-only: the next connection to close tries again.
            with suppress(sqlite3.Error):
                self.connection.execute(f"PRAGMA busy_timeout = {CLOSING_BUSY_MS}")
                self.connection.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
                self.connection.execute("PRAGMA optimize")
        return super()._close()
