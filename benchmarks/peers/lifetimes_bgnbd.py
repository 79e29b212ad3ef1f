"""Peer side of clv_bgnbd.py: lifetimes' BetaGeoFitter on the customers in a CSV file.

Loads the file once, then fits once per line read from stdin and answers with a JSON
line (its fit time and estimates); with ``--once``, fits once and exits.
"""

import json
import sys
import time

import lifetimes
import pandas as pd

data = pd.read_csv(sys.argv[1])


def fit() -> dict:
    started = time.perf_counter()
    model = lifetimes.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    seconds = time.perf_counter() - started
    params = {k: float(v) for k, v in model.params_.items()}
    return {"seconds": seconds, "params": params, "version": lifetimes.__version__}


if "--once" in sys.argv:
    fit()
else:
    for _ in sys.stdin:
        print("ANSWER " + json.dumps(fit()), flush=True)
