"""Indexes for sorting the contacts list: (workspace, column, id) for each sortable
column but the id (``pacer.people.models.SORTED_CONTACT_COLUMNS``), so that a sorted page
is read in index order instead of sorting every contact of the workspace. The email's
own index (and PostgreSQL's ``_like`` copy of it) goes: (workspace, email, id) serves
every lookup of a workspace's contacts by email too, and no query looks one up by a
``LIKE`` of the email as written (the list's search has its own index, migration 0003).

The list orders ``column ASC NULLS FIRST, id ASC`` and ``column DESC NULLS LAST, id DESC``
(``pacer.web.tables``): one index read forwards or backwards. SQLite's plain index is in
that order (its NULLs sort first); PostgreSQL's needs ``NULLS FIRST`` said in the index,
so each database gets its own spelling under the name the model declares (the model's
plain index is what a SQLite table rebuild makes again). Indexes are made and dropped by
name, without rebuilding the table (SQLite would copy it to alter the email field).
"""

from django.db import migrations, models

COLUMNS = (
    "email",
    "order_count",
    "revenue",
    "predicted_clv",
    "p_alive",
    "first_seen_at",
    "last_seen_at",
)


def _name(column: str) -> str:
    return f"contact_sort_{column}"[:30]


def _email_indexes(schema_editor) -> list[str]:
    table = "people_contact"
    name = schema_editor._create_index_name(table, ["email"])
    return [name, schema_editor._create_index_name(table, ["email"], suffix="_like")]


def create_indexes(apps, schema_editor):
    for name in _email_indexes(schema_editor):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    nulls = " NULLS FIRST" if schema_editor.connection.vendor == "postgresql" else ""
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX "{_name(column)}" ON "people_contact" '
            f'("workspace_id", "{column}"{nulls}, "id")'
        )


def drop_indexes(apps, schema_editor):
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(column)}"')
    name = _email_indexes(schema_editor)[0]
    schema_editor.execute(f'CREATE INDEX "{name}" ON "people_contact" ("email")')


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_fewer_contact_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create_indexes, drop_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="email",
                    field=models.CharField(blank=True, max_length=254),
                ),
                *(
                    migrations.AddIndex(
                        model_name="contact",
                        index=models.Index(fields=["workspace", column, "id"], name=_name(column)),
                    )
                    for column in COLUMNS
                ),
            ],
        ),
    ]
