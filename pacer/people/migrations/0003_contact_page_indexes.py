"""Indexes for the contact page and the contacts list: who was merged into a contact; a
location's contacts by revenue (the list filtered by location and sorted by revenue reads
them in order instead of sorting them); and the list's search (a prefix of email, first
or last name, or phone, in any case).

Django's ``istartswith`` is ``col LIKE 'ann%'`` on SQLite, whose LIKE ignores ASCII case
and is served by an index of the column in NOCASE order; on PostgreSQL it is
``UPPER(col::text) LIKE UPPER('ann%')``, served by an index of that expression with
``text_pattern_ops`` (whatever the database's collation).
"""

from django.db import migrations, models

SEARCHED = ("email", "first_name", "last_name", "phone")


def _index_sql(vendor: str, column: str) -> str | None:
    name = f"contact_search_{column}"
    if vendor == "sqlite":
        return f'CREATE INDEX "{name}" ON "people_contact" ("{column}" COLLATE NOCASE)'
    if vendor == "postgresql":
        return (
            f'CREATE INDEX "{name}" ON "people_contact" (UPPER("{column}"::text) text_pattern_ops)'
        )
    return None


def create_search_indexes(apps, schema_editor):
    for column in SEARCHED:
        sql = _index_sql(schema_editor.connection.vendor, column)
        if sql:
            schema_editor.execute(sql)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        for column in SEARCHED:
            schema_editor.execute(f'DROP INDEX IF EXISTS "contact_search_{column}"')


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_clv_predictions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="contact_merged_into",
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["location", "revenue"], name="contact_location_revenue"),
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
