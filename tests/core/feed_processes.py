"""Real processes delivering the change feed, for the crash and concurrency tests of its
subscribers: each delivers one subscriber's batches until none is left, a few batches
per transaction, and may be armed to kill itself at a ``pacer.core.faults`` point."""

import subprocess
import sys
from pathlib import Path

from pacer.core.models import ChangeBatch, FeedCursor
from tests.ingest.live import environment

SIGKILL = -9
# The killed processes share compiled bytecode (this machine's default is not to write
# it), or each would spend seconds compiling Django and its dependencies again.
BYTECODE = Path(__file__).resolve().parents[2] / "var" / "pycache"
DELIVER = """
import sys, django
django.setup()
from pacer.core.domains import load
from pacer.core.feed import deliver
subscriber, limit, handed = load(sys.argv[1]), int(sys.argv[2]), 0
while (delivered := deliver(subscriber, limit=limit)):
    handed += delivered
print(handed)
"""


def deliverer(subscriber: str, *, fault: str = "", limit: int = 2) -> subprocess.Popen:
    """Start a process delivering ``subscriber`` (its dotted path) ``limit`` batches per
    transaction until none is left; it prints how many batches it handed over."""
    env = environment(PACER_FAULT=fault, PYTHONPYCACHEPREFIX=str(BYTECODE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.Popen(
        [sys.executable, "-c", DELIVER, subscriber, str(limit)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_delivery(subscriber: str, *, fault: str = "", limit: int = 2) -> tuple[int, str]:
    """Run ``deliverer`` to its end (or its fault): (exit status, output)."""
    process = deliverer(subscriber, fault=fault, limit=limit)
    out, err = process.communicate(timeout=180)
    return process.returncode, out + err


def position(name: str) -> int:
    cursor = FeedCursor.objects.filter(subscriber=name).first()
    return cursor.position if cursor else 0


def delivered_batches(workspace, name: str) -> list[ChangeBatch]:
    """The workspace's batches the subscriber ``name`` has had (its cursor is past)."""
    return list(
        ChangeBatch.objects.filter(workspace=workspace, id__lte=position(name)).order_by("id")
    )
