"""Pacer processes for the crash and concurrency tests, started by forking.

A crash test starts a real process many times (``python -c SCRIPT`` or ``python -m
pacer.cli ...``), each armed to kill itself at a fault point. Most of such a process's
CPU went into importing the same libraries again (Django, pydantic, Jinja, the data
libraries: about half a second each, two more for the warehouse's). Here one server
process imports them once, without Pacer and without Django's settings, and forks a
child for each run: the child takes the test's environment, working folder and argv,
then runs the script as ``python`` would, so it sets Django up itself (settings from its
own environment, its own database connection, ``pacer.core.faults`` armed from its own
``PACER_FAULT``). It is a separate process with its own pid: a kill, a SIGKILL at a
fault point, its exit status and its output are those of a ``subprocess`` child.

``PACER_TEST_FORK=0`` starts every process with ``subprocess`` instead (to compare).
The children are the server's, so their CPU time is not in the test process's
``RUSAGE_CHILDREN``: the server reports each one's, summed in ``cpu_seconds``
(``tests/cpu_log.py`` adds it).
"""

import atexit
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

FORK = os.environ.get("PACER_TEST_FORK", "1") != "0"
# The server: import the libraries, check that neither Pacer nor Django's settings came
# with them, then fork one child per request line (JSON) read on stdin; report
# "started ID PID" and "exited PID STATUS CPU_SECONDS" lines on stdout. One thread, so that no lock
# is held by another thread at a fork.
SERVER = r"""
import json, os, runpy, select, signal, sys, traceback
import django, django.db.models, django.http, django.urls, django.forms, django.template
import django.core.mail, django.views.generic, django_tasks, pydantic, jinja2, sqlparse
import orjson
import numpy, pyarrow, polars, duckdb, deltalake, ibis, scipy.stats, scipy.optimize
from django.conf import settings
loaded = [name for name in sys.modules if name == "pacer" or name.startswith("pacer.")]
assert not loaded and not settings.configured, f"the fork server loaded {loaded}"
control_in, control_out = sys.stdin.buffer, os.fdopen(os.dup(1), "w", buffering=1)


def run_child(request):
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGINT, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    for fd, path, flags in (
        (0, request["stdin"] or os.devnull, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    if request["stderr"]:
        opened = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, 2)
        os.close(opened)
    else:
        os.dup2(1, 2)
    sys.stdin, sys.stdout, sys.stderr = (
        open(0, closefd=False), open(1, "w", closefd=False), open(2, "w", closefd=False)
    )
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    how, what, *argv = request["args"]
    status = 0
    try:
        if how == "-c":
            sys.argv = ["-c", *argv]
            exec(compile(what, "<string>", "exec"), {"__name__": "__main__"})
        else:
            sys.argv = [what, *argv]
            runpy.run_module(what, run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            status = exit.code or 0
        else:
            print(exit.code, file=sys.stderr)
            status = 1
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


woken, wake = os.pipe()
os.set_blocking(woken, False)
os.set_blocking(wake, False)
signal.set_wakeup_fd(wake)
signal.signal(signal.SIGCHLD, lambda *_: None)  # a byte on ``wake`` at each exit
children = set()
while True:
    ready, _, _ = select.select([control_in, woken], [], [])
    if woken in ready:
        while True:
            try:
                os.read(woken, 512)
            except BlockingIOError:
                break
    if control_in in ready:
        line = control_in.readline()
        if not line:
            break
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            control_out.close()
            os.close(woken)
            os.close(wake)
            run_child(request)
        children.add(pid)
        control_out.write(f"started {request['id']} {pid}\n")
    while children:
        pid, status, usage = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            break
        children.discard(pid)
        code, cpu = os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime
        control_out.write(f"exited {pid} {code} {cpu:.3f}\n")
"""


class _Server:
    """The fork server: started on first use, stopped when the tests end."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        )
        self.ids = itertools.count()
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.started: dict[int, int] = {}
        self.exited: dict[int, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        global cpu_seconds
        for line in self.process.stdout:
            kind, first, second, *cpu = line.decode().split()
            with self.changed:
                if kind == "started":
                    self.started[int(first)] = int(second)
                else:
                    self.exited[int(first)] = int(second)
                    cpu_seconds += float(cpu[0])
                self.changed.notify_all()
        with self.changed:
            self.exited[-1] = -1  # the server is gone: every wait ends
            self.changed.notify_all()

    def fork(self, request: dict) -> int:
        with self.lock:
            request_id = next(self.ids)
            self.process.stdin.write(json.dumps({**request, "id": request_id}).encode() + b"\n")
            self.process.stdin.flush()
        with self.changed:
            self.changed.wait_for(lambda: request_id in self.started or -1 in self.exited)
            assert -1 not in self.exited, "the fork server died"
            return self.started.pop(request_id)

    def wait(self, pid: int, timeout: float | None) -> int | None:
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exited or -1 in self.exited, timeout)
            if pid not in self.exited and -1 in self.exited:
                raise RuntimeError("the fork server died")
            return self.exited.get(pid)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


_server: _Server | None = None
cpu_seconds = 0.0  # the CPU time of the children that have ended (for tests/cpu_log.py)


def _the_server() -> _Server:
    global _server
    if _server is None:
        _server = _Server()
        atexit.register(_server.stop)
    return _server


class Child:
    """A forked process with the part of ``subprocess.Popen``'s interface the tests use;
    its output goes to files, read once it has ended."""

    def __init__(self, args, env, *, text, merge_stderr, stdin: bytes | None):
        self.folder = Path(tempfile.mkdtemp(prefix="pacer-child-"))
        self.text, self.returncode = text, None
        stdin_path = ""
        if stdin is not None:
            stdin_path = str(self.folder / "stdin")
            Path(stdin_path).write_bytes(stdin)
        self.out = self.folder / "stdout"
        self.err = None if merge_stderr else self.folder / "stderr"
        self.args = args
        self.pid = _the_server().fork(
            {
                "args": list(args),
                "env": dict(env),
                "cwd": os.getcwd(),
                "stdin": stdin_path,
                "stdout": str(self.out),
                "stderr": str(self.err) if self.err else "",
            }
        )

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = _the_server().wait(self.pid, 0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = _the_server().wait(self.pid, timeout)
            if self.returncode is None:
                raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)

    def _read(self, path: Path | None):
        if path is None:
            return None
        data = path.read_bytes() if path.exists() else b""
        return data.decode(errors="replace") if self.text else data

    def communicate(self, timeout: float | None = None):
        self.wait(timeout)
        out, err = self._read(self.out), self._read(self.err)
        shutil.rmtree(self.folder, ignore_errors=True)  # a second call reads nothing
        return out, err


def start(args: list[str], *, env: dict, text: bool = True, merge_stderr: bool = False):
    """Start ``python *args`` (``["-c", script, ...]`` or ``["-m", module, ...]``) with
    ``env``; stdout and stderr are read by ``communicate`` (stderr into stdout with
    ``merge_stderr``). A ``Child``, or a ``subprocess.Popen`` with ``PACER_TEST_FORK=0``."""
    if FORK:
        return Child(args, env, text=text, merge_stderr=merge_stderr, stdin=None)
    return subprocess.Popen(
        [sys.executable, *args],
        env=env,
        text=text,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
    )


def run(
    args: list[str],
    *,
    env: dict,
    text: bool = True,
    input: bytes | None = None,  # noqa: A002 (as subprocess.run names it)
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run ``python *args`` to its end (``subprocess.run`` with ``capture_output``)."""
    if not FORK:
        return subprocess.run(
            [sys.executable, *args],
            env=env,
            text=text,
            input=input.decode() if text and input is not None else input,
            capture_output=True,
            timeout=timeout,
        )
    child = Child(args, env, text=text, merge_stderr=False, stdin=input)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    return subprocess.CompletedProcess(args, child.returncode, out, err)
