"""Experiment statistics against R's published outputs, SciPy, and exact definitions.

Simulated checks use a tolerance of 4 standard errors of the quantity checked, computed
in the test from the number of simulations (a correct method fails about once in 16,000
runs; a method whose error is larger than that fails)."""

import math

import numpy as np
import pytest
from scipy import stats

from pacer.analytics.experiments import (
    ArmStats,
    ExperimentError,
    analyze,
    assign,
    bayesian,
    confidence_sequence,
    cuped,
    expected_duration_days,
    holm,
    minimum_detectable_effect,
    parse_arm,
    ratio_mean_and_variance,
    sample_ratio_mismatch,
    sample_size,
    welch,
)


def test_sample_size_matches_r_power_prop_test():
    # R: power.prop.test(p1 = .1, p2 = .12, power = .8)$n  -> 3840.847
    assert sample_size(0.10, 0.12) == pytest.approx(3840.847, abs=1e-3)
    # R documentation example: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7
    assert round(sample_size(0.50, 0.75, power=0.9), 1) == 76.7


def test_other_sample_size_formulas():
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    # Cohen's h: the returned n solves R pwr.2p.test's power equation
    # power = Phi(|h| sqrt(n / 2) - z_{1 - alpha/2}) (the far tail is negligible here)
    h = 2 * math.asin(math.sqrt(0.12)) - 2 * math.asin(math.sqrt(0.10))
    n = sample_size(0.10, 0.12, method="cohens_h")
    assert stats.norm.cdf(abs(h) * math.sqrt(n / 2) - za) == pytest.approx(0.8, abs=1e-9)
    assert n == pytest.approx(sample_size(0.10, 0.12), rel=0.01)  # close to the pooled test
    evan = (za * math.sqrt(2 * 0.1 * 0.9) + zb * math.sqrt(0.1 * 0.9 + 0.12 * 0.88)) ** 2 / 0.02**2
    assert sample_size(0.10, 0.12, method="evan_miller") == pytest.approx(evan)


def test_minimum_detectable_effect_inverts_sample_size_and_duration():
    assert minimum_detectable_effect(0.10, 3840.847482) == pytest.approx(0.02, abs=1e-6)
    assert expected_duration_days(3841, 2, 500) == pytest.approx(15.364)


def test_welch_equals_scipy_to_1e_10():
    rng = np.random.default_rng(2)
    a, b = rng.normal(10, 3, 800), rng.normal(10.4, 4, 650)
    result = welch(ArmStats.from_values(a), ArmStats.from_values(b))
    reference = stats.ttest_ind(b, a, equal_var=False)
    assert result.t == pytest.approx(reference.statistic, abs=1e-10)
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-10)
    assert result.df == pytest.approx(reference.df, abs=1e-8)
    ci = reference.confidence_interval(0.95)
    assert result.absolute_ci == pytest.approx((ci.low, ci.high), abs=1e-8)


SIGMAS = 4


def test_relative_effect_delta_method_covers_the_true_lift():
    rng = np.random.default_rng(4)
    runs, n = 2000, 2000
    covered = 0
    for _ in range(runs):
        a, b = rng.exponential(10, n), rng.exponential(11, n)
        low, high = welch(ArmStats.from_values(a), ArmStats.from_values(b)).relative_ci
        covered += low <= 0.1 <= high
    # nominal 95% coverage; a binomial proportion over 2,000 runs has SE 0.0049
    standard_error = math.sqrt(0.95 * 0.05 / runs)
    assert abs(covered / runs - 0.95) < SIGMAS * standard_error


def test_ratio_metric_delta_method_matches_simulation():
    rng = np.random.default_rng(5)
    runs = 8000
    estimates, variances = np.empty(runs), np.empty(runs)
    for i in range(runs):
        x = rng.poisson(3, 500) + 1.0
        y = x * rng.normal(2, 0.5, 500)
        estimates[i], variances[i] = ratio_mean_and_variance(ArmStats.from_values(y, x))
    # the spread of the estimates against the delta-method variance; the sample variance
    # of 8,000 draws has SE sqrt((m4 - var^2) / runs), from their fourth central moment
    centred = estimates - estimates.mean()
    spread = np.mean(centred**2)
    standard_error = math.sqrt((np.mean(centred**4) - spread**2) / runs)
    assert abs(spread - np.mean(variances)) < SIGMAS * standard_error


def test_bayesian_posteriors_are_the_closed_form_normal_normal_update():
    a, b = ArmStats(1000, 100, 100), ArmStats(1000, 120, 120)
    difference = 0.02
    se2 = a.variance / 1000 + b.variance / 1000
    flat = bayesian(a, b)
    se = math.sqrt(se2)
    assert flat.chance_to_win == pytest.approx(stats.norm.cdf(difference / se), abs=1e-12)
    assert flat.credible_interval == pytest.approx(
        (difference - 1.959964 * se, difference + 1.959964 * se), abs=1e-7
    )
    # prior N(0, tau^2) on the difference, likelihood N(0.02, se^2): the posterior is
    # N(0.02 tau^2 / (tau^2 + se^2), tau^2 se^2 / (tau^2 + se^2))
    for tau in (0.005, 0.01, 0.1):
        mean = difference * tau**2 / (tau**2 + se2)
        sd = math.sqrt(tau**2 * se2 / (tau**2 + se2))
        shrunk = bayesian(a, b, prior_sd=tau, interval=0.9)
        assert shrunk.chance_to_win == pytest.approx(stats.norm.cdf(mean / sd), abs=1e-12)
        low, high = stats.norm.ppf([0.05, 0.95], mean, sd)
        assert shrunk.credible_interval == pytest.approx((low, high), abs=1e-12)
        grid = np.linspace(mean - 12 * sd, mean + 12 * sd, 400_001)
        loss = np.trapezoid(np.maximum(-grid, 0) * stats.norm.pdf(grid, mean, sd), grid)
        assert shrunk.expected_loss == pytest.approx(loss, rel=1e-6)
    # expected loss of the flat posterior by numerical integration of max(0, -d)
    grid = np.linspace(difference - 10 * se, difference + 10 * se, 200_001)
    density = stats.norm.pdf(grid, difference, se)
    assert flat.expected_loss == pytest.approx(
        np.trapezoid(np.maximum(-grid, 0) * density, grid), rel=1e-6
    )


def test_confidence_sequence_is_wider_than_the_fixed_interval_and_always_valid():
    rng = np.random.default_rng(6)
    a, b = (
        ArmStats.from_values(rng.normal(0, 1, 5000)),
        ArmStats.from_values(rng.normal(0, 1, 5000)),
    )
    low, high = confidence_sequence(a, b, planned_n=5000)
    fixed = welch(a, b).absolute_ci
    assert low < fixed[0] and high > fixed[1]
    # peeking every 100 observations under the null: the chance that the sequence ever
    # excludes 0 is at most alpha = 0.05; over 2,000 runs the rate's SE is 0.0049. A
    # fixed-sample 95% interval peeked at 30 times excludes 0 in about a quarter of them.
    runs, looks = 2000, np.arange(100, 3001, 100)
    x, y = rng.normal(0, 1, (runs, 3000)), rng.normal(0, 1, (runs, 3000))
    sums = [np.cumsum(v, axis=1)[:, looks - 1] for v in (x, y)]
    squares = [np.cumsum(v * v, axis=1)[:, looks - 1] for v in (x, y)]
    misses = 0
    for run in range(runs):
        for k, n in enumerate(looks):
            arms = [
                ArmStats(int(n), float(sums[i][run, k]), float(squares[i][run, k])) for i in (0, 1)
            ]
            low, high = confidence_sequence(*arms, planned_n=3000)
            if low > 0 or high < 0:
                misses += 1
                break
    variances = [(squares[i] - sums[i] ** 2 / looks) / (looks - 1) for i in (0, 1)]
    z = (sums[1] - sums[0]) / looks / np.sqrt((variances[0] + variances[1]) / looks)
    fixed_misses = int((np.abs(z) > stats.norm.ppf(0.975)).any(axis=1).sum())
    assert misses / runs < 0.05 + SIGMAS * math.sqrt(0.05 * 0.95 / runs)
    assert fixed_misses / runs > 0.05 + SIGMAS * math.sqrt(0.05 * 0.95 / runs)


def test_cuped_reduces_variance_by_the_squared_correlation():
    rng = np.random.default_rng(7)
    x = rng.normal(50, 10, 10_000)
    y = 0.8 * x + rng.normal(0, 6, 10_000)
    arm = ArmStats.from_values(y, x)
    ((mean, var),) = cuped([arm])
    rho = np.corrcoef(x, y)[0, 1]
    assert var == pytest.approx(arm.variance * (1 - rho**2) / arm.n, rel=1e-6)
    assert mean == pytest.approx(y.mean())


def test_srm_equals_scipy_chisquare():
    assert sample_ratio_mismatch([5000, 5200], [0.5, 0.5]) == pytest.approx(
        stats.chisquare([5000, 5200]).pvalue, abs=1e-12
    )
    expected = np.array([0.2, 0.3, 0.5]) * 10_000
    assert sample_ratio_mismatch([2100, 2900, 5000], [2, 3, 5]) == pytest.approx(
        stats.chisquare([2100, 2900, 5000], expected).pvalue, abs=1e-12
    )


def test_holm_adjustment():
    assert holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]
    assert holm([0.5, 0.9]) == [1.0, 1.0]


def test_assignment_is_deterministic_salted_and_balanced():
    units = 20_000
    arms = np.array([assign("exp", f"user-{i}", [0.5, 0.5]) for i in range(units)])
    assert arms.tolist() == [assign("exp", f"user-{i}", [0.5, 0.5]) for i in range(units)]
    # each share within 4 binomial standard errors of the planned one
    half = SIGMAS * math.sqrt(0.25 / units)
    assert abs(arms.mean() - 0.5) < half
    skewed = np.array([assign("exp", f"user-{i}", [0.2, 0.8]) for i in range(units)])
    assert abs(skewed.mean() - 0.8) < SIGMAS * math.sqrt(0.16 / units)
    # another salt re-draws independently: agreement with the first draw is a coin flip
    salted = np.array([assign("exp", f"user-{i}", [0.5, 0.5], salt="s2") for i in range(units)])
    assert abs(np.mean(arms == salted) - 0.5) < half
    assert assign("exp", "u", [0, 1]) == 1


def test_relative_effect_is_none_not_nan_when_the_control_never_converts():
    result = welch(ArmStats(1000, 0, 0), ArmStats(1000, 12, 12))
    assert result.relative is None and result.relative_ci == (None, None)
    assert result.absolute == pytest.approx(0.012) and 0 < result.p_value < 0.01
    variation = analyze({"c": ArmStats(1000, 0, 0), "t": ArmStats(1000, 12, 12)}).variations[0]
    assert variation.as_dict()["relative"] is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sample_size(0.1, 0.1), "p2: must differ from p1"),
        (lambda: sample_size(0.0, 0.1), "p1: must be strictly between 0 and 1, got 0"),
        (lambda: sample_size(0.1, math.nan), "p2: must be a finite number, got nan"),
        (lambda: sample_size(0.1, 0.2, alpha=1.5), "alpha: must be strictly between 0 and 1"),
        (lambda: sample_size(0.1, 0.2, power=math.nan), "power: must be a finite number"),
        (lambda: sample_size(0.1, 0.2, method="magic"), "method: must be"),
        (lambda: minimum_detectable_effect(0.1, -5), "n: must be greater than 0"),
        (lambda: expected_duration_days(1000, 2, -250), "daily_traffic: must be greater than 0"),
        (lambda: expected_duration_days(math.nan, 2, 250), "n_per_arm: must be a finite number"),
        (lambda: expected_duration_days(1000, 1.5, 250), "arms: must be a whole number"),
        (lambda: ArmStats(1, 1, 1), "n: each arm needs at least 2"),
        (lambda: ArmStats(10, math.nan, 1), "sum: must be a finite number, got nan"),
        (lambda: ArmStats(10, 1, -1), "sum_sq: must be at least 0"),
        (lambda: ArmStats(100, 120, 120), "more conversions than observations"),
        (lambda: ArmStats(10, 1, 1, x_sum=5, x_sum_sq=1), "x_sum, x_sum_sq: the sum of squares"),
        (
            lambda: ArmStats(10, 5, 5, 5, 5, xy_sum=10),
            "xy_sum: implies a correlation between y and x",
        ),
        (lambda: ArmStats(10, 1e300, 1e300), "sum, sum_sq: too large to compute a variance"),
        (lambda: ArmStats.from_values([1.0, math.inf]), "y: must be finite numbers; item 1"),
        (lambda: parse_arm("c, 100, 120", "line 1"), "line 1: conversions must be a whole"),
        (lambda: parse_arm("c, 100, 2.5", "line 1"), "line 1: conversions must be a whole"),
        (lambda: parse_arm("c, 100, nan, 3", "line 1"), "line 1: sum: must be a finite"),
        (lambda: welch(ArmStats(10, 10, 10), ArmStats(10, 20, 40)), "both arms have zero var"),
        (lambda: welch(ArmStats(10, 1, 1), ArmStats(10, 2, 2), alpha=0), "alpha: must be str"),
        (lambda: bayesian(ArmStats(10, 1, 1), ArmStats(10, 2, 2), prior_sd=math.nan), "prior_sd"),
        (lambda: bayesian(ArmStats(10, 1, 1), ArmStats(10, 2, 2), interval=1), "interval: must"),
        (lambda: confidence_sequence(ArmStats(10, 1, 1), "b"), "treatment: must be an ArmStats"),
        (lambda: sample_ratio_mismatch([10], [1]), "counts: need"),
        (lambda: sample_ratio_mismatch([10, 5], [1, 0]), "weights: every planned weight"),
        (lambda: sample_ratio_mismatch([10, -5], [1, 1]), "counts[1]: must be at least 0"),
        (lambda: sample_ratio_mismatch([0, 0], [1, 1]), "counts: need at least one unit"),
        (lambda: sample_ratio_mismatch([10, 5], [1, math.nan]), "weights[1]: must be a finite"),
        (lambda: holm([0.5, math.nan]), "p_values[1]: must be a finite number"),
        (lambda: holm([1.5]), "p_values[0]: must be between 0 and 1"),
        (lambda: assign("e", "u", []), "weights: need a list"),
        (lambda: assign("e", "u", [1, math.nan]), "weights[1]: must be a finite number"),
        (lambda: assign("e", "u", [-1, 2]), "weights[0]: must be at least 0"),
        (lambda: assign("e", "u", [0, 0]), "weights: need weights with a positive, finite sum"),
        (
            lambda: cuped([ArmStats.from_values([1.0, 2], x=[1.0, 1])]),
            "covariate has zero variance",
        ),
        (lambda: analyze({"a": ArmStats(10, 1, 1)}), "arms: need a control and at least one"),
        (
            lambda: analyze({"a": ArmStats(10, 1, 1), "b": ArmStats(10, 2, 2)}, weights=[1]),
            "weights: need one planned weight per arm",
        ),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ExperimentError) as error:
        call()
    assert message in str(error.value)


def test_statistics_of_large_or_constant_values_are_not_mistaken_for_impossible_ones():
    # rounding leaves sums of squares of values near 1e9 short by far more than their
    # true spread; that is not an impossible input
    rng = np.random.default_rng(9)
    for offset in (1e3, 1e6, 1e9, 1e12):
        x = offset + rng.normal(0, 1e-3, 50)
        arm = ArmStats.from_values(x + rng.normal(0, 1e-4, 50), x)
        assert arm.variance >= 0 and arm.x_variance >= 0
        constant = ArmStats.from_values(np.full(30, 2 * offset), np.full(30, offset))
        # a one-pass variance from sums is exact only to rounding of mean^2 (1e-16 each)
        assert 0 <= constant.variance <= 1e-12 * (2 * offset) ** 2
