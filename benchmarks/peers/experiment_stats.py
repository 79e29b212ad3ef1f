"""Peer side of experiments_peers.py: gbstats and statsmodels on the same statistics.

Loads the per-experiment sufficient statistics once. Each stdin line ``gbstats`` runs
gbstats' two-sided t-test (absolute and relative) on every experiment and answers with
its time and results; ``reference`` answers with statsmodels' Welch t, df and p and its
NormalIndPower sample sizes for the rates given as the second argument. With
``--once``, runs gbstats once and exits.
"""

import ast
import json
import math
import sys
import time

import gbstats
import pandas as pd
import statsmodels
from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
from gbstats.models.statistics import SampleMeanStatistic
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize
from statsmodels.stats.weightstats import _tstat_generic

rows = pd.read_csv(sys.argv[1]).to_dict("records")
rates = ast.literal_eval(sys.argv[2])


def run_gbstats() -> dict:
    abs_p, abs_ci, rel_ci = [], [], []
    started = time.perf_counter()
    for r in rows:
        a = SampleMeanStatistic(n=r["n_a"], sum=r["sum_a"], sum_squares=r["ss_a"])
        b = SampleMeanStatistic(n=r["n_b"], sum=r["sum_b"], sum_squares=r["ss_b"])
        absolute = TwoSidedTTest(a, b, FrequentistConfig(difference_type="absolute"))
        relative = TwoSidedTTest(a, b, FrequentistConfig(difference_type="relative"))
        absolute, relative = absolute.compute_result(), relative.compute_result()
        abs_p.append(absolute.p_value)
        abs_ci.append(list(absolute.ci))
        rel_ci.append(list(relative.ci))
    return {
        "seconds": time.perf_counter() - started,
        "version": gbstats.__version__,
        "abs_p": abs_p,
        "abs_ci": abs_ci,
        "rel_ci": rel_ci,
    }


def run_reference() -> dict:
    sm_t, sm_df, sm_p = [], [], []
    for r in rows:
        mean_a, mean_b = r["sum_a"] / r["n_a"], r["sum_b"] / r["n_b"]
        var_a = (r["ss_a"] - r["sum_a"] ** 2 / r["n_a"]) / (r["n_a"] - 1)
        var_b = (r["ss_b"] - r["sum_b"] ** 2 / r["n_b"]) / (r["n_b"] - 1)
        va, vb = var_a / r["n_a"], var_b / r["n_b"]
        dof = (va + vb) ** 2 / (va**2 / (r["n_a"] - 1) + vb**2 / (r["n_b"] - 1))
        t, p = _tstat_generic(mean_b, mean_a, math.sqrt(va + vb), dof, "two-sided", diff=0)
        sm_t.append(float(t))
        sm_df.append(dof)
        sm_p.append(float(p))
    power_n = [
        NormalIndPower().solve_power(proportion_effectsize(p2, p1), alpha=0.05, power=0.8)
        for p1, p2 in rates
    ]
    return {
        "version": statsmodels.__version__,
        "sm_t": sm_t,
        "sm_df": sm_df,
        "sm_p": sm_p,
        "power_n": power_n,
    }


if "--once" in sys.argv:
    run_gbstats()
else:
    for line in sys.stdin:
        answer = run_gbstats() if line.strip() == "gbstats" else run_reference()
        print("ANSWER " + json.dumps(answer), flush=True)
