"""Fast bulk writes that Django's ORM does slowly.

Django's ``bulk_update`` builds a ``CASE WHEN`` per field and row (seconds per thousand
rows) and ``bulk_create`` builds a model instance and prepares every value through
several layers; these send the same values with one prepared statement and
``executemany``.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

import orjson
from django.db import connection, connections
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
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)
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


def insert_rows(model, fields: list[str], rows: Iterable[Sequence]) -> None:
    """``INSERT`` rows given as value sequences in ``fields`` order (a related object or
    its id for a relation), in bulk; for rows whose ids are not needed. SQLite runs one
    prepared statement per row, PostgreSQL a ``COPY``."""
    table, columns, adapters = _prepared(model, fields)
    convert = [(i, adapt) for i, adapt in enumerate(adapters) if adapt is not _same]
    params = []
    for row in rows:
        row = list(row)
        for i, adapt in convert:
            row[i] = adapt(row[i])
        params.append(row)
    if not params:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
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
    """``INSERT`` model instances (every concrete field but the id) in multi-row
    statements with ``RETURNING id``, and set each instance's primary key."""
    if not objects:
        return
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    table, columns, adapters = _prepared(model, [f.name for f in concrete])
    now = timezone.now()
    stamped = [getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in concrete]
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, 30_000 // len(columns))  # under SQLite's 32,766 parameters
    alias = connection.alias
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            batch = objects[start : start + per_statement]
            params = []
            for obj in batch:
                for field, adapt, stamp in zip(concrete, adapters, stamped, strict=True):
                    if stamp:
                        setattr(obj, field.attname, now)
                    params.append(adapt(_value(obj, field.name, field.attname)))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES {', '.join([row_sql] * len(batch))} RETURNING id",
                params,
            )
            for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = alias


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
    """Rows of ``columns`` where each ``where`` column equals its value and ``column`` is
    in ``values``, straight from the driver: Django prepares every value of a long
    ``__in`` list through several layers, which costs more than the query."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    select = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    conditions = [f"{quote(model._meta.get_field(c).column)} = %s" for c in where]
    fixed = list(where.values())
    target = quote(model._meta.get_field(column).column)
    values = list(values)
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_query):
            part = values[start : start + per_query]
            sql = f"SELECT {select} FROM {table} WHERE " + " AND ".join(
                [*conditions, f"{target} IN ({', '.join(['%s'] * len(part))})"]
            )
            cursor.execute(sql, [*fixed, *part])
            rows += cursor.fetchall()
    return rows


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
    return _same


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
