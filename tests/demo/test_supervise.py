"""``pacer demo`` runs the web server and the worker under ``supervise``: stopping the demo,
by Ctrl+C or by SIGTERM (``kill``, a service manager), stops both; one of them failing
stops the other and the demo with its exit status. Real processes; children that sleep
stand in for the server and the worker."""

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.demo


def _child(pid_file, exit_after: float | None = None) -> list[str]:
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); " + (
        f"time.sleep({exit_after}); raise SystemExit(3)" if exit_after else "time.sleep(120)"
    )
    return [sys.executable, "-c", code]


def _start(commands: dict) -> subprocess.Popen:
    code = f"import sys; from pacer.demo.cli import supervise; sys.exit(supervise({commands!r}))"
    return subprocess.Popen([sys.executable, "-c", code], cwd=os.getcwd())


def _pids(tmp_path, names) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        files = [tmp_path / f"{name}.pid" for name in names]
        if all(f.exists() and f.read_text() for f in files):
            return [int(f.read_text()) for f in files]
        time.sleep(0.05)
    raise AssertionError("the children did not start")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_demo_stops_the_server_and_the_worker(tmp_path, stop):
    names = ["web", "worker"]
    supervisor = _start({n: _child(tmp_path / f"{n}.pid") for n in names})
    pids = _pids(tmp_path, names)
    assert all(_alive(pid) for pid in pids)
    supervisor.send_signal(stop)
    assert supervisor.wait(timeout=30) == 0
    assert [pid for pid in pids if _alive(pid)] == []


def test_a_child_that_fails_stops_the_other_and_the_demo_with_its_status(tmp_path):
    supervisor = _start(
        {
            "web": _child(tmp_path / "web.pid"),
            "worker": _child(tmp_path / "worker.pid", exit_after=1),
        },
    )
    web, _ = _pids(tmp_path, ["web", "worker"])
    assert supervisor.wait(timeout=30) == 3
    assert not _alive(web)
