"""BG/NBD fit on 1M customers: Pacer against lifetimes' BetaGeoFitter, same data.

Draws 1M customers from a BG/NBD population (r=0.6, alpha=4, a=0.8, b=2.5; weekly,
ages 10-78 weeks), fits Pacer's BGNBD (analytic gradients) here and lifetimes 0.11.3 in
the peers environment, and prints both times, the ratio and both sets of estimates.

Run: make bench-peers && .venv/bin/python benchmarks/clv_bgnbd.py [customers]
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import run_peer  # noqa: E402

from pacer.analytics.clv import BGNBD  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rng = np.random.default_rng(11)
T = rng.uniform(10, 78, n)
lam = rng.gamma(0.6, 1 / 4.0, n)
p = rng.beta(0.8, 2.5, n)
x = np.zeros(n)
t_x = np.zeros(n)
now = np.zeros(n)
alive = np.ones(n, dtype=bool)
while alive.any():
    now = now + rng.exponential(1.0, n) / lam
    alive &= now < T
    x += alive
    t_x = np.where(alive, now, t_x)
    alive &= rng.random(n) >= p
timings = []
for _ in range(3):
    started = time.perf_counter()
    ours = BGNBD.fit(x, t_x, T)
    timings.append(time.perf_counter() - started)
with tempfile.TemporaryDirectory() as tmp:
    data = Path(tmp) / "customers.csv"
    pl.DataFrame({"frequency": x, "recency": t_x, "T": T}).write_csv(data)
    peer = run_peer("lifetimes_bgnbd.py", str(data))
print(f"BG/NBD fit, {n:,} customers:")
print(
    f"  Pacer: {min(timings):.2f} s  r={ours.r:.4f} alpha={ours.alpha:.4f} a={ours.a:.4f} "
    f"b={ours.b:.4f}"
)
theirs = peer["params"]
print(
    f"  lifetimes {peer['version']}: {peer['seconds']:.2f} s  r={theirs['r']:.4f} "
    f"alpha={theirs['alpha']:.4f} a={theirs['a']:.4f} b={theirs['b']:.4f}"
)
print(
    f"  ratio lifetimes / Pacer: {peer['seconds'] / min(timings):.1f}x (target >= 10x); "
    f"truth r=0.6 alpha=4.0 a=0.8 b=2.5"
)
