"""Markov attribution on 1M journeys: Pacer (exact) against ChannelAttribution (simulated),
and Pacer's Shapley values on the same journeys.

Generates 1M journeys over 8 channels (1-6 touches, conversion logistic in the channels
touched) and writes them to files: per touch for Pacer, aggregated per distinct path for
ChannelAttribution (its input form). Pacer's exact first-order Markov model and
ChannelAttribution's ``markov_model`` (in the peers environment) run in turn,
``--runs`` times each (default 5) on the same journeys: ChannelAttribution with its
defaults and with simulated paths not cut off at the longest observed path. Then whole
processes in turn (a fresh interpreter reading its file and attributing once). Prints
medians with their range, ratios of medians and the largest credit differences.

Run: make bench-peers && .venv/bin/python benchmarks/attribution_markov.py [journeys] [--runs N]
"""

import dataclasses
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import process_seconds, ratio, runs_from_argv, seconds, spread  # noqa: E402
from _peers import Peer, peer_command  # noqa: E402

from pacer.analytics.attribution import AttributionConfig, attribute  # noqa: E402
from pacer.analytics.journeys import Journeys  # noqa: E402

CHANNELS = [f"ch{i}" for i in range(8)]


def journeys_of(touches: pl.DataFrame, converted: np.ndarray) -> Journeys:
    """Journeys straight from per-touch arrays (``journey`` sorted), as the warehouse
    hands them over."""
    journey = touches["journey"].to_numpy()
    n = len(converted)
    lengths = np.bincount(journey, minlength=n)
    return Journeys(
        channels=CHANNELS,
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        touch_channel=touches["channel"].to_numpy().astype(np.int64),
        touch_age_days=np.zeros(len(journey)),
        lead_position=np.full(n, -1),
        opportunity_position=np.full(n, -1),
        converted=converted,
        value=converted * 1.0,
    )


def markov(journeys: Journeys):
    fresh = dataclasses.replace(journeys)  # no per-touch arrays cached from the last run
    return attribute(fresh, AttributionConfig("markov", markov_order=1))


def shapley(journeys: Journeys):
    return attribute(dataclasses.replace(journeys), "shapley")


def once(touch_file: str, outcome_file: str, model: str) -> None:
    """One whole-process run: read the files, attribute once."""
    outcomes = pl.read_parquet(outcome_file)
    journeys = journeys_of(pl.read_parquet(touch_file), outcomes["converted"].to_numpy())
    markov(journeys) if model == "markov" else shapley(journeys)


def main() -> None:
    runs = runs_from_argv()
    args = sys.argv[1:]
    numbers = [a for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--runs")]
    n = int(numbers[0]) if numbers else 1_000_000
    rng = np.random.default_rng(42)
    lengths = rng.integers(1, 7, n)
    share = np.linspace(2, 1, 8) / np.linspace(2, 1, 8).sum()
    touch_channel = rng.choice(8, size=lengths.sum(), p=share)
    journey = np.repeat(np.arange(n), lengths)
    logit = -2.0 + np.bincount(journey, weights=np.linspace(0.6, -0.3, 8)[touch_channel])
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    touches = pl.DataFrame({"journey": journey, "channel": touch_channel.astype(np.int8)})
    journeys = journeys_of(touches, converted)
    aggregated = (
        touches.with_columns(pl.col("channel").replace_strict(range(8), CHANNELS))
        .group_by("journey", maintain_order=True)
        .agg(pl.col("channel").str.join(" > ").alias("path"))
        .with_columns(converted=pl.Series(converted))
        .group_by("path")
        .agg(total_conversions=pl.col("converted").sum(), total_null=(~pl.col("converted")).sum())
    )
    with tempfile.TemporaryDirectory() as tmp:
        touch_file, outcome_file = str(Path(tmp) / "touches.parquet"), str(Path(tmp) / "o.parquet")
        paths_file = str(Path(tmp) / "paths.csv")
        touches.write_parquet(touch_file)
        pl.DataFrame({"converted": converted}).write_parquet(outcome_file)
        aggregated.write_csv(paths_file)
        ours, theirs = [], {"defaults": [], "untruncated": []}
        answers = {}
        with Peer("channel_attribution.py", paths_file) as peer:
            for _ in range(runs):
                ours.append(seconds(lambda: markov(journeys)))
                for setting in theirs:
                    answers[setting] = peer.run(setting)
                    theirs[setting].append(answers[setting]["seconds"])
        ours_process, theirs_process = [], []
        for _ in range(runs):
            command = [sys.executable, __file__, "--once", touch_file, outcome_file, "markov"]
            ours_process.append(process_seconds(command))
            peer = peer_command("channel_attribution.py", paths_file, "--once", "defaults")
            theirs_process.append(process_seconds(peer))
        shapley_times = [seconds(lambda: shapley(journeys)) for _ in range(runs)]
        shapley_process = [
            process_seconds([sys.executable, __file__, "--once", touch_file, outcome_file, "sh"])
            for _ in range(runs)
        ]
    result = markov(journeys)
    credits = dict(zip(result.channels, result.conversions.tolist(), strict=True))

    def worst_gap(theirs_credits: dict) -> float:
        return max(abs(credits[c] - theirs_credits[c]) / theirs_credits[c] for c in CHANNELS)

    version = answers["defaults"]["version"]
    print(f"Markov attribution, {n:,} journeys ({aggregated.height:,} distinct paths), order 1:")
    print(
        f"  Pacer (exact linear solve, per-journey input): {spread(ours)}; "
        f"whole process {spread(ours_process)}"
    )
    print(
        f"  ChannelAttribution {version} markov_model, defaults (aggregated input): "
        f"{spread(theirs['defaults'])}; whole process {spread(theirs_process)}"
    )
    print(
        f"    ratio {ratio(theirs['defaults'], ours)} in process, "
        f"{ratio(theirs_process, ours_process)} whole process; largest credit difference "
        f"{worst_gap(answers['defaults']['credits']):.3%} (last run)"
    )
    print(
        f"  ChannelAttribution, max_step=100 and 1e7 simulations: "
        f"{spread(theirs['untruncated'])}; ratio {ratio(theirs['untruncated'], ours)}; "
        f"largest credit difference {worst_gap(answers['untruncated']['credits']):.3%} "
        "(target <= 1%)"
    )
    print(
        f"Shapley (exact), same journeys: {spread(shapley_times)}; whole process "
        f"{spread(shapley_process)}"
    )


if __name__ == "__main__":
    if "--once" in sys.argv:
        at = sys.argv.index("--once")
        once(*sys.argv[at + 1 : at + 4])
    else:
        main()
