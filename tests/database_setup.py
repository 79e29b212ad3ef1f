"""The test database built from the models instead of by the migrations (``--nomigrations``,
which ``make test`` gives its SQLite run; its PostgreSQL run applies every migration).

Applying the migrations to an empty database costs about a minute of CPU (Django renders
the project's models again after almost every operation, and every model points at the
workspace); creating the tables from the models takes a second or two. Two things a
migration does are not in the models, and are done here after the tables are made:

- the SQL that migrations run themselves (``RunPython``/``RunSQL``): each such migration
  is named in ``REPLAYED`` (what it makes is made again here, by its own function) or in
  ``NOTHING_TO_REPLAY`` (with the reason), and ``tests/test_migrations.py`` fails on one
  that is in neither;
- the record of applied migrations: every migration is recorded as applied, so that a
  process a test starts (``pacer worker``, ``pacer sync``: they migrate first) and the
  health check find none pending, as on a migrated database.

Tests that migrate the database themselves (to a node in the middle of the history) are
marked ``migrations`` and run only where the migrations built the database.
"""

from importlib import import_module

from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

# (app, migration, function): run in this order on the database made from the models.
REPLAYED = (
    # the contacts list's search indexes (NOCASE on SQLite, UPPER() on PostgreSQL): made
    # by 0003, made again by 0005 where SQLite lost them; idempotent
    ("people", "0005_fewer_contact_indexes", "restore_search_indexes"),
    # the assets' full-text search: SQLite's FTS5 table and its triggers
    ("content", "0005_asset_search_index", "index_up"),
)

NOTHING_TO_REPLAY = {
    ("content", "0002_token_digests"): "data: hashes the share tokens of existing links",
    ("content", "0010_partner_channels"): "data: a partner's one channel becomes its list",
    ("leads", "0011_time_off_per_person"): "data: merges existing time off",
    ("leads", "0015_staff_notices_to_outbox"): "data: copies waiting staff notices to the outbox",
    ("leads", "0024_score_threshold_per_stage"): "data: keeps one threshold per stage",
    ("messaging", "0009_sns_topic_pinning"): "data: pins existing confirmed topics",
    ("messaging", "0011_sms_token_bound_to_workspace"): "data: seals kept SMS tokens again",
    ("messaging", "0016_seal_dkim_keys"): "data: seals kept DKIM keys",
    ("messaging", "0018_message_clicks_sender_reply_to"): "data: copies past clicks into Click",
    ("messaging", "0019_seal_webhook_secrets"): "data: seals kept webhook secrets",
    ("people", "0003_contact_page_indexes"): "its search indexes: replayed from 0005",
    ("people", "0006_contact_sort_indexes"): (
        "the models declare the same sort indexes, which SQLite spells alike (PostgreSQL's "
        "NULLS FIRST is the migration's own)"
    ),
    ("planning", "0003_spend_day"): "data: counts existing spend",
    ("planning", "0007_plan_node_team"): "data: links existing plan nodes to teams",
    ("planning", "0008_budget_line_team"): "data: links existing budget lines to teams",
    ("planning", "0011_plan_fact"): "data: builds facts of existing plans",
    ("planning", "0012_plan_sum"): "data: nothing since 0014 (which rebuilds the summaries)",
    ("planning", "0014_node_sum"): "data: rebuilds every summary of existing plans",
    ("teams", "0002_default_teams"): "data: default teams of existing workspaces",
    ("teams", "0005_survey_asks_of_earlier_data"): (
        "data: moves merged-away contacts' asks and answers, records earlier sends by hand"
    ),
    ("teams", "0007_earliest_time_of_earlier_asks"): (
        "data: earliest times of asks waiting since before 0006"
    ),
    ("work", "0002_sparse_positions_source_key_attachments"): "data: spreads existing positions",
    ("work", "0006_mention_emails_to_outbox"): "data: copies unsent mention e-mails to the outbox",
    ("work", "0007_campaign_links_by_id"): (
        "data: campaign links kept under a key move to the campaign's id (a second link "
        "to the same campaign is deleted)"
    ),
    ("work", "0010_sprint_membership"): (
        "data: each card in a sprint joined it on its first day; a completed sprint's "
        "carried cards left it at its completion"
    ),
}


def complete(original_migration_modules) -> None:
    """Finish a database that pytest-django made from the models: the migrations' own SQL
    and the record of every migration as applied; the migrations are visible again
    (``settings.MIGRATION_MODULES`` as it was) for the rest of the run."""
    from django.conf import settings

    settings.MIGRATION_MODULES = original_migration_modules
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    applied = set(recorder.applied_migrations())
    if not all((app, name) in applied for app, name, _ in REPLAYED):  # kept (--reuse-db): done
        with connection.schema_editor() as schema_editor:
            for app, name, function in REPLAYED:
                module = import_module(f"{apps.get_app_config(app).name}.migrations.{name}")
                getattr(module, function)(apps, schema_editor)
    graph = MigrationLoader(connection, ignore_no_migrations=True).graph
    recorder.migration_qs.bulk_create(
        recorder.Migration(app=app, name=name)
        for app, name in sorted(graph.nodes)
        if (app, name) not in applied
    )
