"""Real processes delivering the change feed, for the crash and concurrency tests of its
subscribers: each delivers one subscriber's batches until none is left, a few batches
per transaction, and may be armed to kill itself at a ``pacer.core.faults`` point."""

import time
from pathlib import Path

from pacer.core.models import ChangeBatch, FeedCursor
from tests import forked
from tests.ingest.live import environment

SIGKILL = -9
DELIVER = """
import sys, time, django
from pathlib import Path
django.setup()
from pacer.core.domains import load
from pacer.core.feed import deliver
subscriber, limit, handed = load(sys.argv[1]), int(sys.argv[2]), 0
if len(sys.argv) > 3:  # started with others: say ready, then wait for the go
    ready, go = Path(sys.argv[3]), Path(sys.argv[4])
    ready.touch()
    while not go.exists():
        time.sleep(0.01)
while (delivered := deliver(subscriber, limit=limit)):
    handed += delivered
print(handed)
"""


def deliverer(
    subscriber: str, *, fault: str = "", limit: int = 2, barrier: tuple[Path, Path] | None = None
):
    """Start a process delivering ``subscriber`` (its dotted path) ``limit`` batches per
    transaction until none is left; it prints how many batches it handed over. With
    ``barrier`` (ready, go) it creates ``ready`` once set up and starts when ``go`` exists."""
    env = environment(PACER_FAULT=fault)
    waits = [str(path) for path in barrier] if barrier else []
    return forked.start(["-c", DELIVER, subscriber, str(limit), *waits], env=env)


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


def together(processes: dict[str, tuple[str, int]], folder: Path) -> dict[str, int]:
    """Start a deliverer per name (subscriber, batches per transaction), let them begin at
    the same moment once all are set up, and return how many batches each handed over."""
    go = folder / "go"
    running = {
        name: deliverer(subscriber, limit=limit, barrier=(folder / name, go))
        for name, (subscriber, limit) in processes.items()
    }
    deadline = time.monotonic() + 180
    while not all((folder / name).exists() for name in running):
        failed = [p.communicate()[1] for p in running.values() if p.poll() is not None]
        assert not failed and time.monotonic() < deadline, failed
        time.sleep(0.05)
    go.touch()
    handed = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, f"{name}: {err[-3000:]}"
        handed[name] = int(out.split()[-1])
    return handed
