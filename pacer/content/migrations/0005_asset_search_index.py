"""Asset search through an index (pacer.content.search): the stored search text folded
(lower case, accents removed), then on SQLite an FTS5 trigram table kept by triggers, on
PostgreSQL a pg_trgm GIN index (when the extension can be created; pg_trgm is a trusted
extension, so a database owner may create it)."""

from django.db import migrations

from pacer.content.search import fold

SQLITE_UP = [
    "CREATE VIRTUAL TABLE content_asset_search USING fts5(search_text, "
    "content='content_asset', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER content_asset_search_insert AFTER INSERT ON content_asset BEGIN "
    "INSERT INTO content_asset_search(rowid, search_text) VALUES (new.id, new.search_text); "
    "END",
    "CREATE TRIGGER content_asset_search_delete AFTER DELETE ON content_asset BEGIN "
    "INSERT INTO content_asset_search(content_asset_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER content_asset_search_update AFTER UPDATE OF search_text ON content_asset "
    "BEGIN INSERT INTO content_asset_search(content_asset_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO content_asset_search(rowid, search_text) VALUES (new.id, new.search_text); "
    "END",
    "INSERT INTO content_asset_search(content_asset_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS content_asset_search_insert",
    "DROP TRIGGER IF EXISTS content_asset_search_delete",
    "DROP TRIGGER IF EXISTS content_asset_search_update",
    "DROP TABLE IF EXISTS content_asset_search",
]
POSTGRES_UP = [
    """DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
        RAISE NOTICE 'pg_trgm cannot be created here: asset search will scan';
    END $$""",
    """DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
            CREATE INDEX IF NOT EXISTS content_asset_search_trgm
                ON content_asset USING gin (search_text gin_trgm_ops);
        END IF;
    END $$""",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS content_asset_search_trgm"]


def fold_search_text(apps, schema_editor):
    Asset = apps.get_model("content", "Asset")
    changed = []
    for asset in Asset.objects.only("pk", "search_text").iterator(chunk_size=2000):
        folded = fold(asset.search_text)
        if folded != asset.search_text:
            asset.search_text = folded
            changed.append(asset)
    Asset.objects.bulk_update(changed, ["search_text"], batch_size=1000)


def index_up(apps, schema_editor):
    statements = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def index_down(apps, schema_editor):
    statements = {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("content", "0004_flag_clearing")]

    operations = [
        migrations.RunPython(fold_search_text, migrations.RunPython.noop),
        migrations.RunPython(index_up, index_down),
    ]
