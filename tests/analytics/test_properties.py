"""Arbitrary numbers (NaN, ±inf, huge, tiny, negative, and plausible ones) thrown at every
public function of pacer.analytics: each call either raises the module's error class
(a ValueError subclass, but no other exception) or returns only finite numbers.

The examples are the same on every run (reproducible in CI); set
PACER_HYPOTHESIS_RANDOM=1 to draw new ones."""

import dataclasses
import math
import os
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import polars.selectors as cs
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from pacer.analytics import experiments as ex
from pacer.analytics.attribution import MODELS, Attribution, AttributionConfig, attribute, compare
from pacer.analytics.clv import (
    BGNBD,
    MBGNBD,
    CLVError,
    GammaGamma,
    ParetoNBD,
    discounted_clv,
    holdout_comparison,
)
from pacer.analytics.journeys import JourneyError, Journeys
from pacer.analytics.rfm import RFMError, SegmentRule, quantile_scores, rfm

FAST = settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("PACER_HYPOTHESIS_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SLOW = settings(FAST, max_examples=30)  # fits and simulations

EDGES = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 5e-324, 1e300, 1.7e308, -1e300])
ANY = st.floats(allow_nan=True, allow_infinity=True)
PLAUSIBLE = st.floats(min_value=0.0, max_value=100.0)
NUMBER = st.one_of(ANY, PLAUSIBLE, EDGES)
POSITIVE = st.one_of(*[st.floats(min_value=0.01, max_value=20.0)] * 3, NUMBER)
WHOLE = st.one_of(st.integers(-3, 60), st.integers(), NUMBER)
SMALL_COUNT = st.integers(0, 8).map(float)


def numbers_in(value) -> list[float]:
    """Every number in a result: scalars, arrays, tuples, dicts, dataclasses, frames."""
    if value is None or isinstance(value, str | bool | np.bool_):
        return []
    if isinstance(value, int | float | np.integer | np.floating):
        return [float(value)]
    if isinstance(value, np.ndarray):
        return value.astype(np.float64).ravel().tolist() if value.dtype.kind in "fiu" else []
    if isinstance(value, pl.DataFrame):
        numeric = value.select(cs.numeric())
        return [v for column in numeric.iter_columns() for v in column.drop_nulls().to_list()]
    if dataclasses.is_dataclass(value):
        return numbers_in([getattr(value, f.name) for f in dataclasses.fields(value)])
    if isinstance(value, dict):
        return numbers_in(list(value.values()))
    if isinstance(value, list | tuple):
        return [v for item in value for v in numbers_in(item)]
    raise AssertionError(f"unexpected result type {type(value)}")


def refused_or_finite(error: type[ValueError], call, *args, **kwargs):
    """The result of ``call`` when all its numbers are finite; None when it raised
    ``error``. Any other exception fails the test."""
    name = getattr(call, "__qualname__", str(call))
    try:
        result = call(*args, **kwargs)
    except error:
        event(f"{name}: refused")
        return None
    event(f"{name}: returned")
    bad = [v for v in numbers_in(result) if not math.isfinite(v)]
    assert not bad, f"{name} returned {bad[:3]}"
    return result


# --- CLV ------------------------------------------------------------------------------


@st.composite
def summaries(draw, size=None, simulated=False):
    """Customer summaries: drawn from a BG/NBD population (so that fits can succeed),
    plausible, or anything at all."""
    n = draw(st.integers(1, 25)) if size is None else size
    kind = draw(st.sampled_from(["simulated", "plausible", "anything"]))
    if simulated and kind == "simulated":
        n = draw(st.integers(30, 300))
        params = draw(st.tuples(*[st.floats(0.2, 5.0)] * 4))
        T = np.linspace(draw(st.floats(0.0, 40.0)), 80.0, n)
        x, t_x = BGNBD(*params).simulate(T, seed=draw(st.integers(0, 1000)))
        return x, t_x, T
    if kind != "anything":
        x = draw(st.lists(SMALL_COUNT, min_size=n, max_size=n))
        T = draw(st.lists(st.floats(0.0, 80.0), min_size=n, max_size=n))
        share = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
        t_x = [t * s if c > 0 else 0.0 for t, s, c in zip(T, share, x, strict=True)]
    else:
        x, t_x, T = (draw(st.lists(NUMBER, min_size=n, max_size=n)) for _ in range(3))
    return x, t_x, T


def purchase_models():
    params = st.tuples(POSITIVE, POSITIVE, POSITIVE, POSITIVE)
    return st.tuples(st.sampled_from([BGNBD, MBGNBD, ParetoNBD]), params)


def built(error, cls, params):
    model = refused_or_finite(error, cls, *params)
    assume(model is not None)
    return model


@FAST
@given(purchase_models(), summaries(), NUMBER)
def test_purchase_model_predictions(model_and_params, summary, t):
    model = built(CLVError, *model_and_params)
    alive = refused_or_finite(CLVError, model.probability_alive, *summary)
    if alive is not None:
        assert ((alive >= 0) & (alive <= 1)).all()
    expected = refused_or_finite(CLVError, model.expected_purchases, t, *summary)
    if expected is not None:
        assert (expected >= 0).all()
    if isinstance(model, BGNBD):
        refused_or_finite(CLVError, model.log_likelihood, *summary)
        refused_or_finite(CLVError, model.expected_purchases_new_customer, t)


@SLOW
@given(
    st.sampled_from([BGNBD, MBGNBD, ParetoNBD]),
    summaries(simulated=True),
    st.one_of(st.none(), st.none(), st.lists(NUMBER, min_size=1, max_size=25)),
)
def test_purchase_model_fits(cls, summary, weights):
    if weights is not None:
        weights = (weights * 300)[: len(summary[0])]
    model = refused_or_finite(CLVError, cls.fit, *summary, weights=weights)
    if model is not None:
        assert model.diagnostics.converged
        assert all(math.isfinite(v) for v in numbers_in(model.diagnostics))


@SLOW
@given(st.tuples(POSITIVE, POSITIVE, POSITIVE, POSITIVE), st.lists(NUMBER, min_size=1, max_size=5))
def test_simulate(params, T):
    model = built(CLVError, BGNBD, params)
    T = [min(abs(t), 1e4) if math.isfinite(t) else t for t in T]  # bounded run time
    refused_or_finite(CLVError, model.simulate, T, seed=1)


@FAST
@given(
    st.tuples(POSITIVE, POSITIVE, POSITIVE),
    st.lists(st.one_of(SMALL_COUNT, NUMBER), min_size=1, max_size=25),
    st.lists(st.one_of(PLAUSIBLE, NUMBER), min_size=1, max_size=25),
)
def test_gamma_gamma(params, x, m):
    size = min(len(x), len(m))
    model = built(CLVError, GammaGamma, params)
    refused_or_finite(CLVError, model.expected_spend, x[:size], m[:size])
    refused_or_finite(CLVError, model.population_mean)


@st.composite
def spend_summaries(draw):
    """Repeat buyers' counts and mean values: from the Gamma-Gamma model, or anything."""
    if draw(st.booleans()):
        n = draw(st.integers(10, 300))
        p, q, gamma = draw(st.tuples(*[st.floats(0.5, 20.0)] * 3))
        rng = np.random.default_rng(draw(st.integers(0, 1000)))
        x = rng.integers(1, 8, n).astype(float)
        return x, rng.gamma(p * x, 1 / (rng.gamma(q, 1 / gamma, n) * x))
    x = draw(st.lists(st.one_of(SMALL_COUNT.map(lambda v: v + 1), NUMBER), min_size=1, max_size=30))
    m = draw(st.lists(st.one_of(st.floats(1.0, 100.0), NUMBER), min_size=1, max_size=30))
    size = min(len(x), len(m))
    return x[:size], m[:size]


@SLOW
@given(spend_summaries())
def test_gamma_gamma_fit(summary):
    model = refused_or_finite(CLVError, GammaGamma.fit, *summary)
    if model is not None:
        assert model.diagnostics.converged


@FAST
@given(
    purchase_models(),
    st.tuples(POSITIVE, POSITIVE, POSITIVE),
    summaries(size=6),
    st.lists(st.one_of(PLAUSIBLE, NUMBER), min_size=6, max_size=6),
    WHOLE,
    NUMBER,
    NUMBER,
)
def test_discounted_clv(model_and_params, spend_params, summary, m, periods, length, rate):
    purchases = built(CLVError, *model_and_params)
    spend = built(CLVError, GammaGamma, spend_params)
    values = refused_or_finite(
        CLVError,
        discounted_clv,
        purchases,
        spend,
        *summary,
        m,
        periods=periods,
        period_length=length,
        discount_rate=rate,
    )
    if values is not None:
        assert (values >= 0).all()


@FAST
@given(
    purchase_models(), summaries(size=6), st.lists(NUMBER, min_size=6, max_size=6), NUMBER, WHOLE
)
def test_holdout_comparison(model_and_params, summary, later, duration, max_x):
    model = built(CLVError, *model_and_params)
    refused_or_finite(CLVError, holdout_comparison, model, *summary, later, duration, max_x=max_x)


# --- experiments ----------------------------------------------------------------------


@st.composite
def arms(draw):
    """An ArmStats from values (usually) or from arbitrary sufficient statistics."""
    kind = draw(st.sampled_from(["values", "plausible values", "conversions", "anything"]))
    if kind == "conversions":
        n = draw(st.integers(2, 10**6))
        arm = refused_or_finite(ex.ExperimentError, ex.ArmStats, n, *[draw(st.integers(0, n))] * 2)
    elif kind != "anything":
        value = PLAUSIBLE if kind == "plausible values" else st.one_of(PLAUSIBLE, NUMBER)
        y = draw(st.lists(value, min_size=2, max_size=12))
        x = draw(st.one_of(st.none(), st.lists(PLAUSIBLE, min_size=len(y), max_size=len(y))))
        arm = refused_or_finite(ex.ExperimentError, ex.ArmStats.from_values, y, x)
    else:
        stats = draw(st.tuples(WHOLE, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER))
        arm = refused_or_finite(ex.ExperimentError, ex.ArmStats, *stats)
    assume(arm is not None)
    return arm


UNIT = st.one_of(*[st.floats(0.001, 0.999)] * 6, st.floats(0.0, 1.0), NUMBER)


@FAST
@given(st.booleans(), st.data(), st.sampled_from(["pooled", "evan_miller", "cohens_h", "x"]))
def test_design(hostile, data, method):
    unit = UNIT if hostile else st.floats(0.001, 0.999)
    p1, p2, alpha, power = (data.draw(unit) for _ in range(4))
    refused_or_finite(
        ex.ExperimentError, ex.sample_size, p1, p2, alpha=alpha, power=power, method=method
    )
    n = data.draw(st.one_of(st.floats(1.0, 1e7), NUMBER) if hostile else st.floats(1.0, 1e7))
    refused_or_finite(ex.ExperimentError, ex.minimum_detectable_effect, p1, n, alpha=alpha)


@FAST
@given(
    st.one_of(POSITIVE, NUMBER),
    st.one_of(st.integers(2, 10), WHOLE),
    st.one_of(POSITIVE, NUMBER),
    st.lists(st.one_of(PLAUSIBLE, NUMBER), max_size=4),
    st.text(max_size=5),
)
def test_duration_and_assignment(n, arms_count, traffic, weights, unit):
    refused_or_finite(ex.ExperimentError, ex.expected_duration_days, n, arms_count, traffic)
    arm = refused_or_finite(ex.ExperimentError, ex.assign, "exp", unit, weights)
    if arm is not None:
        assert 0 <= arm < len(weights) and weights[arm] > 0


@FAST
@given(
    arms(),
    arms(),
    UNIT,
    st.one_of(st.none(), POSITIVE, NUMBER),
    UNIT,
    st.one_of(st.integers(1, 10**6), WHOLE),
)
def test_two_arm_analyses(control, treatment, alpha, prior_sd, interval, planned_n):
    error = ex.ExperimentError
    numbers_in(control.mean), numbers_in(control.variance), numbers_in(control.covariance)
    comparison = refused_or_finite(error, ex.welch, control, treatment, alpha=alpha)
    if comparison is not None and comparison.relative is None:
        assert control.mean == 0 or comparison.relative_ci == (None, None)
    refused_or_finite(error, ex.bayesian, control, treatment, prior_sd=prior_sd, interval=interval)
    refused_or_finite(
        error, ex.confidence_sequence, control, treatment, alpha=alpha, planned_n=planned_n
    )
    refused_or_finite(error, ex.ratio_mean_and_variance, treatment)
    refused_or_finite(error, ex.cuped, [control, treatment])
    result = refused_or_finite(error, ex.analyze, {"a": control, "b": treatment}, alpha=alpha)
    if result is not None:
        refused_or_finite(error, result.variations[0].as_dict)


@FAST
@given(st.integers(0, 4), st.data(), st.lists(UNIT, max_size=5))
def test_srm_and_holm(arms_count, data, p_values):
    valid = data.draw(st.booleans())
    count = st.integers(0, 10**6) if valid else st.one_of(st.integers(0, 10**6), WHOLE)
    weight = st.floats(0.01, 10.0) if valid else st.one_of(st.floats(0.01, 10.0), NUMBER)
    counts = data.draw(st.lists(count, min_size=arms_count, max_size=arms_count))
    weights = data.draw(st.lists(weight, min_size=arms_count, max_size=arms_count))
    refused_or_finite(ex.ExperimentError, ex.sample_ratio_mismatch, counts, weights)
    adjusted = refused_or_finite(ex.ExperimentError, ex.holm, p_values)
    if adjusted is not None:
        assert all(0 <= p <= 1 for p in adjusted)


ARM_TEXT = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda name, *numbers: ", ".join([name, *map(str, numbers)]),
        st.sampled_from(["control", "", "new"]),
        st.one_of(st.integers(-5, 10**6), NUMBER),
        st.one_of(st.integers(-5, 10**6), NUMBER),
    ),
    st.builds(
        lambda *numbers: "b, " + ", ".join(map(str, numbers)),
        st.integers(-5, 10**6),
        NUMBER,
        NUMBER,
    ),
)


@FAST
@given(ARM_TEXT)
def test_parse_arm(text):
    refused_or_finite(ex.ExperimentError, ex.parse_arm, text, "arm")


# --- journeys and attribution ---------------------------------------------------------


@st.composite
def journeys(draw):
    n = draw(st.integers(1, 12))
    paths = draw(
        st.lists(st.lists(st.sampled_from("abcd"), min_size=1, max_size=5), min_size=n, max_size=n)
    )
    converted = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    hostile = draw(st.integers(0, 3)) == 0
    number = st.one_of(PLAUSIBLE, NUMBER) if hostile else PLAUSIBLE
    value = draw(st.lists(number, min_size=n, max_size=n))
    made = refused_or_finite(JourneyError, Journeys.from_paths, paths, converted, value)
    if made is None:
        made = Journeys.from_paths(paths, converted)
    ages = draw(st.lists(number, min_size=1, max_size=3))
    with_ages = refused_or_finite(
        JourneyError,
        dataclasses.replace,
        made,
        touch_age_days=np.resize(np.array(ages), len(made.touch_channel)),
    )
    return with_ages or made


@FAST
@given(
    journeys(),
    st.sampled_from(MODELS),
    st.one_of(POSITIVE, NUMBER),
    st.one_of(st.integers(1, 3), WHOLE),
    st.dictionaries(st.sampled_from("abcz"), st.one_of(PLAUSIBLE, NUMBER)),
)
def test_attribution(journeys, model, half_life, order, spend):
    config = refused_or_finite(
        JourneyError, AttributionConfig, model, half_life_days=half_life, markov_order=order
    )
    if config is None:
        config = AttributionConfig(model)
    result = refused_or_finite(JourneyError, attribute, journeys, config)
    if result is not None:
        assert isinstance(result, Attribution)
        total = journeys.converted.sum()
        if total and result.conversions.sum() > 0:
            assert result.conversions.sum() == pytest.approx(total)
        refused_or_finite(JourneyError, result.as_frame, spend)
        refused_or_finite(JourneyError, compare, journeys, [config], spend=spend)


@FAST
@given(
    st.lists(WHOLE, min_size=1, max_size=5),
    st.lists(WHOLE, max_size=6),
    st.lists(NUMBER, max_size=6),
    st.lists(WHOLE, max_size=3),
    st.lists(st.booleans(), max_size=3),
    st.lists(NUMBER, max_size=3),
)
def test_journeys_built_directly(offsets, channel, age, position, converted, value):
    refused_or_finite(
        JourneyError,
        Journeys,
        ["a", "b"],
        np.array(offsets, dtype=object),
        np.array(channel, dtype=object),
        age,
        position,
        position,
        np.array(converted, dtype=bool),
        value,
    )


@FAST
@given(st.lists(st.one_of(PLAUSIBLE, NUMBER), min_size=2, max_size=2), st.booleans())
def test_journeys_from_frame(values, with_conversion_time):
    start = datetime(2026, 1, 1)
    touches = pl.DataFrame(
        {"journey_id": [1, 2], "channel": ["a", "b"], "timestamp": [start, start]}
    )
    outcomes = pl.DataFrame({"journey_id": [1, 2], "converted": [True, False], "value": values})
    if with_conversion_time:
        outcomes = outcomes.with_columns(converted_at=pl.lit(start + timedelta(days=1)))
    made = refused_or_finite(JourneyError, Journeys.from_frame, touches, outcomes)
    if made is not None:
        refused_or_finite(JourneyError, attribute, made, "time_decay")


# --- RFM ------------------------------------------------------------------------------


@FAST
@given(
    st.one_of(
        st.lists(PLAUSIBLE, min_size=1, max_size=12),
        st.lists(st.one_of(PLAUSIBLE, NUMBER), min_size=0, max_size=12),
    ),
    st.one_of(st.integers(2, 7), WHOLE),
    st.booleans(),
    st.one_of(st.tuples(st.integers(1, 5), st.integers(1, 5)), st.tuples(WHOLE, WHOLE)),
)
def test_rfm(values, bins, reverse, span):
    scores = refused_or_finite(RFMError, quantile_scores, values, bins, higher_is_better=reverse)
    if scores is not None:
        assert ((scores >= 1) & (scores <= int(bins))).all()
    rule = refused_or_finite(RFMError, SegmentRule, "s", span, (1, 5))
    table = pl.DataFrame(
        {"recency_days": values, "frequency": values, "monetary": values},
        schema={"recency_days": pl.Float64, "frequency": pl.Float64, "monetary": pl.Float64},
    )
    segments = (rule,) if rule is not None else ()
    refused_or_finite(RFMError, rfm, table, bins=bins, segments=segments)
