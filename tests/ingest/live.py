"""Real Pacer processes for crash and concurrency tests: a web server, an event processor."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

from tests import forked
from tests.conftest import database_url

PROCESS_EVENTS = (
    "import django; django.setup(); "
    "from pacer.ingest.processing import process_pending; print(process_pending())"
)
# Accepts the batch on stdin for the workspace named by its slug, then prints the
# results: the acknowledgement, given only once ``accept`` has returned.
ACCEPT_BATCH = """
import sys, django, orjson
django.setup()
from django.utils import timezone
from pacer.core.models import Workspace
from pacer.ingest.actions import accept
workspace = Workspace.objects.get(slug=sys.argv[1])
results = accept(workspace, orjson.loads(sys.stdin.buffer.read()), received_at=timezone.now())
print(orjson.dumps([r.as_dict() for r in results]).decode())
"""


def environment(**extra: str) -> dict:
    """The environment for a Pacer process on the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pacer.settings",
        "PACER_DATABASE_URL": database_url(),
        **extra,
    }


def processor(*, fault: str = "", chunk: int = 50):
    """Start a process that processes every pending event, prints how many, and exits
    (or kills itself at ``fault``, a ``pacer.core.faults`` point)."""
    env = environment(PACER_FAULT=fault, PACER_INGEST_PROCESS_CHUNK=str(chunk))
    return forked.start(["-c", PROCESS_EVENTS], env=env)


def run_processor(*, fault: str = "", chunk: int = 50, timeout: float = 120) -> tuple[int, str]:
    """Run ``processor`` to its end: (exit status, output)."""
    process = processor(fault=fault, chunk=chunk)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out + err


def run_accept(workspace_slug: str, messages: list, *, fault: str = "") -> tuple[int, str]:
    """Accept ``messages`` in a separate process: (exit status, its printed results)."""
    import orjson

    done = forked.run(
        ["-c", ACCEPT_BATCH, workspace_slug],
        input=orjson.dumps(messages),
        env=environment(PACER_FAULT=fault),
        text=False,
        timeout=120,
    )
    return done.returncode, done.stdout.decode() + done.stderr.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def web_server(*, fault: str = ""):
    """``pacer serve`` (uvicorn, ASGI) on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pacer.cli", "serve", "--port", str(port)],
        env=environment(PACER_FAULT=fault),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        process.stderr.close()
