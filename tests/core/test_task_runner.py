"""The worker's task runner outlives SQLite's lock timeout: django-tasks-db's ``db_worker``
lets a locked database escape while it records a task's failure, which ended the worker
and every loop beside it (the demo died so under load); ``worker.run_tasks`` starts it
again, so the tasks queued behind still run."""

import sqlite3
import types

import pytest
from django.db import connection
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from pacer.core import worker

pytestmark = pytest.mark.django_db(transaction=True)
HOLDERS: list[sqlite3.Connection] = []


@task()
def fail_while_the_database_is_locked(path: str) -> None:
    """Lock the database from another connection, then fail: recording the failure meets
    the lock, which is let go only when the runner pauses to start again (so the test
    does not depend on how fast a busy machine gets there)."""
    holder = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    HOLDERS.append(holder)
    raise RuntimeError("failed on purpose")


def _let_go(_seconds: float) -> None:
    while HOLDERS:
        HOLDERS.pop().rollback()


@task()
def succeed() -> str:
    return "ran"


@pytest.fixture(autouse=True)
def _no_lock_left():
    yield
    _let_go(0)


def test_a_lock_while_a_failure_is_recorded_does_not_stop_the_tasks_behind_it(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the lock timeout is SQLite's")
    options = connection.settings_dict["OPTIONS"]
    monkeypatch.setitem(options, "timeout", 0.2)
    short = options["init_command"].replace("busy_timeout=30000", "busy_timeout=200")
    monkeypatch.setitem(options, "init_command", short)
    monkeypatch.setattr(worker, "time", types.SimpleNamespace(sleep=_let_go))
    connection.close()  # the next connection waits 0.2 s for a lock, not 30 s
    failing = fail_while_the_database_is_locked.enqueue(str(connection.settings_dict["NAME"]))
    behind = succeed.enqueue()

    worker.run_tasks(batch=True, interval=0, startup_delay=False)

    statuses = {
        str(id_): status for id_, status in DBTaskResult.objects.values_list("id", "status")
    }
    assert statuses[str(behind.id)] == "SUCCESSFUL"
    # the failure could not be recorded: the task stays claimed, never run twice
    assert statuses[str(failing.id)] == "RUNNING"
