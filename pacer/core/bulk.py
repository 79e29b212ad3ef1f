"""Fast bulk writes that Django's ORM does slowly.

Django's ``bulk_update`` builds a ``CASE WHEN`` per field and row (seconds per thousand
rows) and ``bulk_create`` builds a model instance and prepares every value through
several layers; these send the same values with one prepared statement and
``executemany``.
"""

import gc
import itertools
import operator
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import orjson
from django.db import connection, connections, transaction
from django.db.models.base import ModelState
from django.utils import timezone

PLAIN_TYPES = {
    "CharField",
    "TextField",
    "BigAutoField",
    "AutoField",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "BooleanField",
}


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Hold Python's cyclic garbage collector while a batch builds hundreds of thousands
    of rows in memory: each of its passes walks every live object, which costs a third
    of a large import's time and frees nothing (rows and instances hold no cycles).
    Memory is still freed by reference counting; collection resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _sqlite_datetime(value):
    # What Django's SQLite backend stores for an aware datetime under USE_TZ: naive UTC text.
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def _same(value):
    return value


def _adapter(field) -> Callable:
    """Turn a Python value of ``field`` (a related object or its id for a relation)
    into what the database driver takes."""
    if field.is_relation:
        return lambda value: value.pk if hasattr(value, "pk") else value
    internal = field.get_internal_type()
    if internal in PLAIN_TYPES:
        return _same
    if internal == "DateTimeField":
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        return connection.ops.adapt_datetimefield_value
    if internal == "JSONField":
        return lambda value: orjson.dumps(value).decode()
    return lambda value: field.get_db_prep_save(value, connection)


def _prepared(model, fields: list[str]) -> tuple[str, list[str], list[Callable]]:
    concrete = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return table, [quote(f.column) for f in concrete], [_adapter(f) for f in concrete]


def _value(obj, name: str, attname: str):
    """What to write for a field: a related object assigned since its id was set (its id
    may have been given only by a later insert), else the attribute."""
    related = obj._state.fields_cache.get(name)
    return related if related is not None else getattr(obj, attname)


def _executemany(cursor, sql: str, rows: Sequence[Sequence]) -> None:
    """``cursor.executemany(sql, rows)``. On SQLite, while nothing watches the queries (no
    execute wrapper, no query log), the rows go straight to the driver's cursor: Django's
    SQLite cursor first passes them through an iterator ``tee`` to peek at the first,
    which costs a tenth of a large import's time."""
    if (
        connection.vendor == "sqlite"
        and not connection.execute_wrappers
        and not connection.queries_logged
    ):
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            sqlite3.Cursor.executemany(cursor.cursor, sql.replace("%s", "?"), rows)
        return
    cursor.executemany(sql, rows)


def update_rows(model, objects: list, fields: list[str]) -> None:
    """``UPDATE ... SET fields WHERE id = ?`` for each object, in bulk (``update_values``)."""
    if not objects:
        return
    _, _, adapters = _prepared(model, fields)
    attnames = [model._meta.get_field(name).attname for name in fields]
    rows = []
    for obj in objects:
        values = [
            adapt(_value(obj, name, attname))
            for name, attname, adapt in zip(fields, attnames, adapters, strict=True)
        ]
        values.append(obj.pk)
        rows.append(values)
    update_values(model, fields, rows)


def update_values(model, fields: list[str], rows: list[Sequence]) -> None:
    """Set ``fields`` of each row given as ``(*values, id)``, values as the driver takes them.

    SQLite runs one prepared ``UPDATE`` per row (``executemany`` stays in C); PostgreSQL
    would answer each of those separately, so the rows are copied (``COPY``, formatted in
    C) into a temporary table and applied with one ``UPDATE ... FROM``.
    """
    if not rows:
        return
    table, columns, _ = _prepared(model, fields)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{c} = %s" for c in columns)
            _executemany(cursor, f"UPDATE {table} SET {sets} WHERE id = %s", rows)
            return
        types = [model._meta.get_field(name).db_type(connection) for name in fields]
        names = [f"v{i}" for i in range(len(columns))]
        sets = ", ".join(f"{c} = v.{n}" for c, n in zip(columns, names, strict=True))
        cursor.execute("DROP TABLE IF EXISTS pacer_update_rows")
        cursor.execute(
            "CREATE TEMP TABLE pacer_update_rows ("
            + ", ".join(f"{n} {t}" for n, t in zip(names, types, strict=True))
            + f", pk {model._meta.pk.db_type(connection)})"
        )
        # the driver's own cursor: its errors are mapped to Django's (IntegrityError, ...)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy("COPY pacer_update_rows FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM pacer_update_rows v WHERE {table}.id = v.pk"
        )
        cursor.execute("DROP TABLE pacer_update_rows")


def adapt_value(model, name: str, value):
    """``value`` of ``model``'s field ``name`` as the database driver takes it (what
    ``insert_rows`` sends), e.g. to adapt a batch's one timestamp once."""
    return _adapter(model._meta.get_field(name))(value)


def insert_rows(
    model, fields: list[str], rows: Iterable[Sequence], *, adapted: bool = False
) -> None:
    """``INSERT`` rows given as value sequences in ``fields`` order (a related object or
    its id for a relation), in bulk; for rows whose ids are not needed. SQLite runs one
    prepared statement per row, PostgreSQL a ``COPY``. ``adapted``: the rows are
    already as the driver takes them (ids for relations, ``adapt_value``), sent as
    they are."""
    table, columns, adapters = _prepared(model, fields)
    if adapted:
        params = rows if isinstance(rows, list) else list(rows)
    else:
        convert = [(i, adapt) for i, adapt in enumerate(adapters) if adapt is not _same]
        params = [list(row) for row in rows]
        _adapt_columns(params, convert)
    if not params:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            _executemany(
                cursor,
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                params,
            )
            return
        # COPY: the driver formats rows in C (parameters are escaped in Python, one by one)
        # (through the driver's own cursor: its errors are mapped to Django's)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in params:
                copy.write_row(row)


def lock_appends(model) -> None:
    """Hold, until the transaction ends, the one right to add rows to ``model``'s table.

    The warehouse copies append-only tables by an id cursor, which is only safe when rows
    become visible in id order. SQLite has one writer, so they do; on PostgreSQL ids come
    from a sequence and concurrent transactions may commit out of order, so inserts into
    such tables take this transaction-scoped advisory lock first.
    """
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(model._meta.db_table.encode()[:8].ljust(8, b"\0"), "big") >> 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def insert_returning_ids(model, objects: list) -> None:
    """``INSERT`` model instances (every concrete field but the id) in bulk and set each
    instance's primary key, ids increasing in list order (``insert_values``)."""
    if not objects:
        return
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    _, _, adapters = _prepared(model, [f.name for f in concrete])
    now = timezone.now()
    for field in concrete:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                obj.__dict__[field.attname] = now
    ids = insert_values(model, _instance_rows(objects, concrete, adapters))
    alias = connection.alias
    for obj, pk_value in zip(objects, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = alias


def insert_values(model, rows: list[Sequence]) -> Sequence[int]:
    """``INSERT`` rows of every concrete field but the id, in field order and as the
    driver takes them; the new ids, increasing in list order.

    SQLite: one prepared statement per row (``executemany``, in C); inside the
    transaction this opens if none is open, the writer holds the database's one write
    lock from the first row on, so the rows get consecutive ids ending at
    ``last_insert_rowid()``. PostgreSQL: the ids are taken from the table's sequence in
    one query and the rows sent with ``COPY`` (formatted in C).
    """
    if not rows:
        return []
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    table, columns, _ = _prepared(model, [f.name for f in concrete])
    count = len(rows)
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            _executemany(
                cursor,
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                rows,
            )
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
            return range(last - count + 1, last + 1)
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        pk = connection.ops.quote_name(model._meta.pk.column)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({pk}, {', '.join(columns)}) FROM STDIN") as copy,
        ):
            for pk_value, row in zip(ids, rows, strict=True):
                copy.write_row((pk_value, *row))
        return ids


def insert_columns(model, columns: dict[str, Sequence]) -> Sequence[int]:
    """Insert one new row per position of the ``{attname: values}`` columns (all of one
    length), every other field at the model's default (as ``NewInstances`` makes it,
    ``auto_now`` fields at this moment), without building instances or a dict per row;
    the new ids, in order (``insert_values``). Values are adapted column by column
    (``_adapted``); None stays None."""
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError("columns: must all have the same length")
    count = lengths.pop() if lengths else 0
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    unknown = set(columns) - {f.attname for f in concrete}
    if unknown:
        raise ValueError(f"columns: {model.__name__} has no field {', '.join(sorted(unknown))}")
    if not count:
        return []
    _, _, adapters = _prepared(model, [f.name for f in concrete])
    template = NewInstances(model)()
    now = timezone.now()
    for field in concrete:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            template.__dict__[field.attname] = now
    (base,) = _instance_rows([template], concrete, adapters)
    parts: list[Iterable] = []
    for i, (field, adapt) in enumerate(zip(concrete, adapters, strict=True)):
        values = columns.get(field.attname)
        if values is None:
            parts.append(itertools.repeat(base[i], count))
        else:
            parts.append(values if adapt is _same else _adapted(values, adapt))
    return insert_values(model, list(zip(*parts, strict=True)))


def _adapted(values: Sequence, adapt: Callable) -> list:
    """``adapt`` of each value (None stays None); a run of one object (a batch's one
    timestamp, a shared default) is adapted once."""
    out = []
    last_in = last_out = None
    for value in values:
        if value is None:
            out.append(None)
            continue
        if value is not last_in:
            last_in, last_out = value, adapt(value)
        out.append(last_out)
    return out


def _instance_rows(objects: list, concrete: list, adapters: list[Callable]) -> list[list]:
    """Each instance's values of the ``concrete`` fields as the driver takes them."""
    getter = operator.itemgetter(*[f.attname for f in concrete])
    relations = [(i, f.name) for i, f in enumerate(concrete) if f.is_relation]
    convert = [
        (i, adapt)
        for i, (f, adapt) in enumerate(zip(concrete, adapters, strict=True))
        if adapt is not _same and not f.is_relation
    ]
    rows = []
    for obj in objects:
        row = list(getter(obj.__dict__))
        for i, name in relations:
            if row[i] is None:
                # a related object assigned before it was saved has its id only now
                related = obj._state.fields_cache.get(name)
                if related is not None:
                    row[i] = related.pk
        rows.append(row)
    _adapt_columns(rows, convert)
    return rows


def _adapt_columns(rows: list[list], convert: list[tuple[int, Callable]]) -> None:
    """Apply each column's adapter in place (None stays None); a value that is the very
    object of the row before (a batch's one timestamp, a shared default) is adapted once."""
    for i, adapt in convert:
        last_in = last_out = None
        for row in rows:
            value = row[i]
            if value is None:
                continue
            if value is not last_in:
                last_in, last_out = value, adapt(value)
            row[i] = last_out


class NewInstances:
    """Makes unsaved instances of ``model`` with every field at its default, as
    ``model(**values)`` would, but without Django's per-field ``__init__`` work (which
    costs more than inserting the row when a batch creates hundreds of thousands)."""

    def __init__(self, model):
        self.model = model
        fields = model._meta.concrete_fields
        made = [f for f in fields if f.has_default() and callable(f.default)]
        self._defaults = {
            f.attname: None if f.primary_key else f.get_default() for f in fields if f not in made
        }
        self._callables = [(f.attname, f.default) for f in made]
        self._relations = {f.name: f.attname for f in fields if f.is_relation}

    def __call__(self, **values):
        """A new instance with ``values`` (a related object by its field's name, or any
        field by its attribute name) over the defaults."""
        obj = self.model.__new__(self.model)
        state = obj.__dict__
        state.update(self._defaults)
        for attname, make in self._callables:
            state[attname] = make()
        obj._state = ModelState()
        for name, value in values.items():
            attname = self._relations.get(name)
            if attname is not None and attname != name:
                state[attname] = value.pk if value is not None else None
                obj._state.fields_cache[name] = value
            else:
                state[name] = value
        return obj


def fetch_rows(queryset) -> list[tuple]:
    """A ``values_list`` queryset's rows straight from the driver, without Django's
    per-value converters (date parsing, JSON decoding), which cost more than the query
    itself at hundreds of thousands of rows. See ``db_datetime`` and ``db_json``."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_in(
    model, columns: list[str], where: dict, column: str, values: Iterable, *, per_query=5000
) -> list[tuple]:
    """Rows of ``columns`` where each ``where`` column equals its value (is NULL for None,
    is one of a list's values) and ``column`` is in ``values``, straight from the driver:
    Django prepares every value of a long ``__in`` list through several layers, and
    compiles every query anew, which costs more than the query."""
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"

    def named(name: str) -> str:
        return quote(model._meta.get_field(name).column)

    conditions, fixed = [], []
    for name, value in where.items():
        if value is None:
            conditions.append(f"{named(name)} IS NULL")
        elif isinstance(value, list | tuple):
            listed = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(value))})"
            conditions.append(f"{named(name)} {listed}")
            fixed += [list(value)] if postgres else list(value)
        else:
            conditions.append(f"{named(name)} = %s")
            fixed.append(value)
    table = quote(model._meta.db_table)
    select = ", ".join(named(c) for c in columns)
    target = named(column)
    values = list(values)
    rows: list[tuple] = []
    if postgres:
        per_query *= 10  # one array parameter, not a parameter per value
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_query):
            part = values[start : start + per_query]
            listed = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(part))})"
            sql = f"SELECT {select} FROM {table} WHERE " + " AND ".join(
                [*conditions, f"{target} {listed}"]
            )
            cursor.execute(sql, [*fixed, part] if postgres else [*fixed, *part])
            rows += cursor.fetchall()
    return rows


def fetch_values(
    model, columns: list[str], where: dict, column: str, values: Iterable, *, per_query=5000
) -> list[tuple]:
    """``fetch_in``'s rows with each value as the ORM's ``values_list`` would give it
    (aware datetimes, decoded JSON, decimals)."""
    readers = [_reader(model._meta.get_field(name)) for name in columns]
    convert = [(i, read) for i, read in enumerate(readers) if read is not _same]
    rows = fetch_in(model, columns, where, column, values, per_query=per_query)
    if not convert:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for i, read in convert:
            row[i] = read(row[i])
        converted.append(tuple(row))
    return converted


def db_datetime(value):
    """A raw datetime column value as an aware UTC datetime (SQLite's driver gives naive
    UTC datetimes, or text where no converter applies; PostgreSQL's gives aware ones)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def db_json(value):
    """A raw JSON column value as Python (SQLite returns the stored text)."""
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


def _reader(field) -> Callable:
    """Turn a raw driver value of ``field`` into the Python value the ORM would give."""
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return db_datetime
    if internal == "JSONField":
        return db_json
    if internal == "DecimalField":
        step = Decimal(10) ** -field.decimal_places

        def read_decimal(value):
            if value is None or isinstance(value, Decimal):
                return value
            return Decimal(str(value)).quantize(step)

        return read_decimal
    if internal == "BooleanField":
        return _boolean
    return _same


def _boolean(value):
    return value if value is None else bool(value)  # SQLite's driver gives 0 or 1


class LoadedRows:
    """Model instances read straight from the driver, remembering what was read so that
    ``save`` writes only the columns that changed.

    Building instances through the ORM (``in_bulk``) costs more than the query itself at
    tens of thousands of rows: every value passes Django's converters and ``__init__``.
    These are built the way Django unpickles an instance, with the same values.
    """

    def __init__(self, model, ids: Iterable[int], *, per_query: int = 5000):
        self.model = model
        fields = model._meta.concrete_fields
        attnames = [f.attname for f in fields]
        readers = [_reader(f) for f in fields]
        convert = [(i, read) for i, read in enumerate(readers) if read is not _same]
        alias = connection.alias
        self.objects: dict[int, object] = {}
        self._read: dict[int, dict] = {}
        self._attnames, self._per_query = attnames, per_query
        self._raw = fetch_in(model, attnames, {}, model._meta.pk.name, ids, per_query=per_query)
        for row in self._raw:
            row = list(row)
            for i, read in convert:
                row[i] = read(row[i])
            values = dict(zip(attnames, row, strict=True))
            obj = model.__new__(model)
            obj.__dict__.update(values)
            obj._state = state = ModelState()
            state.adding = False
            state.db = alias
            self.objects[obj.pk] = obj
            self._read[obj.pk] = values

    def unchanged(self) -> bool:
        """Whether the rows still hold what was read (and none was deleted)."""
        again = fetch_in(
            self.model,
            self._attnames,
            {},
            self.model._meta.pk.name,
            list(self.objects),
            per_query=self._per_query,
        )
        return sorted(again) == sorted(self._raw)

    def save(self, objects: Iterable, fields: list[str]) -> None:
        """Write each object's ``fields`` that differ from what was read, one bulk
        update (``update_rows``) per set of changed columns."""
        concrete = [self.model._meta.get_field(name) for name in fields]
        columns = [(f.attname, f.name) for f in concrete if not f.is_relation]
        relations = [(f.attname, f.name) for f in concrete if f.is_relation]
        by_change: dict[tuple[str, ...], list] = {}
        for obj in objects:
            read = self._read[obj.pk]
            now = obj.__dict__
            changed = [name for attname, name in columns if now[attname] != read[attname]]
            for attname, name in relations:
                # a related object assigned since may have got its id only on insert
                related = obj._state.fields_cache.get(name)
                if (related.pk if related is not None else now[attname]) != read[attname]:
                    changed.append(name)
            if changed:
                by_change.setdefault(tuple(changed), []).append(obj)
        for changed, group in by_change.items():
            update_rows(self.model, group, list(changed))
