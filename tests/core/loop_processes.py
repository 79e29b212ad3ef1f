"""Real worker-loop processes for the kill tests of the loops, and a real HTTP endpoint
for what they send out (webhooks, SMS): a test runs a loop function in a ``python -c``
child, armed with ``PACER_FAULT`` to kill itself at a ``pacer.core.faults`` point, on a
clock the test sets."""

import email
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests import forked
from tests.ingest.live import environment

SIGKILL = -9
# Runs ``module.function()`` once with ``pacer.core.clock.now`` fixed at argv[3] (ISO)
# and prints what it returned.
LOOP = """
import sys, importlib, django
from datetime import datetime
django.setup()
from pacer.core import clock
at = datetime.fromisoformat(sys.argv[3])
clock.now = lambda: at
print(getattr(importlib.import_module(sys.argv[1]), sys.argv[2])())
"""


def run_loop(path: str, at, *, fault: str = "", timeout: float = 120, **env: str):
    """Run the loop function ``path`` (dotted) once in a child process at the moment
    ``at``; returns (exit status, output). ``env``: more environment variables."""
    variables = environment(PACER_FAULT=fault, **env)
    module, _, function = path.rpartition(".")
    process = forked.run(
        ["-c", LOOP, module, function, at.isoformat()], env=variables, timeout=timeout
    )
    return process.returncode, process.stdout + process.stderr


def subjects(data_dir) -> list[str]:
    """The subjects of the emails in a process's file outbox (``data_dir/outbox``),
    sorted."""
    outbox = data_dir / "outbox"
    found = []
    for path in outbox.iterdir() if outbox.exists() else ():
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk.strip())["Subject"])
    return sorted(found)


class Endpoint:
    """A real HTTP endpoint on 127.0.0.1 that answers ``status`` (200) and keeps each
    request's lower-cased headers and body, in the order they came."""

    def __init__(self, status: int = 200):
        self.seen: list[tuple[dict, bytes]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
