"""The worker: the domains' background loops beside Django's task runner (``db_worker``)."""

import logging
import threading

from django.conf import settings

from pacer.core.domains import Loop, collect, load

logger = logging.getLogger("pacer.worker")
RETRY_AFTER_ERROR_SECONDS = 5.0
LOOP_THREAD_PREFIX = "pacer-loop-"
_wake_events: dict[str, threading.Event] = {}


def wake(name: str) -> None:
    """Run the loop ``name`` now instead of after its interval, if it runs in this process
    (say after a commit that gave it work); elsewhere nothing happens, and that loop finds
    the work at its next run."""
    event = _wake_events.get(name)
    if event is not None:
        event.set()


def interval(loop: Loop) -> float:
    seconds = loop.seconds
    return float(getattr(settings, seconds) if isinstance(seconds, str) else seconds)


def run_loop(loop: Loop, stop: threading.Event) -> None:
    """Run ``loop`` until ``stop`` is set: again at once after a run that did something or
    a ``wake``, after its interval otherwise, and after a pause when it fails (logged;
    its work is safe to retry)."""
    function = load(loop.function)
    woken = _wake_events.setdefault(loop.name, threading.Event())
    while not stop.is_set():
        woken.clear()
        try:
            done = function()
        except Exception:
            logger.exception("background loop %s failed", loop.name)
            stop.wait(RETRY_AFTER_ERROR_SECONDS)
            continue
        if not done:
            woken.wait(interval(loop))


def start_loops(skip: set[str] = frozenset()) -> threading.Event:
    """Start every domain's loop not in ``skip``, each in a daemon thread."""
    stop = threading.Event()
    for loop in collect("loops"):
        if loop.name not in skip:
            threading.Thread(
                target=run_loop,
                args=(loop, stop),
                daemon=True,
                name=f"{LOOP_THREAD_PREFIX}{loop.name}",
            ).start()
    return stop


def stop_loops(stop: threading.Event) -> None:
    """Stop the loops started with ``stop`` now: each waiting one is woken to see it,
    instead of at the end of its interval."""
    stop.set()
    for event in list(_wake_events.values()):
        event.set()


def loop_names() -> list[str]:
    return [loop.name for loop in collect("loops")]
