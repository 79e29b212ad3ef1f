"""Multi-touch attribution: rule-based models, Markov removal effects and Shapley values.

Every model turns converted journeys into per-channel credit that sums to the number of
conversions (``conversions``) and to their total value (``revenue``).

Rule-based weights within one converting journey of ``n`` touches:

- ``first_touch`` / ``last_touch``: all credit to the first / last touch.
- ``linear``: ``1/n`` each.
- ``time_decay``: proportional to ``2 ** (-age / half_life_days)``, where age is the time
  from the touch to the conversion (default half-life 7 days).
- ``position_based`` (U-shaped): 40% first, 40% last, 20% spread over the middle; a
  one-touch journey gives 100% to it, a two-touch journey 50/50.
- ``w_shaped``: 30% each to the first touch, the lead-creation touch and the
  opportunity-creation touch, 10% spread over the other touches.
- ``full_path``: 22.5% each to first, lead creation, opportunity creation and the last
  (closing) touch, 10% over the others.
  For both milestone models: milestones that fall on the same touch add up; an absent
  milestone's share is split equally over the milestones present; when no other touches
  exist, the remainder share is split equally over the milestone touches.

Data-driven models:

- ``markov`` (order 1 to 3): the paths form an absorbing Markov chain (states are the last
  ``order`` channels; absorbing states conversion and null). The conversion probability
  from the start state is solved exactly, ``(I - Q) x = r`` with sparse linear algebra.
  The removal effect of channel ``c`` is ``1 - P(conv | c removed) / P(conv)``, where
  removing ``c`` sends every transition into a state containing ``c`` to null. Credits are
  removal effects normalised to the total conversions (and to total value).
- ``shapley``: the cooperative game ``v(S)`` = conversions of the journeys whose set of
  channels is a subset of ``S`` (Zhao et al., 2018, "simplified Shapley"). That game is a
  sum of unanimity games, so its Shapley value is exact in closed form: each journey's
  conversion is split equally over its distinct channels. This equals the brute-force
  Shapley formula for any number of channels (tested against it).
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy import sparse
from scipy.sparse.linalg import spsolve

from pacer.analytics import _checks as checks
from pacer.analytics.journeys import JourneyError, Journeys

RULE_MODELS = (
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "w_shaped",
    "full_path",
)
MODELS = (*RULE_MODELS, "markov", "shapley")
Model = Literal[
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "w_shaped",
    "full_path",
    "markov",
    "shapley",
]


@dataclass(frozen=True)
class AttributionConfig:
    """Which model, and its parameters."""

    model: Model = "linear"
    half_life_days: float = 7.0
    markov_order: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or self.model not in MODELS:
            raise JourneyError(f"model: '{self.model}' is not one of {', '.join(MODELS)}")
        half_life = checks.number(
            self.half_life_days, "half_life_days", JourneyError, low=0, low_open=True
        )
        object.__setattr__(self, "half_life_days", half_life)
        order = self.markov_order
        if isinstance(order, bool) or order not in (1, 2, 3):
            raise JourneyError("markov_order: must be 1, 2 or 3")
        object.__setattr__(self, "markov_order", int(order))


@dataclass(frozen=True)
class Attribution:
    """Credits per channel (same order as ``channels``)."""

    model: str
    channels: list[str]
    conversions: np.ndarray
    revenue: np.ndarray

    def as_frame(self, spend: dict[str, float] | None = None) -> pl.DataFrame:
        """A table of credits; with ``spend`` also ``roas`` and
        ``romi`` = (revenue − spend) / spend, null (undefined) where the spend is 0 or so
        small that the ratio is not a finite number."""
        frame = pl.DataFrame(
            {
                "channel": self.channels,
                "model": [self.model] * len(self.channels),
                "conversions": self.conversions,
                "revenue": self.revenue,
            }
        )
        if spend is None:
            return frame
        if not isinstance(spend, dict):
            raise JourneyError("spend: must be a mapping of channel to amount")
        unknown = sorted(str(c) for c in set(spend) - set(self.channels))
        if unknown:
            raise JourneyError(f"spend: unknown channel(s) {', '.join(unknown)}")
        cost = np.array(
            [
                checks.number(spend.get(c, 0.0), f"spend[{c!r}]", JourneyError, low=0.0)
                for c in self.channels
            ]
        )
        with np.errstate(all="ignore"):
            roas = np.where(cost > 0, self.revenue / cost, np.nan)
        roas = np.where(np.isfinite(roas), roas, np.nan)
        return frame.with_columns(
            spend=pl.Series(cost),
            roas=pl.Series(roas).fill_nan(None),
            romi=pl.Series(roas - 1).fill_nan(None),
        )


def attribute(journeys: Journeys, config: AttributionConfig | str = "linear") -> Attribution:
    """Credit conversions and revenue to channels.

    Example
    -------
    >>> j = Journeys.from_paths([["ads", "email"], ["email"]], [True, True], [100, 50])
    >>> a = attribute(j, "linear")
    >>> dict(zip(a.channels, a.conversions.tolist()))
    {'ads': 0.5, 'email': 1.5}
    >>> dict(zip(a.channels, a.revenue.tolist()))
    {'ads': 50.0, 'email': 100.0}
    """
    config = _config(config)
    if not isinstance(journeys, Journeys):
        raise JourneyError("journeys: must be a Journeys (see Journeys.from_frame)")
    if config.model == "markov":
        return _markov(journeys, config.markov_order)
    if config.model == "shapley":
        return _shapley(journeys)
    weights = rule_weights(journeys, config)
    journey = journeys.journey_of_touch
    conv = journeys.converted[journey]
    n = len(journeys.channels)
    return Attribution(
        model=config.model,
        channels=journeys.channels,
        conversions=np.bincount(journeys.touch_channel, weights=weights * conv, minlength=n),
        revenue=np.bincount(
            journeys.touch_channel, weights=weights * journeys.value[journey], minlength=n
        ),
    )


def _config(config) -> AttributionConfig:
    if isinstance(config, str):
        return AttributionConfig(model=config)
    if not isinstance(config, AttributionConfig):
        raise JourneyError("config: must be a model name or an AttributionConfig")
    return config


def compare(
    journeys: Journeys,
    configs: list[AttributionConfig | str] | None = None,
    spend: dict[str, float] | None = None,
) -> pl.DataFrame:
    """All models (or those given) side by side: one row per channel and model."""
    configs = configs or [
        *RULE_MODELS,
        "markov",
        AttributionConfig("markov", markov_order=2),
        "shapley",
    ]
    frames = []
    for config in configs:
        result = attribute(journeys, config)
        frame = result.as_frame(spend)
        if isinstance(config, AttributionConfig) and config.model == "markov":
            frame = frame.with_columns(model=pl.lit(f"markov_order_{config.markov_order}"))
        frames.append(frame)
    return pl.concat(frames)


def rule_weights(journeys: Journeys, config: AttributionConfig) -> np.ndarray:
    """Each touch's share of its journey's conversion under a rule-based model."""
    config = _config(config)
    if config.model not in RULE_MODELS:
        raise JourneyError(f"config: '{config.model}' is not a rule-based model")
    n = journeys.lengths[journeys.journey_of_touch].astype(np.float64)
    pos = journeys.position
    first, last = pos == 0, pos == n - 1
    model = config.model
    if model == "first_touch":
        return first.astype(np.float64)
    if model == "last_touch":
        return last.astype(np.float64)
    if model == "linear":
        return 1.0 / n
    if model == "time_decay":
        # ages relative to the journey's latest touch, whose weight is then 1: the sum
        # cannot underflow to 0, however old the touches or short the half-life
        latest = np.minimum.reduceat(journeys.touch_age_days, journeys.offsets[:-1])
        age = journeys.touch_age_days - latest[journeys.journey_of_touch]
        raw = np.exp2(-age / config.half_life_days)
        totals = np.bincount(journeys.journey_of_touch, weights=raw)
        return raw / totals[journeys.journey_of_touch]
    if model == "position_based":
        middle = np.where(n > 2, 0.2 / np.maximum(n - 2, 1), 0.0)
        ends = np.where(n == 1, 1.0, np.where(n == 2, 0.5, 0.4))
        return np.where(first | last, ends, middle)
    if model == "w_shaped":
        return _milestone_weights(journeys, include_last=False, each=0.3)
    return _milestone_weights(journeys, include_last=True, each=0.225)


def _milestone_weights(journeys: Journeys, *, include_last: bool, each: float) -> np.ndarray:
    lengths = journeys.lengths
    milestones = [np.zeros(journeys.n_journeys, dtype=np.int64)]  # the first touch
    milestones += [journeys.lead_position, journeys.opportunity_position]
    if include_last:
        milestones.append(lengths - 1)
    stack = np.stack(milestones, axis=1)  # journeys x milestones, -1 = absent
    present = stack >= 0
    share = (each * len(milestones)) / present.sum(axis=1)  # absent shares move to present
    weights = np.zeros(len(journeys.touch_channel))
    starts = journeys.offsets[:-1]
    for column in range(stack.shape[1]):
        rows = np.flatnonzero(present[:, column])
        np.add.at(weights, starts[rows] + stack[rows, column], share[rows])
    is_milestone = weights > 0
    rest_count = np.bincount(
        journeys.journey_of_touch, weights=~is_milestone, minlength=journeys.n_journeys
    )
    milestone_count = lengths - rest_count
    remainder = 1.0 - each * len(milestones)
    journey = journeys.journey_of_touch
    to_rest = np.where(rest_count > 0, remainder / np.maximum(rest_count, 1), 0.0)
    to_milestones = np.where(rest_count > 0, 0.0, remainder / milestone_count)
    return np.where(is_milestone, weights + to_milestones[journey], to_rest[journey])


DENSE_COUNT_STATES = 1024  # up to this many states, count transitions in a dense table


def _states(journeys: Journeys, order: int) -> tuple[np.ndarray, int]:
    """Encode each touch's Markov state (its last ``order`` channels) as an integer."""
    base = len(journeys.channels) + 1  # digit 0 = "no channel yet" for early positions
    code = journeys.touch_channel + 1  # lag 0: the touch's own channel
    if order > 1:
        pos = journeys.position
        for lag in range(1, order):
            shifted = np.roll(journeys.touch_channel, lag) + 1
            code = code * base + np.where(pos >= lag, shifted, 0)
    return code, base**order


def _markov(journeys: Journeys, order: int) -> Attribution:
    codes, n_codes = _states(journeys, order)
    present = np.bincount(codes, minlength=n_codes) > 0  # codes are small integers
    unique_codes = np.flatnonzero(present)
    state = (np.cumsum(present) - 1)[codes]
    n_states = len(unique_codes)
    start, conv, null = n_states, n_states + 1, n_states + 2
    size = n_states + 3
    first_touch, last_touch = journeys.offsets[:-1], journeys.offsets[1:] - 1
    nxt = np.empty(len(state), dtype=np.int64)  # the state each touch moves to
    nxt[:-1] = state[1:]
    nxt[last_touch] = np.where(journeys.converted, conv, null)
    if size <= DENSE_COUNT_STATES:
        table = np.bincount(state * size + nxt, minlength=size * size).reshape(size, size)
        table[start, :n_states] = np.bincount(state[first_touch], minlength=n_states)
        counts = sparse.csr_matrix(table.astype(np.float64))
    else:
        src = np.concatenate([np.full(journeys.n_journeys, start), state])
        dst = np.concatenate([state[first_touch], nxt])
        counts = sparse.coo_matrix((np.ones(len(src)), (src, dst)), shape=(size, size)).tocsr()
    totals = np.asarray(counts.sum(axis=1)).ravel()
    transient = np.arange(n_states + 1)  # the channel states and start
    probs = sparse.diags(1.0 / np.where(totals > 0, totals, 1.0)) @ counts
    q = probs[transient][:, transient]
    r = np.asarray(probs[transient][:, [conv]].todense()).ravel()

    def conversion_probability(keep: np.ndarray) -> float:
        idx = transient[keep]
        system = sparse.identity(len(idx), format="csc") - q[idx][:, idx].tocsc()
        x = spsolve(system, r[idx])
        return float(np.atleast_1d(x)[-1])  # start is the last kept index

    base_probability = conversion_probability(np.ones(len(transient), dtype=bool))
    if base_probability <= 0:
        raise JourneyError("journeys: no journey converts, so there is nothing to attribute")
    digits = _state_channels(unique_codes, len(journeys.channels) + 1, order)
    removal = np.zeros(len(journeys.channels))
    for channel in range(len(journeys.channels)):
        keep = np.append(~digits[:, channel], True)  # start is always kept
        removal[channel] = 1.0 - conversion_probability(keep) / base_probability
    share = removal / removal.sum() if removal.sum() > 0 else removal
    return Attribution(
        model="markov" if order == 1 else f"markov_order_{order}",
        channels=journeys.channels,
        conversions=share * journeys.converted.sum(),
        revenue=share * journeys.value.sum(),
    )


def _state_channels(codes: np.ndarray, base: int, order: int) -> np.ndarray:
    """states x channels: whether the state's history contains the channel."""
    contains = np.zeros((len(codes), base - 1), dtype=bool)
    rest = codes.copy()
    for _ in range(order):
        digit = rest % base
        rows = np.flatnonzero(digit > 0)
        contains[rows, digit[rows] - 1] = True
        rest //= base
    return contains


def _shapley(journeys: Journeys) -> Attribution:
    # Distinct (journey, channel) pairs. Touches are grouped by journey already, so the
    # keys are sorted but for the short runs within each journey: a stable sort (timsort)
    # of such nearly sorted keys is far faster than np.unique's.
    keys = journeys.journey_of_touch * len(journeys.channels) + journeys.touch_channel
    keys = np.sort(keys, kind="stable")
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    pairs = keys[first]
    pair_journey = pairs // len(journeys.channels)
    pair_channel = pairs % len(journeys.channels)
    distinct = np.bincount(pair_journey, minlength=journeys.n_journeys)
    share = 1.0 / distinct[pair_journey]
    n = len(journeys.channels)
    return Attribution(
        model="shapley",
        channels=journeys.channels,
        conversions=np.bincount(
            pair_channel, weights=share * journeys.converted[pair_journey], minlength=n
        ),
        revenue=np.bincount(
            pair_channel, weights=share * journeys.value[pair_journey], minlength=n
        ),
    )
