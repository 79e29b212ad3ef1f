"""Peer side of clv_bgnbd.py: lifetimes' BetaGeoFitter."""

import json
import sys
import time

import lifetimes
import pandas as pd

data = pd.read_csv(sys.argv[1])
started = time.perf_counter()
model = lifetimes.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
seconds = time.perf_counter() - started
params = {k: float(v) for k, v in model.params_.items()}
print(json.dumps({"seconds": seconds, "params": params, "version": lifetimes.__version__}))
