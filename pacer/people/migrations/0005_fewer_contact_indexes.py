"""Drop four indexes that others already serve, so that every contact and identity
written (an import writes a million) updates fewer: a contact's workspace (served by
the (workspace, id) index), location (by (location, revenue)) and merged_into (by the
partial index of merged contacts: ``merged_into_id = x`` implies it is set), and an
identity's workspace (by the unique (workspace, kind, value) index).

Also made again where missing: the contacts list's search indexes of migration 0003,
which SQLite lost when 0004 rebuilt the contacts table to add its columns (a rebuild
keeps only the indexes the models declare).

The indexes are dropped by name, without rebuilding the tables (SQLite would copy the
contacts table to alter a field); the fields' state says ``db_index=False``.
"""

from django.db import migrations, models

DROPPED = (("contact", "workspace"), ("contact", "location"), ("contact", "merged_into"))
DROPPED += (("identity", "workspace"),)


def _indexes(apps, schema_editor):
    for model_name, field_name in DROPPED:
        model = apps.get_model("people", model_name)
        field = model._meta.get_field(field_name)
        name = schema_editor._create_index_name(model._meta.db_table, [field.column])
        yield model, field, name


def drop_indexes(apps, schema_editor):
    for _, _, name in _indexes(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


SEARCH_INDEXES_SQLITE = [
    f'CREATE INDEX IF NOT EXISTS "contact_search_{column}" ON "people_contact" '
    f'("{column}" COLLATE NOCASE)'
    for column in ("email", "first_name", "last_name", "phone")
]


def restore_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SEARCH_INDEXES_SQLITE:
            schema_editor.execute(sql)


def create_indexes(apps, schema_editor):
    for model, field, _ in _indexes(apps, schema_editor):
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("people", "0004_rfm_scores"),
    ]

    operations = [
        migrations.RunPython(drop_indexes, create_indexes),
        migrations.RunPython(restore_search_indexes, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        to="core.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="location",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        to="people.location",
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        to="people.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="identity",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        to="core.workspace",
                    ),
                ),
            ]
        ),
    ]
