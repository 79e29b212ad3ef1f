"""What lets a run make its test database from the models (``--nomigrations``, make test's
SQLite run) without hiding what the migrations do: the models and the migrations agree,
and the SQL a migration runs itself is either made again on such a database or said to
need nothing there (tests/database_setup.py). The PostgreSQL run applies every migration."""

import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, RunSQL, SeparateDatabaseAndState

from tests import database_setup


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, verbosity=1)
    except SystemExit:
        pytest.fail(f"the models differ from the migrations:\n{out.getvalue()}")


def _runs_its_own_sql(operations) -> bool:
    for operation in operations:
        if isinstance(operation, RunPython | RunSQL):
            return True
        nested = isinstance(operation, SeparateDatabaseAndState)
        if nested and _runs_its_own_sql(operation.database_operations):
            return True
    return False


def test_every_migration_running_its_own_sql_is_replayed_or_needs_nothing():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    own_sql = {
        key
        for key, migration in loader.disk_migrations.items()
        if migration.__module__.startswith("pacer.") and _runs_its_own_sql(migration.operations)
    }
    replayed = {(app, name) for app, name, _ in database_setup.REPLAYED}
    said = replayed | set(database_setup.NOTHING_TO_REPLAY)
    assert sorted(own_sql - said) == [], "say in tests/database_setup.py what each makes"
    assert sorted(said - own_sql) == []
    for app, name, function in database_setup.REPLAYED:
        module = sys.modules[loader.disk_migrations[app, name].__module__]
        assert callable(getattr(module, function, None)), (app, name, function)
