"""Which tests ``make test`` also runs on SQLite (ADR 0012).

Every test runs on PostgreSQL, the production database. On SQLite, the embedded default,
run the tests whose outcome the database decides, and the sweeps that reach every entry
point; the rest (a page's content, an action's rule, a report's numbers: the same ORM
calls on either database) run once. ``scripts/test-suites.sh`` sets
``PACER_TEST_DATABASE_SENSITIVE_ONLY`` on its SQLite run; without it every test runs.
"""

import re

# Tests of code that speaks SQL of its own, branches on the database, or leans on how it
# locks, indexes or compares text (paths under tests/, as regular expressions).
SENSITIVE_PATHS = re.compile(
    r"^tests/("
    r"test_api_schema\.py"  # every API operation with hostile input (schemathesis)
    r"|test_cli\.py"  # the commands a user runs on the embedded database
    r"|test_migrations\.py"  # the models and the migrations' own SQL agree
    r"|ingest/"  # acceptance and processing: appends, locks, idempotence keys
    r"|segments/"  # conditions compiled to SQL, incremental evaluation
    r"|warehouse/"  # the sync's cursors beside the operational database
    r"|metrics/test_cube"  # the KPI cube's counting queries
    r"|planning/test_(summary|sums|report|plan_tree|month_close|spend_days)"  # summed SQL
    r"|content/test_search"  # FTS5 on SQLite, UPPER() indexes on PostgreSQL
    r"|people/test_(contact_sort_indexes|contact_page_list|import_|resolution)"  # NOCASE
    r"|core/test_(bulk|feed|outbox|worker_wake|task_runner)"  # appends, claims, the feed
    r"|work/test_(board_edit|bulk|concurrency)"  # row locks of boards
    r"|ops/test_health"  # the database's own health figures
    r")"
)
SENSITIVE_MARKERS = {"browser", "demo", "spark", "both_databases"}


def database_sensitive(item, path: str) -> bool:
    """Whether ``item`` (at ``path``, relative to the repository) runs on SQLite too:
    marked so, in ``SENSITIVE_PATHS``, committing for real (``transaction=True``: crash,
    concurrency and commit-order tests), or a property-based test (hypothesis)."""
    if SENSITIVE_MARKERS & {marker.name for marker in item.iter_markers()}:
        return True
    if SENSITIVE_PATHS.match(path):
        return True
    database = item.get_closest_marker("django_db")
    if database is not None:
        committing = database.kwargs.get(
            "transaction", database.args[0] if database.args else False
        )
        if committing:
            return True
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        return True
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))
