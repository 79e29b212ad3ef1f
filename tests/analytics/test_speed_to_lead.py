"""Speed to lead: summaries, Wilson intervals, the decay curve and the impact estimate
against data drawn from a known curve (tolerances: 4 standard errors, computed here)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.analytics.speed_to_lead import (
    ExponentialDecayFit,
    SpeedToLeadError,
    fit_decay,
    impact,
    response_summary,
    wilson,
)

TRUE_A, TRUE_B = -0.4, -0.55


def draw(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    minutes = rng.lognormal(mean=3.0, sigma=1.4, size=n)  # median 20 min, long tail
    p = 1 / (1 + np.exp(-(TRUE_A + TRUE_B * np.log1p(minutes))))
    return minutes, (rng.random(n) < p).astype(float)


def test_summary_is_exact():
    summary = response_summary([1, 3, 5, 14, 15, 16, 59, 60, 61, 600])
    assert summary.leads == 10 and summary.median == 15.5
    assert summary.p90 == pytest.approx(61 + 0.1 * (600 - 61))  # numpy's linear rule
    assert summary.within == {5: 0.3, 15: 0.5, 60: 0.8}


def test_wilson_matches_the_closed_form_and_stays_in_zero_one():
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.27753, abs=1e-5)
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    with pytest.raises(SpeedToLeadError, match="successes: must be at least 0"):
        wilson(-1, 10)


def test_the_fitted_curve_recovers_the_truth_within_four_standard_errors():
    minutes, converted = draw(20_000, seed=11)
    fit = fit_decay(minutes, converted)
    se_a, se_b = fit.standard_errors
    assert 0 < se_a < 0.1 and 0 < se_b < 0.05
    assert abs(fit.a - TRUE_A) < 4 * se_a and abs(fit.b - TRUE_B) < 4 * se_b
    # the probabilities the study style reports: 5 min vs 60 min vs a day
    p5, p60, p_day = fit.probability([5, 60, 1440])
    assert p5 > p60 > p_day


def test_the_impact_estimate_covers_the_true_gain():
    minutes, converted = draw(20_000, seed=12)
    fit = fit_decay(minutes, converted)
    estimate = impact(fit, minutes, within=15)
    slow = minutes[minutes > 15]
    true_p = lambda t: 1 / (1 + np.exp(-(TRUE_A + TRUE_B * np.log1p(t))))  # noqa: E731
    truth = float(np.sum(true_p(15.0) - true_p(slow)))
    se = (estimate.interval[1] - estimate.interval[0]) / (2 * 1.96)
    assert estimate.slower_leads == slow.size
    assert abs(estimate.extra_conversions - truth) < 4 * se
    assert estimate.interval[0] < estimate.extra_conversions < estimate.interval[1]


@pytest.mark.parametrize(
    ("minutes", "converted", "message"),
    [
        ([1.0] * 30, [0, 1] * 15, "all response times are equal"),
        (list(range(30)), [1] * 30, "all leads have the same outcome"),
        (list(range(5)), [0, 1, 0, 1, 0], "needs at least 20"),
        (list(range(30)), [0, 2] * 15, "must be 0 or 1"),
        ([float("nan")] + list(range(29)), [0, 1] * 15, "must be finite"),
        ([-1.0] + list(range(29)), [0, 1] * 15, "minutes"),
        (list(range(30)), [0, 1] * 14, "one outcome per response time"),
        (list(range(40)), [0] * 20 + [1] * 20, "separate"),
    ],
)
def test_bad_input_or_a_curve_the_data_cannot_pin_down_is_refused(minutes, converted, message):
    with pytest.raises(SpeedToLeadError, match=message):
        fit_decay(minutes, converted)


values = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(values, min_size=0, max_size=60),
    st.lists(st.sampled_from([0.0, 1.0, 0.5, -1.0, float("nan")]), min_size=0, max_size=60),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_any_input_is_refused_or_gives_finite_numbers(minutes, converted, within):
    try:
        fit = fit_decay(minutes, converted)
    except SpeedToLeadError:
        return
    assert np.isfinite([fit.a, fit.b, fit.log_likelihood]).all()
    assert np.isfinite(fit.covariance).all()
    try:
        estimate = impact(fit, minutes, within)
    except SpeedToLeadError:
        return
    assert np.isfinite([estimate.extra_conversions, *estimate.interval]).all()


def test_the_exponential_decay_refuses_what_it_cannot_fit():
    from pacer.analytics.speed_to_lead import fit_exponential_decay

    with pytest.raises(SpeedToLeadError, match="converted: must have one outcome"):
        fit_exponential_decay([1, 2, 3], [0, 1])
    with pytest.raises(SpeedToLeadError, match="minutes: needs at least 20"):
        fit_exponential_decay([1, 2], [0, 1])
    with pytest.raises(SpeedToLeadError, match="all leads have the same outcome"):
        fit_exponential_decay(list(range(30)), [1] * 30)
    with pytest.raises(SpeedToLeadError, match="minutes: must be at least 0"):
        fit_exponential_decay([-1] + list(range(29)), [0, 1] * 15)


def test_never_answered_leads_are_the_slowest_bucket_of_the_impact_worked_by_hand():
    """Curve P(t) = 0.5 e^(−t/30) + 0.02, four answered leads (5, 15, 45, 600 min) and
    10 never answered of which 1 converted anyway.

    P(15) = 0.5 e^(−0.5) + 0.02 = 0.3232653; P(45) = 0.5 e^(−1.5) + 0.02 = 0.1315651;
    P(600) = 0.0200000. Answered later than 15 min: 45 and 600, worth
    2 · 0.3232653 − 0.1315651 − 0.0200000 = 0.4949656. Never answered: 10 · 0.3232653 − 1
    = 2.2326533. Together 2.7276189.

    Interval: d P / d (p0, tau, floor) = (e^(−t/30), 0.5 e^(−t/30) t / 900, 1); the sum's
    gradient is (2 + 10) · g(15) − g(45) − g(600) = (7.0552378, 0.0550748, 10); with the
    covariance diag(0.01, 4, 0.0001) the curve's variance is 0.4975599 + 0.0121329 + 0.01
    = 0.5198967, and the never-answered rate's binomial variance 10 · 0.1 · 0.9 = 0.9:
    se = √1.4198967 = 1.1915942, 1.96 se = 2.3354818."""
    fit = ExponentialDecayFit(0.5, 30.0, 0.02, np.diag([0.01, 4.0, 0.0001]), 4, 0.0)
    gain = fit.impact([5, 15, 45, 600], within=15, unanswered=10, unanswered_converted=1)
    assert (gain.within, gain.slower_leads, gain.unanswered) == (15.0, 2, 10)
    assert gain.from_unanswered == pytest.approx(2.2326533, abs=1e-7)
    assert gain.extra_conversions == pytest.approx(2.7276189, abs=1e-7)
    assert gain.interval == pytest.approx((0.3921372, 5.0631006), abs=1e-7)
    # without them: the answered part alone, and a narrower interval (curve only)
    alone = fit.impact([5, 15, 45, 600], within=15)
    assert (alone.unanswered, alone.from_unanswered) == (0, 0.0)
    assert alone.extra_conversions == pytest.approx(0.4949656, abs=1e-7)
    assert alone.interval[1] - alone.interval[0] < gain.interval[1] - gain.interval[0]


@pytest.mark.parametrize(
    ("unanswered", "converted", "message"),
    [
        (-1, 0, "unanswered: must be at least 0"),
        (2, 3, "unanswered_converted: must be at most 2"),
        (2.5, 0, "unanswered: must be a whole number"),
        (True, 0, "unanswered: must be a whole number"),
        (3, -1, "unanswered_converted: must be at least 0"),
    ],
)
def test_the_impact_refuses_impossible_never_answered_counts(unanswered, converted, message):
    fit = ExponentialDecayFit(0.5, 30.0, 0.02, np.zeros((3, 3)), 4, 0.0)
    with pytest.raises(SpeedToLeadError, match=message):
        fit.impact([5, 45], unanswered=unanswered, unanswered_converted=converted)
