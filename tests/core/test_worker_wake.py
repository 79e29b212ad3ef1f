"""A worker loop runs again at once when woken (``pacer.core.worker.wake``), instead of
after its interval, and the change feed wakes its delivery loop when a batch commits
(what keeps a lead's auto-reply from waiting for polls); on PostgreSQL a wake reaches the
loops of every worker through ``NOTIFY``."""

import logging
import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from pacer.core import feed
from pacer.core.domains import Loop
from pacer.core.worker import (
    LISTENER_THREAD,
    WAKE_CHANNEL,
    RunningLoops,
    loop_names,
    notify_workers,
    run_loop,
    start_loops,
    stop_loops,
    wake,
)

RUNS: list[float] = []


def count_run() -> int:
    RUNS.append(time.monotonic())
    return 0  # nothing done: the loop waits its interval (an hour) unless woken


def _runs_after(count: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while len(RUNS) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(RUNS) >= count


@pytest.fixture
def hourly_loop():
    RUNS.clear()
    stop = threading.Event()
    loop = Loop(feed.DELIVERY_LOOP, "tests.core.test_worker_wake.count_run", 3600)
    thread = threading.Thread(target=run_loop, args=(loop, stop), daemon=True)
    thread.start()
    assert _runs_after(1)
    yield thread, stop
    stop_loops(stop)
    thread.join(timeout=5)


@pytest.mark.django_db
def test_a_woken_loop_runs_at_once_and_an_unwoken_one_waits(hourly_loop):
    time.sleep(0.3)
    assert len(RUNS) == 1  # waiting its hour
    wake("some-other-loop")
    time.sleep(0.3)
    assert len(RUNS) == 1
    wake(feed.DELIVERY_LOOP)
    assert _runs_after(2, seconds=5)


@pytest.mark.django_db(transaction=True)
def test_a_published_batch_wakes_the_delivery_loop_when_it_commits(hourly_loop, workspace):
    with transaction.atomic():
        feed.publish(workspace.pk, source="test", contact_ids=[1])
        time.sleep(0.3)
        assert len(RUNS) == 1  # not before the commit: the batch is not visible yet
    assert _runs_after(2, seconds=5)


def test_stopping_the_loops_ends_a_waiting_one_at_once(hourly_loop):
    thread, stop = hourly_loop
    time.sleep(0.2)
    stop_loops(stop)
    thread.join(timeout=5)
    assert not thread.is_alive()  # it did not wait out its hour
    assert len(RUNS) == 1  # and it did not run again on the way out


def test_stopping_started_loops_waits_for_their_threads_to_end():
    RUNS.clear()
    running = RunningLoops(threading.Event())
    loop = Loop("test-hourly", "tests.core.test_worker_wake.count_run", 3600)
    thread = threading.Thread(target=run_loop, args=(loop, running.stop_event), daemon=True)
    thread.start()
    running.threads.append(thread)
    assert _runs_after(1)
    running.stop(timeout=5)
    assert not thread.is_alive()  # stop() returned only once the thread had ended
    assert running.stop_event.is_set()


on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="NOTIFY crosses processes on PostgreSQL only"
)


def _listening(seconds: float = 10.0) -> bool:
    """Whether a session has listened on the wake channel (its last statement), within
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query = %s",
                [f"LISTEN {WAKE_CHANNEL}"],
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


@pytest.fixture
def started_listener():
    """``start_loops`` with every domain loop skipped: on PostgreSQL only the listener."""
    running = start_loops(skip=set(loop_names()))
    yield running
    running.stop(timeout=5)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_notice_from_another_connection_wakes_the_loop_in_a_listening_worker(
    hourly_loop, started_listener
):
    assert [thread.name for thread in started_listener.threads] == [LISTENER_THREAD]
    assert _listening()
    time.sleep(0.3)
    assert len(RUNS) == 1  # waiting its hour
    notify_workers(feed.DELIVERY_LOOP)  # this connection's notice, not this process's event
    assert _runs_after(2, seconds=5)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_notice_in_a_rolled_back_transaction_wakes_nothing(hourly_loop, started_listener):
    assert _listening()
    with transaction.atomic():
        notify_workers(feed.DELIVERY_LOOP)
        transaction.set_rollback(True)
    notify_workers("some-other-loop")
    time.sleep(1.5)
    assert len(RUNS) == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_notice_that_cannot_be_sent_is_logged_not_raised(caplog):
    with transaction.atomic():
        with pytest.raises(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # the transaction is now aborted
        with caplog.at_level(logging.WARNING, logger="pacer.worker"):
            notify_workers(feed.DELIVERY_LOOP)
        transaction.set_rollback(True)
    assert [record.getMessage() for record in caplog.records] == [
        f"could not notify the workers to wake {feed.DELIVERY_LOOP}"
    ]


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the SQLite side of the rule")
@pytest.mark.django_db
def test_on_sqlite_a_wake_sends_nothing_to_the_database_and_no_listener_starts(
    started_listener,
):
    with CaptureQueriesContext(connection) as queries:
        wake(feed.DELIVERY_LOOP)
    assert len(queries) == 0
    assert started_listener.threads == []
