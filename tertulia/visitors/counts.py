"""Maintained counts: how many visitors each status tab, view and country holds, kept by
database triggers so that every write counts, whichever code makes it (a service, a bulk
`update()`, a cascade, the retention purge).

`VisitorCount` has one row per (workspace, test conversation?, status, assignee, waiting?);
`VisitorCountry` one per (workspace, country) for visitors who are not test conversations.

The triggers are (re)installed after every `migrate`: SQLite drops a table's triggers when a
migration rebuilds the table, so they are checked for by name, and whenever one had to be
installed the counts are rebuilt from the visitors. `tertulia recount` rebuilds them by hand.
"""

from django.db import connection, transaction

from tertulia.core import rows
from tertulia.visitors.models import VisitorCount, VisitorCountry

TABLE = "visitors_visitor"
COUNT = "visitors_visitorcount"
COUNTRY = "visitors_visitorcountry"
COUNT_KEY = "workspace_id, is_preview, status, assignee, waiting"

# PostgreSQL: one function per table, fired per row; the UPDATE triggers fire only when a
# counted column changed. Both keys go in one ordered statement, so two transactions lock
# the counter rows in the same order.
_POSTGRESQL = {
    "visitor_counted": f"""
CREATE OR REPLACE FUNCTION visitor_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {COUNT} AS c ({COUNT_KEY}, visitors)
  SELECT * FROM (
    SELECT OLD.workspace_id, OLD.is_preview, OLD.status, COALESCE(OLD.assignee_id, 0),
           OLD.waiting_since IS NOT NULL, -1
     WHERE TG_OP <> 'INSERT'
    UNION ALL
    SELECT NEW.workspace_id, NEW.is_preview, NEW.status, COALESCE(NEW.assignee_id, 0),
           NEW.waiting_since IS NOT NULL, 1
     WHERE TG_OP <> 'DELETE'
  ) AS d ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT ({COUNT_KEY}) DO UPDATE SET visitors = c.visitors + EXCLUDED.visitors;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER visitor_counted AFTER INSERT OR DELETE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION visitor_counted();
CREATE OR REPLACE TRIGGER visitor_counted_update
  AFTER UPDATE OF is_preview, status, assignee_id, waiting_since ON {TABLE}
  FOR EACH ROW WHEN (OLD.is_preview IS DISTINCT FROM NEW.is_preview
    OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
    OR (OLD.waiting_since IS NULL) <> (NEW.waiting_since IS NULL))
  EXECUTE FUNCTION visitor_counted();
""",
    "visitor_country_counted": f"""
CREATE OR REPLACE FUNCTION visitor_country_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {COUNTRY} AS c (workspace_id, country, visitors)
  SELECT * FROM (
    SELECT OLD.workspace_id, OLD.country, -1
     WHERE TG_OP <> 'INSERT' AND NOT OLD.is_preview AND OLD.country <> ''
    UNION ALL
    SELECT NEW.workspace_id, NEW.country, 1
     WHERE TG_OP <> 'DELETE' AND NOT NEW.is_preview AND NEW.country <> ''
  ) AS d ORDER BY 1, 2
  ON CONFLICT (workspace_id, country) DO UPDATE SET visitors = c.visitors + EXCLUDED.visitors;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER visitor_country_counted AFTER INSERT OR DELETE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION visitor_country_counted();
CREATE OR REPLACE TRIGGER visitor_country_counted_update
  AFTER UPDATE OF is_preview, country ON {TABLE}
  FOR EACH ROW WHEN (OLD.is_preview IS DISTINCT FROM NEW.is_preview
    OR OLD.country IS DISTINCT FROM NEW.country)
  EXECUTE FUNCTION visitor_country_counted();
""",
}


def _sqlite_count(row: str, sign: int) -> str:
    """SQLite: add to the counter row of OLD or NEW; a decrement is a plain UPDATE, so a
    counter that is not there (a table being emptied) stays absent rather than negative."""
    key = (
        f"{row}.workspace_id, {row}.is_preview, {row}.status, COALESCE({row}.assignee_id, 0), "
        f"{row}.waiting_since IS NOT NULL"
    )
    if sign < 0:
        return f"UPDATE {COUNT} SET visitors = visitors - 1 WHERE ({COUNT_KEY}) = ({key});"
    return (
        f"INSERT INTO {COUNT} ({COUNT_KEY}, visitors) VALUES ({key}, 1) "
        f"ON CONFLICT ({COUNT_KEY}) DO UPDATE SET visitors = visitors + 1;"
    )


def _sqlite_country(row: str, sign: int) -> str:
    counted = f"NOT {row}.is_preview AND {row}.country <> ''"
    if sign < 0:
        return (
            f"UPDATE {COUNTRY} SET visitors = visitors - 1 WHERE {counted} "
            f"AND (workspace_id, country) = ({row}.workspace_id, {row}.country);"
        )
    return (
        f"INSERT INTO {COUNTRY} (workspace_id, country, visitors) "
        f"SELECT {row}.workspace_id, {row}.country, 1 WHERE {counted} "
        f"ON CONFLICT (workspace_id, country) DO UPDATE SET visitors = visitors + 1;"
    )


_SQLITE = {
    "visitor_counted_insert": f"""
CREATE TRIGGER visitor_counted_insert AFTER INSERT ON {TABLE} BEGIN
  {_sqlite_count("NEW", 1)} {_sqlite_country("NEW", 1)}
END""",
    "visitor_counted_delete": f"""
CREATE TRIGGER visitor_counted_delete AFTER DELETE ON {TABLE} BEGIN
  {_sqlite_count("OLD", -1)} {_sqlite_country("OLD", -1)}
END""",
    "visitor_counted_update": f"""
CREATE TRIGGER visitor_counted_update
AFTER UPDATE OF is_preview, status, assignee_id, waiting_since ON {TABLE}
WHEN OLD.is_preview IS NOT NEW.is_preview OR OLD.status IS NOT NEW.status
  OR COALESCE(OLD.assignee_id, 0) <> COALESCE(NEW.assignee_id, 0)
  OR (OLD.waiting_since IS NULL) <> (NEW.waiting_since IS NULL)
BEGIN
  {_sqlite_count("OLD", -1)} {_sqlite_count("NEW", 1)}
END""",
    "visitor_country_counted_update": f"""
CREATE TRIGGER visitor_country_counted_update AFTER UPDATE OF is_preview, country ON {TABLE}
WHEN OLD.is_preview IS NOT NEW.is_preview OR OLD.country IS NOT NEW.country
BEGIN
  {_sqlite_country("OLD", -1)} {_sqlite_country("NEW", 1)}
END""",
}


def _installed(cursor, names) -> set[str]:
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [TABLE],
        )
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {name for (name,) in cursor.fetchall()} & set(names)


def counts_install() -> bool:
    """Install the triggers that are missing; True if any was (the counts are then rebuilt)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Each script installs a function and its two triggers.
            wanted = {"visitor_counted", "visitor_country_counted"}
            present = _installed(cursor, {*wanted, *(f"{n}_update" for n in wanted)})
            missing = [n for n in wanted if not {n, f"{n}_update"} <= present]
            for name in missing:
                cursor.execute(_POSTGRESQL[name])
        else:
            missing = [n for n in _SQLITE if n not in _installed(cursor, _SQLITE)]
            for name in missing:
                cursor.execute(_SQLITE[name])
        if missing:
            counts_rebuild()
    return bool(missing)


def counts_rebuild(*, workspace_id: int | None = None) -> None:
    """Count the visitors again (of one workspace, or all). Concurrent writes are safe: the
    old rows are deleted first, so a write that waited on them adds to the new ones."""
    where, params = ("workspace_id = %s", [workspace_id]) if workspace_id else ("1 = 1", [])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {COUNT} WHERE {where}", params)
        cursor.execute(f"DELETE FROM {COUNTRY} WHERE {where}", params)
        cursor.execute(
            f"INSERT INTO {COUNT} ({COUNT_KEY}, visitors) "
            f"SELECT workspace_id, is_preview, status, COALESCE(assignee_id, 0), "
            f"waiting_since IS NOT NULL, COUNT(*) FROM {TABLE} WHERE {where} "
            f"GROUP BY 1, 2, 3, 4, 5 "
            f"ON CONFLICT ({COUNT_KEY}) DO UPDATE SET visitors = "
            f"{COUNT}.visitors + excluded.visitors",
            params,
        )
        cursor.execute(
            f"INSERT INTO {COUNTRY} (workspace_id, country, visitors) "
            f"SELECT workspace_id, country, COUNT(*) FROM {TABLE} "
            f"WHERE {where} AND NOT is_preview AND country <> '' GROUP BY 1, 2 "
            f"ON CONFLICT (workspace_id, country) DO UPDATE SET visitors = "
            f"{COUNTRY}.visitors + excluded.visitors",
            params,
        )


def counted(*, workspace_id: int, preview: bool) -> list[tuple[str, int, bool, int]]:
    """A workspace's maintained counts, of its test conversations or of the others: (status,
    assignee id or 0, waiting, visitors) rows, a few whatever its size."""
    return _counted[preview](workspace_id)


def countries(*, workspace_id: int) -> list[str]:
    """The country codes of a workspace's visitors who are not test conversations."""
    return _countries(workspace_id)


# Read by every Visitors page: statements compiled once (`core.rows.Select`).
_counted = {
    preview: rows.Select(
        lambda pk, preview=preview: VisitorCount.objects.filter(
            workspace_id=pk, is_preview=preview
        ).values_list("status", "assignee", "waiting", "visitors")
    )
    for preview in (False, True)
}
_countries = rows.Select(
    lambda pk: (
        VisitorCountry.objects.filter(workspace_id=pk, visitors__gt=0)
        .values_list("country", flat=True)
        .order_by("country")
    )
)
