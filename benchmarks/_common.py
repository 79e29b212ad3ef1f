"""Shared set-up for benchmarks: a throw-away data directory with Django configured, and
the timing rules every benchmark follows.

Timing rules: each side (Pacer and its peer) runs the same work on the same input the
same number of times (``RUNS``), alternating when both run in this process's session;
figures are the median with the min-max range, and ratios are ratios of medians.
Beside the in-process time of the work itself, ``process_seconds`` times whole
processes (a fresh interpreter that imports, reads the input and does the work once),
which is what a user running a script sees.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence

RUNS = 5


def django_in_temp_dir(prefix: str) -> str:
    data_dir = tempfile.mkdtemp(prefix=prefix)
    os.environ["PACER_DATA_DIR"] = data_dir
    if not os.environ.get("PACER_BENCH_DATABASE_URL"):
        os.environ.pop("PACER_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


BIG = dict(contacts=1_000_000, months=12, pages_per_touch=4.0, email_sends_per_month=4)


def runs_from_argv(default: int = RUNS) -> int:
    """``--runs N`` on the command line, else ``default``."""
    if "--runs" in sys.argv:
        return int(sys.argv[sys.argv.index("--runs") + 1])
    return default


def seconds(work: Callable[[], object]) -> float:
    """Wall time of one call of ``work``."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def process_seconds(command: Sequence[str], env: dict | None = None) -> float:
    """Wall time of one fresh process running ``command`` (which must succeed)."""
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def spread(times: Sequence[float], unit: str = "s", scale: float = 1.0) -> str:
    """``median (min-max, n runs)`` of ``times``, scaled to ``unit``."""
    values = [t * scale for t in times]
    digits = 3 if max(values) < 10 else 1
    return (
        f"{statistics.median(values):.{digits}f} {unit} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f}, {len(values)} runs)"
    )


def ratio(theirs: Sequence[float], ours: Sequence[float]) -> str:
    """The ratio of the medians, peer over Pacer."""
    return f"{statistics.median(theirs) / statistics.median(ours):.1f}x"
