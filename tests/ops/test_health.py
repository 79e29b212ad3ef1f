"""``/healthz`` and ``/readyz``: public, revealing nothing but which check failed."""

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import ConnectionHandler

from pacer.ops import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert client.post("/healthz").status_code == 405


def test_readyz_is_ready_when_every_check_passes(client, warehouse_dir):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "warehouse": "ok"},
    }
    assert warehouse_dir.is_dir() and list(warehouse_dir.iterdir()) == []  # probe removed


def test_readyz_fails_on_an_unwritable_warehouse(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.WAREHOUSE_DIR = blocker / "warehouse"  # cannot be made, even by root
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "warehouse": "not writable",
    }
    assert str(tmp_path) not in response.content.decode()


def test_readyz_fails_while_a_migration_is_unapplied(client):
    recorded = MigrationRecorder.Migration.objects.filter(app="privacy", name="0001_initial")
    assert recorded.delete()[0] == 1  # rolled back with the test
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 migration not applied"


def test_the_database_check_reports_an_unreachable_database(tmp_path):
    broken = ConnectionHandler(
        {
            "default": {
                **connection.settings_dict,
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "missing-dir" / "db.sqlite3"),
                "OPTIONS": {},
            }
        }
    )["default"]
    try:
        assert health.database(broken) == "unreachable"
    finally:
        broken.close()
    assert health.database() is None
