"""A worker loop runs again at once when woken (``pacer.core.worker.wake``), instead of
after its interval, and the change feed wakes its delivery loop when a batch commits
(what keeps a lead's auto-reply from waiting for polls)."""

import threading
import time

import pytest
from django.db import transaction

from pacer.core import feed
from pacer.core.domains import Loop
from pacer.core.worker import RunningLoops, run_loop, stop_loops, wake

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
