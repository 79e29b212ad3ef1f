"""BG/NBD fit: Pacer against lifetimes' BetaGeoFitter on the same customers, and Pacer's
fit time over data sizes with the machine's BLAS threads and with one.

Draws customers from a BG/NBD population (r=0.6, alpha=4, a=0.8, b=2.5; weekly, ages
10-78 weeks) into a CSV file. At 100k and 1M customers, Pacer's ``BGNBD.fit`` here and
lifetimes 0.11.3 in the peers environment fit them in turn, ``--runs`` times each
(default 5): fit times in process, then whole processes (a fresh interpreter reading
the CSV and fitting once) in turn. Then Pacer alone over 10k-1M customers, including
both sides of the warm-start threshold, in a process with the default BLAS threads and
one with OPENBLAS_NUM_THREADS=1. Prints medians with their range and ratios of medians.

Run: make bench-peers && .venv/bin/python benchmarks/clv_bgnbd.py [customers] [--runs N]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import process_seconds, ratio, runs_from_argv, seconds, spread  # noqa: E402
from _peers import Peer, peer_command  # noqa: E402

from pacer.analytics.clv import BGNBD, WARM_START_SAMPLE  # noqa: E402

SWEEP = (10_000, WARM_START_SAMPLE - 1, WARM_START_SAMPLE + 1, 399_999, 400_001, 1_000_000)


def customers(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    T = np.random.default_rng(11).uniform(10, 78, n)
    x, t_x = BGNBD(r=0.6, alpha=4.0, a=0.8, b=2.5).simulate(T, seed=11)
    return x, t_x, T


def fit_file(path: str) -> BGNBD:
    data = pl.read_csv(path)
    return BGNBD.fit(*(data[c].to_numpy() for c in ("frequency", "recency", "T")))


def sweep(runs: int) -> dict:
    """Median fit seconds per size (prefixes of one 1M draw), in this process."""
    x, t_x, T = customers(max(SWEEP))
    return {
        n: [seconds(lambda n=n: BGNBD.fit(x[:n], t_x[:n], T[:n])) for _ in range(runs)]
        for n in SWEEP
    }


def compare(n: int, runs: int, directory: str) -> None:
    x, t_x, T = customers(n)
    path = str(Path(directory) / f"customers-{n}.csv")
    pl.DataFrame({"frequency": x, "recency": t_x, "T": T}).write_csv(path)
    ours, theirs = [], []
    with Peer("lifetimes_bgnbd.py", path) as peer:
        for _ in range(runs):
            ours.append(seconds(lambda: BGNBD.fit(x, t_x, T)))
            answer = peer.run()
            theirs.append(answer["seconds"])
    ours_process, theirs_process = [], []
    for _ in range(runs):
        ours_process.append(process_seconds([sys.executable, __file__, "--once", path]))
        theirs_process.append(process_seconds(peer_command("lifetimes_bgnbd.py", path, "--once")))
    model = BGNBD.fit(x, t_x, T)
    fit = model.diagnostics
    p = answer["params"]
    print(f"BG/NBD fit, {n:,} customers ({fit.method}, {fit.iterations} iterations):")
    print(f"  Pacer: fit {spread(ours)}; whole process {spread(ours_process)}")
    print(
        f"  lifetimes {answer['version']}: fit {spread(theirs)}; "
        f"whole process {spread(theirs_process)}"
    )
    print(
        f"  ratio lifetimes / Pacer: fit {ratio(theirs, ours)}, "
        f"whole process {ratio(theirs_process, ours_process)}"
    )
    se = fit.standard_errors
    print(
        "  Pacer   r={:.4f} alpha={:.4f} a={:.4f} b={:.4f} (standard errors {:.4f} {:.4f} "
        "{:.4f} {:.4f})".format(model.r, model.alpha, model.a, model.b, *se.values())
    )
    print(
        f"  lifetimes r={p['r']:.4f} alpha={p['alpha']:.4f} a={p['a']:.4f} b={p['b']:.4f}; "
        "truth r=0.6 alpha=4.0 a=0.8 b=2.5"
    )


def main() -> None:
    runs = runs_from_argv()
    numbers = [
        a for a in sys.argv[1:] if a.isdigit() and sys.argv[sys.argv.index(a) - 1] != "--runs"
    ]
    with tempfile.TemporaryDirectory() as directory:
        for n in [int(numbers[0])] if numbers else [100_000, 1_000_000]:
            compare(n, runs, directory)
    print(f"Pacer's fit time by customers, median of {runs} runs (min-max):")
    results = {}
    for label, threads in (("default BLAS threads", None), ("OPENBLAS_NUM_THREADS=1", "1")):
        env = dict(os.environ)
        if threads:
            env["OPENBLAS_NUM_THREADS"] = threads
        command = [sys.executable, __file__, "--sweep-worker", "--runs", str(runs)]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        results[label] = json.loads(output.stdout.strip().splitlines()[-1])
    for n in SWEEP:
        cells = []
        for label, times in results.items():
            times = times[str(n)]
            cells.append(
                f"{label} {statistics.median(times):.3f} s ({min(times):.3f}-{max(times):.3f})"
            )
        print(f"  {n:>9,}: " + "; ".join(cells))


if __name__ == "__main__":
    if "--once" in sys.argv:
        fit_file(sys.argv[sys.argv.index("--once") + 1])
    elif "--sweep-worker" in sys.argv:
        print(json.dumps(sweep(runs_from_argv())))
    else:
        main()
