"""CPU seconds per test, for finding what makes the suite slow on a busy machine.

Wall-clock durations (``--durations``) grow with the machine's load; CPU time does not.
With ``PACER_TEST_CPU_LOG=FILE`` set, each test's setup, call and teardown append one
tab-separated line to FILE: node id, phase, CPU seconds of the test process, CPU seconds
of the processes it started and waited for (crash-test workers, the CLI, the children of
the fork server in ``tests/forked.py``; not Chromium,
which is not waited for until the session ends), and wall seconds (the rest of the wall
time is waiting: for the PostgreSQL server, a subprocess not yet reaped, or the machine).
``scripts/test-cpu-report.py`` sums the lines by test file.
"""

import os
import resource
import time

import pytest

from tests import forked

LOG = os.environ.get("PACER_TEST_CPU_LOG", "")


def _spent() -> tuple[float, float, float]:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = children.ru_utime + children.ru_stime + forked.cpu_seconds
    return time.process_time(), started, time.monotonic()


def _logged(item, phase: str):
    started = _spent()
    outcome = yield
    ended = _spent()
    with open(LOG, "a", encoding="utf-8") as log:
        own, children, wall = (end - start for end, start in zip(ended, started, strict=True))
        log.write(f"{item.nodeid}\t{phase}\t{own:.3f}\t{children:.3f}\t{wall:.3f}\n")
    return outcome


if LOG:

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(item):
        return (yield from _logged(item, "setup"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(item):
        return (yield from _logged(item, "call"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(item):
        return (yield from _logged(item, "teardown"))
