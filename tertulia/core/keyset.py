"""Reading every row of a large queryset in its own order, a batch at a time (keyset).

Each batch is a short query that starts just after the last row of the batch before it, on the
index that serves the ordering, so no cursor stays open and no database snapshot is held for the
whole read (on SQLite a long read keeps the write-ahead log from being checkpointed), and memory
holds one batch. Rows changed between batches are read as they are then: an export of a list
that changes while it is read is as of roughly when it was read.
"""

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections
from django.db.models import F, OrderBy, Q, QuerySet

# SQLite's page cache while a batch is read: 2,000 KiB (see `_read_once`).
READ_ONCE_CACHE = -2000


@dataclass(frozen=True)
class _Key:
    name: str
    descending: bool
    nullable: bool
    # Whether NULLs come after every value (None when the column cannot be NULL).
    nulls_after: bool | None

    def beyond(self, value, *, inclusive: bool = False) -> Q:
        lookup = ("lt" if self.descending else "gt") + ("e" if inclusive else "")
        return Q(**{f"{self.name}__{lookup}": value})


def _keys(queryset: QuerySet) -> list[_Key] | None:
    """The ordering as keys, when it is one or two plain fields ending with the primary key
    (what a keyset can follow); None otherwise."""
    meta = queryset.model._meta
    nulls_largest = connections[queryset.db].vendor in {"postgresql", "oracle"}
    keys = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            item = F(item[1:]).desc() if item.startswith("-") else F(item).asc()
        if not isinstance(item, OrderBy) or not isinstance(item.expression, F):
            return None
        name = item.expression.name
        if name == "pk":
            name = meta.pk.name
        if "__" in name:
            return None
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:  # an annotation, say: no keyset
            return None
        nulls_after = None
        if field.null:
            if item.nulls_first or item.nulls_last:
                nulls_after = bool(item.nulls_last)
            else:
                nulls_after = nulls_largest != item.descending
        keys.append(_Key(name, item.descending, field.null, nulls_after))
    if not 1 <= len(keys) <= 2 or keys[-1].name != meta.pk.name:
        return None
    return keys


def keyset_values(
    queryset: QuerySet,
    fields: Sequence[str],
    *,
    batch: int = 2_000,
    raw: bool = False,
    ahead: bool = False,
) -> Iterator[tuple]:
    """The rows of `queryset` as tuples of `fields`, in the queryset's order, `batch` at a time.

    The order must be one field and the primary key, or the primary key alone; a column that
    may be NULL is read in two runs, its values then its NULLs (or the other way round, as the
    database orders them). Any other ordering is read with one cursor instead.

    `raw`: the values as the database driver returns them, without Django's conversions (on
    SQLite a datetime is then naive, in UTC, and a boolean 0 or 1), which costs a third less.
    `ahead`: read the next batch on a connection of its own while this one is used (outside a
    transaction only: another connection would not see its changes)."""
    keys = _keys(queryset)
    if keys is None:
        yield from queryset.values_list(*fields).iterator(chunk_size=batch)
        return
    batches = _batches(queryset, keys, fields, batch=batch, raw=raw)
    if ahead and not connections[queryset.db].in_atomic_block:
        batches = _ahead(batches)
    width = len(fields)
    for rows in batches:
        for row in rows:
            yield row if len(row) == width else row[:width]


def _batches(
    queryset: QuerySet, keys: list[_Key], fields: Sequence[str], *, batch: int, raw: bool
) -> Iterator[list[tuple]]:
    names = list(fields) + [k.name for k in keys if k.name not in fields]
    positions = [names.index(k.name) for k in keys]
    first, pk = keys[0], keys[-1]
    if len(keys) == 1:
        runs = [(queryset, [pk])]
    elif not first.nullable:
        runs = [(queryset, keys)]
    else:
        values = (queryset.filter(**{f"{first.name}__isnull": False}), keys)
        nulls = (queryset.filter(**{f"{first.name}__isnull": True}), [pk])
        runs = [values, nulls] if first.nulls_after else [nulls, values]
    for run, run_keys in runs:
        at = [positions[keys.index(key)] for key in run_keys]
        last = None
        while True:
            page = run if last is None else run.filter(_after(run_keys, [last[i] for i in at]))
            rows, last = _fetch(page.values_list(*names)[:batch], raw=raw)
            if rows:
                yield rows
            if len(rows) < batch:
                break


def _ahead(batches: Iterator[list]) -> Iterator[list]:
    """`batches` advanced one step ahead in a thread of its own (with its own database
    connection), so the database reads the next batch while this one is written: the driver
    lets go of the GIL while it waits for the database."""
    with ThreadPoolExecutor(1, thread_name_prefix="keyset") as reader:
        pending = reader.submit(next, batches, None)
        try:
            while (rows := pending.result()) is not None:
                pending = reader.submit(next, batches, None)
                yield rows
        finally:
            wait([pending])
            reader.submit(batches.close).result()
            reader.submit(connections.close_all).result()


def _after(keys: list[_Key], values: list) -> Q:
    """Rows after `values` in the order of `keys`: a range on the first key (so the index is
    entered there), then the tie broken by the primary key."""
    if len(keys) == 1:
        return keys[0].beyond(values[0])
    first, pk = keys
    return first.beyond(values[0], inclusive=True) & (
        first.beyond(values[0]) | pk.beyond(values[1])
    )


@contextmanager
def _read_once(connection):
    """On SQLite, a small page cache while rows that are read once are read.

    The database file's pages beyond `mmap_size` go through the connection's page cache
    (`cache_size`, 64 MB in settings): a read of a whole tab fills it, and the process's memory
    grows by as much, for pages no one reads again. A small cache keeps memory flat and costs
    nothing (it is even slightly faster); the connection's own size comes back afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        size = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size={READ_ONCE_CACHE}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size={size}")


def _fetch(queryset: QuerySet, *, raw: bool) -> tuple[list[tuple], tuple | None]:
    """The rows, and the last one converted by Django (the next batch starts after it)."""
    connection = connections[queryset.db]
    if not raw:
        with _read_once(connection):
            rows = list(queryset)
        return rows, rows[-1] if rows else None
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return [], None
    with _read_once(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return rows, None
    converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
    return rows, next(iter(compiler.apply_converters(rows[-1:], converters)))
