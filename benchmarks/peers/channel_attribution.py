"""Peer side of attribution_markov.py: ChannelAttribution's Markov model (GPL; run here only).

Two settings on the same aggregated paths: its defaults, and without the cut-off of
simulated paths at the longest observed path (``max_step``; a longer simulated path
counts as not converting) and with 1e7 simulations, so that it estimates the absorbing
chain itself. Loads the paths once, then runs the setting named on each stdin line and
answers with a line ``ANSWER {json}``; with ``--once SETTING``, runs it once and exits.
"""

import json
import sys
import time

import ChannelAttribution as ca
import pandas as pd

SETTINGS = {"defaults": {}, "untruncated": {"max_step": 100, "nsim_start": 1e7}}
data = pd.read_csv(sys.argv[1])


def run(setting: str) -> dict:
    started = time.perf_counter()
    result = ca.markov_model(
        data,
        "path",
        "total_conversions",
        var_null="total_null",
        order=1,
        verbose=0,
        flg_pro=False,
        **SETTINGS[setting],
    )
    return {
        "seconds": time.perf_counter() - started,
        "credits": dict(
            zip(result["channel_name"], result["total_conversions"].astype(float), strict=True)
        ),
        "version": "2.2.5",
    }


if "--once" in sys.argv:
    run(sys.argv[sys.argv.index("--once") + 1])
else:
    for line in sys.stdin:
        print("ANSWER " + json.dumps(run(line.strip())), flush=True)
