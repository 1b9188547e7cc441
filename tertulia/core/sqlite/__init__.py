"""SQLite's query planner statistics: the backend in `base` refreshes what a closing connection
used; `statistics_refresh` analyzes every table (after `migrate`, and after `seed`)."""

ANALYSIS_LIMIT = 1000  # rows of each index ANALYZE samples (SQLite suggests 100 to 1000)


def statistics_refresh(connection) -> None:
    """ANALYZE every table (bounded by ANALYSIS_LIMIT), on SQLite; nothing elsewhere
    (PostgreSQL's autovacuum keeps its own statistics)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
