"""Fast bulk writes that Django's ORM does slowly.

Django's ``bulk_update`` builds a ``CASE WHEN`` per field and row (seconds per thousand
rows) and ``bulk_create`` prepares every value through several layers; these send the
same values with one prepared statement and ``executemany``.
"""

import orjson
from django.db import connection

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


def _getter(field):
    """Read an object's value for ``field`` ready for the database driver."""
    internal = field.get_internal_type()
    if field.is_relation:
        name, attname = field.name, field.attname

        def related(obj):
            cached = obj._state.fields_cache.get(name)
            return cached.pk if cached is not None else getattr(obj, attname)

        return related
    attname = field.attname
    if internal in PLAIN_TYPES:
        return lambda obj: getattr(obj, attname)
    if internal == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value
        return lambda obj: adapt(getattr(obj, attname))
    if internal == "JSONField":
        return lambda obj: orjson.dumps(getattr(obj, attname)).decode()
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def _columns(model, fields: list[str]):
    concrete = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    return concrete, [_getter(f) for f in concrete], [quote(f.column) for f in concrete]


def update_rows(model, objects: list, fields: list[str]) -> None:
    """``UPDATE ... SET fields WHERE id = ?`` for each object, as one ``executemany``."""
    if not objects:
        return
    _, getters, columns = _columns(model, fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE id = %s"
    params = [[get(obj) for get in getters] + [obj.pk] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def insert_rows(model, objects: list, fields: list[str]) -> None:
    """``INSERT`` many rows as one ``executemany`` when their ids are not needed back."""
    if not objects:
        return
    _, getters, columns = _columns(model, fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    params = [[get(obj) for get in getters] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
