"""Markov attribution on 1M journeys: Pacer (exact) against ChannelAttribution (simulated).

Generates 1M journeys over 8 channels (1-6 touches, conversion logistic in the channels
touched), times Pacer's exact first-order Markov model on them, and runs
ChannelAttribution's ``markov_model`` on the same paths (aggregated, as it expects) in
the peers environment, with its defaults and with simulated paths not cut off at the
longest observed path. Prints the times, ratios and largest credit differences.

Run: make bench-peers && .venv/bin/python benchmarks/attribution_markov.py [journeys]
"""

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import run_peer  # noqa: E402

from pacer.analytics.attribution import AttributionConfig, attribute  # noqa: E402
from pacer.analytics.journeys import Journeys  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rng = np.random.default_rng(42)
channels = [f"ch{i}" for i in range(8)]
lengths = rng.integers(1, 7, n)
touch_channel = rng.choice(
    8, size=lengths.sum(), p=np.linspace(2, 1, 8) / np.linspace(2, 1, 8).sum()
)
offsets = np.concatenate([[0], np.cumsum(lengths)])
effects = np.linspace(0.6, -0.3, 8)
journey_of_touch = np.repeat(np.arange(n), lengths)
logit = -2.0 + np.bincount(journey_of_touch, weights=effects[touch_channel], minlength=n)
converted = rng.random(n) < 1 / (1 + np.exp(-logit))
journeys = Journeys(
    channels=channels,
    offsets=offsets,
    touch_channel=touch_channel,
    touch_age_days=np.zeros(len(touch_channel)),
    lead_position=np.full(n, -1),
    opportunity_position=np.full(n, -1),
    converted=converted,
    value=converted * 1.0,
)
timings = []
for _ in range(3):
    started = time.perf_counter()
    fresh = dataclasses.replace(journeys)  # no per-touch arrays cached from the last run
    ours = attribute(fresh, AttributionConfig("markov", markov_order=1))
    timings.append(time.perf_counter() - started)
pacer_seconds = min(timings)

paths = pl.DataFrame({"journey": journey_of_touch, "channel": [channels[c] for c in touch_channel]})
aggregated = (
    paths.group_by("journey", maintain_order=True)
    .agg(pl.col("channel").str.join(" > ").alias("path"))
    .with_columns(converted=pl.Series(converted))
    .group_by("path")
    .agg(total_conversions=pl.col("converted").sum(), total_null=(~pl.col("converted")).sum())
)
with tempfile.TemporaryDirectory() as tmp:
    data = Path(tmp) / "paths.csv"
    aggregated.write_csv(data)
    peer = run_peer("channel_attribution.py", str(data))
ours_credit = dict(zip(ours.channels, ours.conversions.tolist(), strict=True))


def worst_gap(credits: dict) -> float:
    return max(abs(ours_credit[c] - credits[c]) / credits[c] for c in channels)


defaults, untruncated = peer["runs"]["defaults"], peer["runs"]["untruncated"]
print(f"Markov attribution, {n:,} journeys ({aggregated.height:,} distinct paths), order 1:")
print(f"  Pacer (exact linear solve, per-journey input): {pacer_seconds:.2f} s")
print(
    f"  ChannelAttribution {peer['version']} markov_model, defaults (aggregated input): "
    f"{defaults['seconds']:.2f} s; ratio {defaults['seconds'] / pacer_seconds:.2f}x; "
    f"largest credit difference {worst_gap(defaults['credits']):.3%}"
)
print(
    f"  ChannelAttribution, max_step=100 and 1e7 simulations: {untruncated['seconds']:.2f} s; "
    f"ratio {untruncated['seconds'] / pacer_seconds:.2f}x; largest credit difference "
    f"{worst_gap(untruncated['credits']):.3%} (target <= 1%)"
)
