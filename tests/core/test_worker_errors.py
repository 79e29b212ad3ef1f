"""A failing worker loop is logged and run again: with its traceback when the loop broke,
as one warning line when SQLite's lock timeout stopped it (another writer's long turn,
seen in the demo's first minute under load: five tracebacks for one slow writer)."""

import logging
import threading
import time

import pytest
from django.db.utils import OperationalError

from pacer.core.domains import Loop
from pacer.core.worker import RETRY_AFTER_ERROR_SECONDS, run_loop, stop_loops

RAISED: list[str] = []
ERRORS = {
    "locked": OperationalError("database is locked"),
    "other_operational": OperationalError("no such table: leads_lead"),
    "other": ValueError("a bug"),
}


def fail() -> int:
    kind = RAISED[0]
    RAISED.append(kind)
    raise ERRORS[kind]


def failed_once(kind: str, caplog) -> list[logging.LogRecord]:
    RAISED[:] = [kind]
    stop = threading.Event()
    loop = Loop("test-failing", "tests.core.test_worker_errors.fail", 3600)
    with caplog.at_level(logging.WARNING, logger="pacer.worker"):
        thread = threading.Thread(target=run_loop, args=(loop, stop), daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while len(RAISED) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        stop_loops(stop)
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(RAISED) == 2  # ran once, then waited out its pause until stopped
    return [r for r in caplog.records if r.name == "pacer.worker"]


def test_a_locked_database_is_one_warning_line_without_a_traceback(caplog):
    [record] = failed_once("locked", caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage() == (
        "background loop test-failing waited past the database lock timeout; "
        f"trying again in {RETRY_AFTER_ERROR_SECONDS:.0f} s"
    )


@pytest.mark.parametrize("kind", ["other_operational", "other"])
def test_any_other_failure_is_an_error_with_its_traceback(kind, caplog):
    [record] = failed_once(kind, caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info[1] is ERRORS[kind]
    assert record.getMessage() == "background loop test-failing failed"
