"""A row read or locked, a few rows inserted, a row updated: in plain SQL, for the writes every
visitor's message makes (`conversations.services.VisitorChanges`) and the reads every request
makes (its session and its user: `core.sessions`, `accounts.backends`); and the rows of a few
querysets of a fixed shape that pages read on every request (`Select`: a user's memberships, a
workspace's members, its maintained counts and countries).

The ORM builds a statement anew each time (a queryset, a query, a compiler), about 0.4 ms of
CPU for each of these three, several times what the database takes. Here a statement is built
once per shape and kept; the values still go through the fields themselves
(`get_db_prep_save`) and what is read through the database's and the fields' converters, so a
date, a boolean or a JSON value reaches either database, and comes back, as the ORM's own.

On PostgreSQL these statements send their values apart from their text (server-side binding),
so the same text comes every time: where connections last (psycopg's pool, `prepare_threshold`
in the settings) PostgreSQL parses and plans each once per connection instead of for every
message: about a third less of its CPU per visitor text. Without the pool (behind PgBouncer)
nothing is prepared. The ORM's own queries keep Django's client-side binding.
"""

import functools
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    RelatedPopulator,
    ValuesListIterable,
)
from django.db.transaction import TransactionManagementError

# Per connection (the converters belong to it):
# {(model, locked): (sql, attribute names, converters)}.
_selects: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def get(model: type[Model], pk: object) -> Model:
    """The row `pk` of `model`, as `model.objects.get(pk=pk)` reads it. Raises
    `model.DoesNotExist` when it is not there."""
    return _read(model, pk, router.db_for_read(model), lock=False)


def locked(model: type[Model], pk: int) -> Model:
    """The row `pk` of `model`, locked until the transaction ends (SELECT ... FOR UPDATE where
    the database has it; SQLite's writer holds the whole database anyway). Raises
    `model.DoesNotExist` when it is not there."""
    alias = router.db_for_write(model)
    if connections[alias].get_autocommit():
        raise TransactionManagementError(
            "Lock a row inside a transaction: outside one, the lock ends at once."
        )
    return _read(model, pk, alias, lock=True)


def _cursor(connection):
    """A cursor of `connection` as Django gives it (errors translated, queries logged when
    they are), binding values on the server on PostgreSQL (see above)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    # As `connection.cursor()` does, with psycopg's server-side binding cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(connection.Database.Cursor(connection.connection))


def _read(model: type[Model], pk: object, alias: str, *, lock: bool) -> Model:
    connection = connections[alias]
    sql, attnames, converters = _select(connection, model, lock)
    with _cursor(connection) as cursor:
        cursor.execute(sql, [model._meta.pk.get_db_prep_value(pk, connection)])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"{model._meta.object_name} {pk} does not exist.")
    if converters:
        row = list(row)
        for index, functions, expression in converters:
            for convert in functions:
                row[index] = convert(row[index], expression, connection)
    return model.from_db(alias, attnames, row)


@dataclass(frozen=True)
class Update:
    """An UPDATE of the row `pk` of `model`: the fields of `values` set, the counters of `add`
    added to."""

    model: type[Model]
    pk: int
    values: Mapping[str, object]
    add: Mapping[str, int]

    def statement(self, connection) -> tuple[str, list] | None:
        """Its SQL and parameters, or None when it changes nothing."""
        if not self.values and not self.add:
            return None
        meta = self.model._meta
        set_fields = [meta.get_field(name) for name in self.values]
        added = [meta.get_field(name) for name in self.add]
        sql = _update_sql(
            self.model, tuple(f.column for f in set_fields), tuple(f.column for f in added)
        )
        params = [f.get_db_prep_save(self.values[f.name], connection) for f in set_fields]
        return sql, [*params, *(self.add[f.name] for f in added), self.pk]


def update(
    model: type[Model], pk: int, *, values: Mapping[str, object], add: Mapping[str, int]
) -> int:
    """UPDATE the row `pk`: the fields of `values` set, the counters of `add` added to. The
    number of rows changed (0 when it is gone)."""
    connection = connections[router.db_for_write(model)]
    statement = Update(model, pk, values, add).statement(connection)
    if statement is None:
        return 0
    with _cursor(connection) as cursor:
        cursor.execute(*statement)
        return cursor.rowcount


def insert(objs: Sequence[Model], *, then: Update | None = None) -> None:
    """INSERT `objs` (of one model, none saved yet) in one statement and set their ids; then
    the UPDATE `then`, which PostgreSQL runs in the same statement (a data-modifying WITH: one
    round trip fewer for every message a visitor sends)."""
    if not objs:
        if then is not None:
            update(then.model, then.pk, values=then.values, add=then.add)
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    fields = _inserted_fields(model)
    values = [field.pre_save(obj, True) for obj in objs for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        model._base_manager.bulk_create(objs)  # a database default or an expression: the ORM's
        if then is not None:
            update(then.model, then.pk, values=then.values, add=then.add)
        return
    sql = _insert_sql(model, len(objs))
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields * len(objs), values, strict=True)
    ]
    after = then.statement(connection) if then is not None else None
    if after is not None and connection.vendor == "postgresql":
        sql, params, after = f"WITH updated AS ({after[0]}) {sql}", [*after[1], *params], None
    with _cursor(connection) as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
        if after is not None:
            cursor.execute(*after)
    pk = model._meta.pk
    for obj, (value,) in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, value)
        obj._state.adding = False
        obj._state.db = connection.alias


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'  # both databases quote names this way


@functools.cache
def _inserted_fields(model: type[Model]) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


@functools.cache
def _insert_sql(model: type[Model], rows: int) -> str:
    fields = _inserted_fields(model)
    columns = ", ".join(_quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table, pk = _quote(model._meta.db_table), _quote(model._meta.pk.column)
    # Names from the model and placeholders only: every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * rows)} RETURNING {pk}"  # noqa: S608


@functools.cache
def _update_sql(model: type[Model], set_columns: tuple, added_columns: tuple) -> str:
    assignments = [f"{_quote(column)} = %s" for column in set_columns]
    assignments += [f"{_quote(column)} = {_quote(column)} + %s" for column in added_columns]
    table, pk = _quote(model._meta.db_table), _quote(model._meta.pk.column)
    return f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk} = %s"  # noqa: S608


def _select(connection, model: type[Model], lock: bool) -> tuple[str, list[str], list]:
    """The ORM's own SELECT (... FOR UPDATE when `lock`) of one row by primary key, compiled once
    for this connection: (sql, the fields' attribute names, [(column index, converters,
    expression)])."""
    kept = _selects.setdefault(connection, {})
    if (model, lock) not in kept:
        rows = model._base_manager.all()
        some_key = model._meta.pk.to_python("1")
        query = (rows.select_for_update() if lock else rows).filter(pk=some_key).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if list(params) != [some_key]:  # the one parameter is the primary key
            raise AssertionError(f"Unexpected parameters for {model.__name__}: {params}")
        columns = [column for column, _sql, _alias in compiler.select]
        converters = [
            (index, functions, expression)
            for index, (functions, expression) in compiler.get_converters(columns).items()
        ]
        kept[model, lock] = (sql, [column.target.attname for column in columns], converters)
    return kept[model, lock]


# What a `Select`'s key is while its statement is compiled: a value no query holds otherwise.
_KEY = 9_007_199_254_740_881


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple  # where the key goes among the parameters
    converters: list
    kind: type
    model: type[Model] | None = None
    start: int = 0
    end: int = 0
    attnames: tuple = ()
    populators: tuple = ()
    fetch_mode: object = None


class Select:
    """The rows of a queryset whose shape never changes and whose one varying value is a key (a
    user's id, a workspace's id): `build(key)` makes the queryset, once, and its statement is
    compiled once per connection; each call runs it with its key and makes the rows into what
    the queryset itself would give (instances with the relations of its `select_related`, or
    the values of a `values_list`), through the same converters."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, key: int) -> list:
        queryset = self._queryset
        alias = router.db_for_read(queryset.model)
        connection = connections[alias]
        compiled = self._compiled.get(connection) or self._compile(connection)
        params = list(compiled.params)
        for slot in compiled.slots:
            params[slot] = key
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchall()
        if compiled.converters:
            found = [list(row) for row in found]
            for row in found:
                for index, functions, expression in compiled.converters:
                    for convert in functions:
                        row[index] = convert(row[index], expression, connection)
        if compiled.kind is FlatValuesListIterable:
            return [row[0] for row in found]
        if compiled.kind is ValuesListIterable:
            return [tuple(row) for row in found]
        made = []
        for row in found:
            obj = compiled.model.from_db(
                alias,
                compiled.attnames,
                row[compiled.start : compiled.end],
                fetch_mode=compiled.fetch_mode,
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            made.append(obj)
        return made

    @functools.cached_property
    def _queryset(self) -> QuerySet:
        queryset = self.build(_KEY)
        kind = queryset._iterable_class
        if kind not in (ModelIterable, FlatValuesListIterable, ValuesListIterable) or (
            queryset._known_related_objects
        ):
            raise TypeError("A Select gives model instances or a values_list's values.")
        return queryset

    def _compile(self, connection) -> _Compiled:
        queryset = self._queryset
        compiler = queryset.query.chain().get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = tuple(index for index, value in enumerate(params) if value == _KEY)
        if not slots:
            raise AssertionError(f"The key is not among the parameters: {params}")
        columns = [column for column, _sql, _alias in compiler.select]
        converters = [
            (index, functions, expression)
            for index, (functions, expression) in compiler.get_converters(columns).items()
        ]
        kind = queryset._iterable_class
        compiled = _Compiled(sql, tuple(params), slots, converters, kind)
        if kind is ModelIterable:
            info, select = compiler.klass_info, compiler.select
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            fetch_mode = queryset._fetch_mode
            compiled = _Compiled(
                sql,
                tuple(params),
                slots,
                converters,
                kind,
                model=info["model"],
                start=start,
                end=end,
                attnames=tuple(column[0].target.attname for column in select[start:end]),
                populators=tuple(
                    RelatedPopulator(related, select, connection.alias, fetch_mode)
                    for related in info.get("related_klass_infos", [])
                ),
                fetch_mode=fetch_mode,
            )
        self._compiled[connection] = compiled
        return compiled
