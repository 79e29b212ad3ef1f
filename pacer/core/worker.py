"""The worker: the domains' background loops beside Django's task runner (``db_worker``).

A loop runs again at once when woken (``wake``, after a commit that gave it work), else
after its interval. On PostgreSQL a wake reaches every process: it is sent as a
``NOTIFY`` on ``WAKE_CHANNEL`` and each worker listens for it (``listen_for_wakes``), so
a web process's commit, or another worker's, wakes the loop wherever it runs. On SQLite
a wake reaches only the process it was made in (the others poll)."""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.utils import OperationalError
from django_tasks_db.utils import is_locked_database_exception

from pacer.core.domains import Loop, collect, load

logger = logging.getLogger("pacer.worker")
RETRY_AFTER_ERROR_SECONDS = 5.0
LOOP_THREAD_PREFIX = "pacer-loop-"
WAKE_CHANNEL = "pacer_wake"
LISTENER_THREAD = "pacer-wake-listener"
_wake_events: dict[str, threading.Event] = {}


def wake(name: str) -> None:
    """Run the loop ``name`` now instead of after its interval: in this process if it runs
    here, and on PostgreSQL in every worker (``notify_workers``). Call it once the work is
    committed (``transaction.on_commit``); a loop that is not woken finds the work at its
    next run."""
    wake_here(name)
    notify_workers(name)


def wake_here(name: str) -> None:
    """Wake the loop ``name`` if it runs in this process."""
    event = _wake_events.get(name)
    if event is not None:
        event.set()


def notify_workers(name: str) -> None:
    """On PostgreSQL, tell every listening worker to wake the loop ``name`` (a ``NOTIFY``,
    delivered when the current transaction commits; at once outside one). A failure is
    logged, never raised: the work is committed, and the loop's poll finds it."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [WAKE_CHANNEL, name])
    except DatabaseError:
        logger.warning("could not notify the workers to wake %s", name, exc_info=True)


def listen_for_wakes(stop: threading.Event, poll_seconds: float = 1.0) -> None:
    """Until ``stop`` is set, wake this process's loops named by the notices on
    ``WAKE_CHANNEL``, over a connection of its own (PostgreSQL; opened again after a
    failure, logged)."""
    while not stop.is_set():
        listener = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            listener.ensure_connection()
            with listener.cursor() as cursor:
                cursor.execute(f"LISTEN {WAKE_CHANNEL}")
            while not stop.is_set():
                for notice in listener.connection.notifies(timeout=poll_seconds):
                    wake_here(notice.payload)
        except Exception:
            logger.exception("the wake listener failed; listening again")
            stop.wait(RETRY_AFTER_ERROR_SECONDS)
        finally:
            listener.close()


def interval(loop: Loop) -> float:
    seconds = loop.seconds
    return float(getattr(settings, seconds) if isinstance(seconds, str) else seconds)


def run_loop(loop: Loop, stop: threading.Event) -> None:
    """Run ``loop`` until ``stop`` is set: again at once after a run that did something or
    a ``wake``, after its interval otherwise, and after a pause when it fails (logged with
    its traceback; SQLite's lock timeout, which is another writer's long turn and not a
    fault of the loop, as one warning line; its work is safe to retry)."""
    function = load(loop.function)
    woken = _wake_events.setdefault(loop.name, threading.Event())
    while not stop.is_set():
        woken.clear()
        try:
            done = function()
        except OperationalError as error:
            if not is_locked_database_exception(error):
                logger.exception("background loop %s failed", loop.name)
            else:  # SQLite's lock timeout: another writer's turn ran long; not a fault here
                logger.warning(
                    "background loop %s waited past the database lock timeout; "
                    "trying again in %.0f s",
                    loop.name,
                    RETRY_AFTER_ERROR_SECONDS,
                )
            stop.wait(RETRY_AFTER_ERROR_SECONDS)
            continue
        except Exception:
            logger.exception("background loop %s failed", loop.name)
            stop.wait(RETRY_AFTER_ERROR_SECONDS)
            continue
        if not done:
            woken.wait(interval(loop))


@dataclass
class RunningLoops:
    """The loops ``start_loops`` started: their stop signal and their threads."""

    stop_event: threading.Event
    threads: list[threading.Thread] = field(default_factory=list)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loops and wait (up to ``timeout`` seconds each) for the run each is in
        to finish; its work is safe to retry if it cannot."""
        stop_loops(self.stop_event)
        for thread in self.threads:
            thread.join(timeout=timeout)


def start_loops(skip: set[str] = frozenset()) -> RunningLoops:
    """Start every domain's loop not in ``skip``, each in a daemon thread, and on
    PostgreSQL the listener that wakes them from other processes."""
    running = RunningLoops(threading.Event())
    if connection.vendor == "postgresql":
        listener = threading.Thread(
            target=listen_for_wakes, args=(running.stop_event,), daemon=True, name=LISTENER_THREAD
        )
        listener.start()
        running.threads.append(listener)
    for loop in collect("loops"):
        if loop.name not in skip:
            thread = threading.Thread(
                target=run_loop,
                args=(loop, running.stop_event),
                daemon=True,
                name=f"{LOOP_THREAD_PREFIX}{loop.name}",
            )
            thread.start()
            running.threads.append(thread)
    return running


def stop_loops(stop: threading.Event) -> None:
    """Stop the loops started with ``stop`` now: each waiting one is woken to see it,
    instead of at the end of its interval."""
    stop.set()
    for event in list(_wake_events.values()):
        event.set()


def loop_names() -> list[str]:
    return [loop.name for loop in collect("loops")]


def run_tasks(**options) -> None:
    """Django's task runner (``db_worker`` on every queue), started again when SQLite's lock
    timeout stops it: it lets a locked database escape while it records a task's failure
    (``set_failed``), which would otherwise end the worker and every loop beside it (seen
    in the demo under load). Any other error still ends it."""
    from django.core.management import call_command
    from django.db import close_old_connections

    while True:
        try:
            call_command("db_worker", queue_name="*", **options)
            return
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            logger.warning("the task runner met a locked database; starting it again")
            close_old_connections()
            time.sleep(RETRY_AFTER_ERROR_SECONDS)
