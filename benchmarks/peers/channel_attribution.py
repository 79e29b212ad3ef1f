"""Peer side of attribution_markov.py: ChannelAttribution's Markov model (GPL; run here only).

Runs it twice on the same paths: with its defaults, and without the cut-off of simulated
paths at the longest observed path (``max_step``; a longer simulated path counts as not
converting) and with 1e7 simulations, so that it estimates the absorbing chain itself.
"""

import json
import sys
import time

import ChannelAttribution as ca
import pandas as pd

data = pd.read_csv(sys.argv[1])
runs = {}
for name, settings in (("defaults", {}), ("untruncated", {"max_step": 100, "nsim_start": 1e7})):
    started = time.perf_counter()
    result = ca.markov_model(
        data,
        "path",
        "total_conversions",
        var_null="total_null",
        order=1,
        verbose=0,
        flg_pro=False,
        **settings,
    )
    runs[name] = {
        "seconds": time.perf_counter() - started,
        "credits": dict(
            zip(result["channel_name"], result["total_conversions"].astype(float), strict=True)
        ),
    }
print(json.dumps({"runs": runs, "version": "2.2.5"}))
