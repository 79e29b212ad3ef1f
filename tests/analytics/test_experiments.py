"""Experiment statistics against R's published outputs, SciPy, and exact definitions."""

import math

import numpy as np
import pytest
from scipy import stats

from pacer.analytics.experiments import (
    ArmStats,
    ExperimentError,
    assign,
    bayesian,
    confidence_sequence,
    cuped,
    expected_duration_days,
    holm,
    minimum_detectable_effect,
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


def test_relative_effect_delta_method_covers_the_true_lift():
    rng = np.random.default_rng(4)
    covered = 0
    for _ in range(400):
        a, b = rng.exponential(10, 2000), rng.exponential(11, 2000)
        low, high = welch(ArmStats.from_values(a), ArmStats.from_values(b)).relative_ci
        covered += low <= 0.1 <= high
    assert 0.92 <= covered / 400 <= 0.98


def test_ratio_metric_delta_method_matches_simulation():
    rng = np.random.default_rng(5)
    estimates, variances = [], []
    for _ in range(2000):
        x = rng.poisson(3, 500) + 1.0
        y = x * rng.normal(2, 0.5, 500)
        ratio, var = ratio_mean_and_variance(ArmStats.from_values(y, x))
        estimates.append(ratio)
        variances.append(var)
    assert np.var(estimates) == pytest.approx(np.mean(variances), rel=0.1)


def test_bayesian_flat_and_proper_priors():
    a, b = ArmStats(1000, 100, 100), ArmStats(1000, 120, 120)
    flat = bayesian(a, b)
    se = math.sqrt(a.variance / 1000 + b.variance / 1000)
    assert flat.chance_to_win == pytest.approx(stats.norm.cdf(0.02 / se))
    assert flat.credible_interval == pytest.approx((0.02 - 1.959964 * se, 0.02 + 1.959964 * se))
    shrunk = bayesian(a, b, prior_sd=0.01)
    assert 0.5 < shrunk.chance_to_win < flat.chance_to_win
    # expected loss by numerical integration of max(0, -d) under the posterior
    grid = np.linspace(0.02 - 10 * se, 0.02 + 10 * se, 200_001)
    density = stats.norm.pdf(grid, 0.02, se)
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
    # peeking every 100 observations under the null: the sequence rarely ever excludes 0
    misses = 0
    for _ in range(200):
        x, y = rng.normal(0, 1, 3000), rng.normal(0, 1, 3000)
        for n in range(100, 3001, 100):
            lo, hi = confidence_sequence(
                ArmStats.from_values(x[:n]), ArmStats.from_values(y[:n]), planned_n=3000
            )
            if lo > 0 or hi < 0:
                misses += 1
                break
    assert misses / 200 <= 0.05


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
    arms = [assign("exp", f"user-{i}", [0.5, 0.5]) for i in range(20_000)]
    assert arms == [assign("exp", f"user-{i}", [0.5, 0.5]) for i in range(20_000)]
    assert sample_ratio_mismatch([arms.count(0), arms.count(1)], [1, 1]) > 0.001
    salted = [assign("exp", f"user-{i}", [0.5, 0.5], salt="s2") for i in range(20_000)]
    assert 0.4 < np.mean(np.array(arms) == np.array(salted)) < 0.6
    assert assign("exp", "u", [0, 1]) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sample_size(0.1, 0.1), "p2: must differ from p1"),
        (lambda: sample_size(0.0, 0.1), "p1: must be strictly between 0 and 1"),
        (lambda: sample_size(0.1, 0.2, method="magic"), "method: must be"),
        (lambda: ArmStats(1, 1, 1), "n: each arm needs at least 2"),
        (lambda: welch(ArmStats(10, 10, 10), ArmStats(10, 20, 40)), "both arms have zero variance"),
        (lambda: sample_ratio_mismatch([10], [1]), "counts: need"),
        (lambda: assign("e", "u", []), "weights: need"),
        (
            lambda: cuped([ArmStats.from_values([1.0, 2], x=[1.0, 1])]),
            "covariate has zero variance",
        ),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ExperimentError) as error:
        call()
    assert message in str(error.value)
