"""Experiment statistics: Pacer against gbstats (GrowthBook) and statsmodels, same inputs.

For 2,000 random experiments given as sufficient statistics (written to a CSV file),
Pacer's Welch analysis (absolute and relative effects) runs here and gbstats'
TwoSidedTTest (absolute and relative) in the peers environment, in turn, ``--runs``
times each (default 5); then whole processes in turn (a fresh interpreter reading the
file and analysing every experiment once). Prints medians with their range per
analysis, the ratio of medians, the largest differences from gbstats and from
statsmodels' Welch t-test (target <= 1e-6 where the formulas agree), and the Cohen's h
sample size against statsmodels' NormalIndPower.

Run: make bench-peers && .venv/bin/python benchmarks/experiments_peers.py [--runs N]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import process_seconds, ratio, runs_from_argv, seconds, spread  # noqa: E402
from _peers import Peer, peer_command  # noqa: E402

from pacer.analytics.experiments import ArmStats, sample_size, welch  # noqa: E402

COUNT = 2000
RATES = [(0.1, 0.12), (0.3, 0.33), (0.02, 0.025), (0.5, 0.55)]


def analyse(rows: list[dict]) -> list:
    return [
        welch(ArmStats(r["n_a"], r["sum_a"], r["ss_a"]), ArmStats(r["n_b"], r["sum_b"], r["ss_b"]))
        for r in rows
    ]


def experiments() -> list[dict]:
    rng = np.random.default_rng(8)
    rows = []
    for _ in range(COUNT):
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
    return rows


def worst(ours_values, theirs_values) -> float:
    return float(np.max(np.abs(np.asarray(ours_values) - np.asarray(theirs_values))))


def main() -> None:
    runs = runs_from_argv()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "stats.csv")
        pl.DataFrame(experiments()).write_csv(path)
        rows = pl.read_csv(path).to_dicts()  # both sides analyse the numbers in the file
        ours, theirs = [], []
        with Peer("experiment_stats.py", path, repr(RATES)) as peer:
            for _ in range(runs):
                ours.append(seconds(lambda: analyse(rows)))
                answer = peer.run("gbstats")
                theirs.append(answer["seconds"])
            reference = peer.run("reference")
        ours_process, theirs_process = [], []
        for _ in range(runs):
            ours_process.append(process_seconds([sys.executable, __file__, "--once", path]))
            peer_once = peer_command("experiment_stats.py", path, repr(RATES), "--once")
            theirs_process.append(process_seconds(peer_once))
    results = analyse(rows)
    per = 1e6 / COUNT
    print(f"Experiment analysis, {COUNT:,} two-arm experiments (Welch, sufficient statistics):")
    print(f"  Pacer: {spread(ours, 'us per analysis', per)}; whole process {spread(ours_process)}")
    print(
        f"  gbstats {answer['version']}: {spread(theirs, 'us per analysis', per)}; "
        f"whole process {spread(theirs_process)}"
    )
    print(
        f"  ratio gbstats / Pacer: {ratio(theirs, ours)} in process, "
        f"{ratio(theirs_process, ours_process)} whole process"
    )
    print(
        "  largest differences vs gbstats: "
        f"p-value {worst([c.p_value for c in results], answer['abs_p']):.1e}, "
        f"absolute CI {worst([c.absolute_ci for c in results], answer['abs_ci']):.1e}, "
        f"relative CI {worst([c.relative_ci for c in results], answer['rel_ci']):.1e}"
    )
    print(
        f"  largest differences vs statsmodels {reference['version']} (Welch t, df, p): "
        f"t {worst([c.t for c in results], reference['sm_t']):.1e}, "
        f"df {worst([c.df for c in results], reference['sm_df']):.1e}, "
        f"p {worst([c.p_value for c in results], reference['sm_p']):.1e}"
    )
    sizes = [sample_size(p1, p2, method="cohens_h") for p1, p2 in RATES]
    print(
        "  Cohen's h sample size vs statsmodels NormalIndPower: largest difference "
        f"{worst(sizes, reference['power_n']):.1e} observations"
    )


if __name__ == "__main__":
    if "--once" in sys.argv:
        analyse(pl.read_csv(sys.argv[sys.argv.index("--once") + 1]).to_dicts())
    else:
        main()
