"""The key lookup every API and tracking call makes, as one statement built once.

Through the ORM (``select_related`` of the workspace and the user, the member's role as a
subquery) the lookup cost ~2.8 ms of CPU, two thirds of a refused API call, almost all of
it Django building the same statement and the objects again (docs/testing.md, "Test
time, 2026-12-04 (stop 32)"). Here the statement is written once per database from the
models' own metadata (every concrete column, so the objects are whole), and each row is
made into objects with the converters Django itself would apply (SQLite's datetimes and
booleans), so callers get the same ``ApiKey`` with ``workspace`` and ``user`` loaded.
"""

from functools import cache

from django.contrib.auth.models import User
from django.db import connection

from pacer.core.models import ApiKey, Membership, Workspace

_TABLES = (("k", ApiKey), ("w", Workspace), ("u", User))


@cache
def _statement(vendor: str) -> tuple[str, list]:
    """The SELECT for one database, and per column the expression and its converters."""
    quote = connection.ops.quote_name
    columns, converters = [], []
    for alias, model in _TABLES:
        for field in model._meta.concrete_fields:
            columns.append(f"{alias}.{quote(field.column)}")
            column = field.get_col(alias)
            converters.append(
                (
                    column,
                    connection.ops.get_db_converters(column) + field.get_db_converters(connection),
                )
            )
    role = (
        f"(SELECT m.{quote('role')} FROM {quote(Membership._meta.db_table)} m"
        f" WHERE m.{quote('workspace_id')} = k.{quote('workspace_id')}"
        f" AND m.{quote('user_id')} = k.{quote('user_id')})"
    )
    sql = (
        f"SELECT {', '.join(columns)}, {role}"
        f" FROM {quote(ApiKey._meta.db_table)} k"
        f" JOIN {quote(Workspace._meta.db_table)} w ON w.{quote('id')} = k.{quote('workspace_id')}"
        f" LEFT JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = k.{quote('user_id')}"
        f" WHERE k.{quote('digest')} = %s AND k.{quote('kind')} = %s"
        f" AND k.{quote('revoked_at')} IS NULL"
    )
    return sql, converters


def unrevoked_key(digest: str, kind: str) -> ApiKey | None:
    """The unrevoked key of ``kind`` with this digest (unique), its ``workspace`` and
    ``user`` loaded and ``member_role`` set: the user's role in the workspace now, None
    when there is no user or they are no longer a member. One query."""
    sql, converters = _statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest, kind])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (column, functions) in zip(row[:-1], converters, strict=True):
        for convert in functions:
            value = convert(value, column, connection)
        values.append(value)
    key_end = len(ApiKey._meta.concrete_fields)
    user_start = key_end + len(Workspace._meta.concrete_fields)
    key = ApiKey.from_db(connection.alias, None, values[:key_end])
    key.workspace = Workspace.from_db(connection.alias, None, values[key_end:user_start])
    if key.user_id is not None:
        key.user = User.from_db(connection.alias, None, values[user_start:])
    key.member_role = row[-1]
    return key
