"""Peer side of attribution_markov.py: ChannelAttribution's Markov model (GPL; run here only)."""

import json
import sys
import time

import ChannelAttribution as ca
import pandas as pd

data = pd.read_csv(sys.argv[1])
started = time.perf_counter()
result = ca.markov_model(
    data, "path", "total_conversions", var_null="total_null", order=1, verbose=0, flg_pro=False
)
seconds = time.perf_counter() - started
credits = dict(zip(result["channel_name"], result["total_conversions"].astype(float), strict=True))
print(json.dumps({"seconds": seconds, "credits": credits, "version": "2.2.5"}))
