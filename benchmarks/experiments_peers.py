"""Experiment statistics: Pacer against gbstats (GrowthBook) and statsmodels, same inputs.

For 2,000 random experiments given as sufficient statistics, computes Welch's absolute
and relative (delta-method) results with Pacer here and with gbstats' TwoSidedTTest and
statsmodels' ttest_ind_from_stats-equivalent in the peers environment; prints the
largest differences (target <= 1e-6 where the formulas agree) and the time per analysis.
Also compares the Cohen's h sample size with statsmodels' NormalIndPower.

Run: make bench-peers && .venv/bin/python benchmarks/experiments_peers.py
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import run_peer  # noqa: E402

from pacer.analytics.experiments import ArmStats, sample_size, welch  # noqa: E402

rng = np.random.default_rng(8)
count = 2000
rows = []
for _ in range(count):
    n_a, n_b = rng.integers(200, 50_000, 2)
    mean_a, mean_b = rng.uniform(1, 20), rng.uniform(1, 20)
    sd_a, sd_b = rng.uniform(0.5, 10, 2)
    sum_a, sum_b = mean_a * n_a, mean_b * n_b
    rows.append(
        {
            "n_a": int(n_a),
            "sum_a": sum_a,
            "ss_a": (sd_a**2) * (n_a - 1) + sum_a**2 / n_a,
            "n_b": int(n_b),
            "sum_b": sum_b,
            "ss_b": (sd_b**2) * (n_b - 1) + sum_b**2 / n_b,
        }
    )
started = time.perf_counter()
ours = [
    welch(ArmStats(r["n_a"], r["sum_a"], r["ss_a"]), ArmStats(r["n_b"], r["sum_b"], r["ss_b"]))
    for r in rows
]
ours_seconds = time.perf_counter() - started
rates = [(0.1, 0.12), (0.3, 0.33), (0.02, 0.025), (0.5, 0.55)]
with tempfile.TemporaryDirectory() as tmp:
    data = Path(tmp) / "stats.csv"
    pl.DataFrame(rows).write_csv(data)
    peer = run_peer("experiment_stats.py", str(data), repr(rates))


def worst(ours_values, theirs_values) -> float:
    return float(np.max(np.abs(np.asarray(ours_values) - np.asarray(theirs_values))))


print(f"Experiment analysis, {count:,} two-arm experiments (Welch, sufficient statistics):")
print(
    f"  Pacer: {ours_seconds / count * 1e6:.0f} us per analysis; gbstats "
    f"{peer['gbstats_version']}: {peer['gbstats_seconds'] / count * 1e6:.0f} us "
    f"(ratio {peer['gbstats_seconds'] / ours_seconds:.1f}x)"
)
print(
    "  largest differences vs gbstats: "
    f"p-value {worst([c.p_value for c in ours], peer['abs_p']):.1e}, "
    f"absolute CI {worst([c.absolute_ci for c in ours], peer['abs_ci']):.1e}, "
    f"relative CI {worst([c.relative_ci for c in ours], peer['rel_ci']):.1e}"
)
print(
    "  largest differences vs statsmodels "
    f"{peer['statsmodels_version']} (Welch t, df, p): "
    f"t {worst([c.t for c in ours], peer['sm_t']):.1e}, "
    f"df {worst([c.df for c in ours], peer['sm_df']):.1e}, "
    f"p {worst([c.p_value for c in ours], peer['sm_p']):.1e}"
)
sizes = [sample_size(p1, p2, method="cohens_h") for p1, p2 in rates]
print(
    f"  Cohen's h sample size vs statsmodels NormalIndPower: largest difference "
    f"{worst(sizes, peer['power_n']):.1e} observations"
)
