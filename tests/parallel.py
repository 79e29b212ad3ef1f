"""The suite in parallel workers (pytest-xdist, ``pytest -n N``): what each worker needs
of its own.

- **Its own data folder**: the controller gives each worker ``$PACER_DATA_DIR/<worker>``
  (``gw0``, ``gw1``, ...) before the worker starts, so its settings read it: its SQLite
  test database, outboxes, secret-key files and the processes its tests start are its
  own, and no worker reads another's files.
- **Its own test database** (pytest-django names it ``<test name>_<worker>``). On
  PostgreSQL applying every migration costs about a minute of CPU, so it is done once per
  run: the first worker migrates ``<test name>_template`` while holding an advisory lock,
  and each worker's database is a copy of it (``CREATE DATABASE ... TEMPLATE``, a file
  copy), kept as made (``keepdb``: the migrate pytest-django runs then finds nothing to
  apply). The tests marked ``migrations`` still move their own worker's database through
  the history. On SQLite (``--nomigrations``) each worker makes its database from the
  models, which takes a second or two.
"""

import os
from pathlib import Path

import pytest

TEMPLATE_LOCK = 7_301_930  # pg_advisory_lock key: one worker migrates the template


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    """Each worker's data folder, in its environment before its settings are read."""
    base = Path(os.environ.get("PACER_DATA_DIR", Path.cwd() / "var")).resolve()
    for spec in specs:
        spec.env["PACER_DATA_DIR"] = str(base / spec.id)


def worker_id(config) -> str | None:
    return getattr(config, "workerinput", {}).get("workerid")


def copies_a_template(config) -> bool:
    """Whether this worker's test database is copied from a migrated template."""
    from django.db import connection

    migrated = not config.getoption("nomigrations", default=False)
    return bool(worker_id(config)) and migrated and connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def django_db_keepdb(request) -> bool:
    """pytest-django's: keep the worker's database as copied (and so not migrate it)."""
    return copies_a_template(request.config) or request.config.getvalue("reuse_db")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_blocker, request
) -> None:
    """pytest-django's (after the worker's suffix is added to the test database's name):
    on PostgreSQL, copy the migrated template to the worker's test database."""
    if not copies_a_template(request.config):
        return
    with django_db_blocker.unblock():
        _copy_template()


def _copy_template() -> None:
    from django.db import connection

    quote = connection.ops.quote_name
    worker_database = connection.settings_dict["TEST"]["NAME"]
    template = worker_database.rsplit("_", 1)[0] + "_template"
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])
        try:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            if cursor.fetchone() is None:
                _migrate(template)
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(worker_database)}")
            cursor.execute(f"CREATE DATABASE {quote(worker_database)} TEMPLATE {quote(template)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])


def _migrate(template: str) -> None:
    """Make ``template`` by applying every migration, as a test database is made; then
    leave the connection's settings as they were (it must not stay connected: a
    template with a connection cannot be copied)."""
    from django.db import connection

    settings_dict = connection.settings_dict
    name, test_name = settings_dict["NAME"], settings_dict["TEST"]["NAME"]
    settings_dict["TEST"]["NAME"] = template
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        settings_dict["NAME"], settings_dict["TEST"]["NAME"] = name, test_name
        from django.conf import settings

        settings.DATABASES[connection.alias]["NAME"] = name
