"""Contains-search over `Visitor.search_text` (folded name, e-mail and phone digits) in bounded
time on both databases.

PostgreSQL answers `search_text LIKE '%term%'` from a trigram index (migration 0002). SQLite
has no such index; it keeps an FTS5 table with the trigram tokenizer in step with the visitors
through triggers, which finds the rows holding any text of three characters or more without
reading the others. Shorter terms fall back to reading the rows.
"""

import json

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

FTS = "visitor_search"
TABLE = "visitors_visitor"
TRIGRAM = 3
# Past this many candidates a search reads the list in order instead of by id.
SEARCH_CANDIDATES = 5000

_SQLITE = {
    FTS: (
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, content='{TABLE}', "
        f"content_rowid='id', tokenize='trigram')"
    ),
    "visitor_search_insert": f"""
CREATE TRIGGER visitor_search_insert AFTER INSERT ON {TABLE} BEGIN
  INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END""",
    "visitor_search_delete": f"""
CREATE TRIGGER visitor_search_delete AFTER DELETE ON {TABLE} BEGIN
  INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
END""",
    "visitor_search_update": f"""
CREATE TRIGGER visitor_search_update AFTER UPDATE OF search_text ON {TABLE}
WHEN OLD.search_text IS NOT NEW.search_text BEGIN
  INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
  INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END""",
}


def search_install() -> bool:
    """SQLite: create the search table and its triggers where missing, and fill the table when
    anything was missing (a migration that rebuilt the visitors' table drops its triggers)."""
    if connection.vendor != "sqlite":
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for (name,) in cursor.fetchall()}
        missing = [name for name in _SQLITE if name not in present]
        for name in missing:
            cursor.execute(_SQLITE[name])
        if missing:
            search_rebuild()
    return bool(missing)


def search_rebuild() -> None:
    """Index every visitor's search text again (SQLite)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")


def text_contains(term: str) -> Q:
    """Visitors whose search text contains `term` (already folded: see `text.search_term`).

    SQLite: the index names the candidates first. Up to SEARCH_CANDIDATES of them, the rows
    are read by id; past that the text is common, and reading the list in its own order meets
    matches soon enough."""
    contains = Q(search_text__contains=term)
    if connection.vendor != "sqlite" or len(term) < TRIGRAM:
        return contains
    # A phrase of the term's trigrams; double quotes inside it are doubled.
    phrase = '"' + term.replace('"', '""') + '"'
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s LIMIT %s",
            [phrase, SEARCH_CANDIDATES + 1],
        )
        ids = [rowid for (rowid,) in cursor.fetchall()]
    if len(ids) > SEARCH_CANDIDATES:
        return contains
    # One parameter however many candidates: a list of thousands of numbers costs more to
    # build into every statement than to read.
    return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])) & contains
