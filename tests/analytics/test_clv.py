"""CLV models against the published CDNOW estimates, Monte Carlo and the simulator's truth."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pacer.analytics.clv import (
    BGNBD,
    MBGNBD,
    CLVError,
    GammaGamma,
    ParetoNBD,
    discounted_clv,
    holdout_comparison,
)
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

CDNOW = pl.read_csv(Path(__file__).parent / "data" / "cdnow_summary.csv")
X, TX, T, M = (CDNOW[c].to_numpy() for c in ("x", "t_x", "T", "zbar"))


def test_bgnbd_reproduces_fader_hardie_lee_2005_on_cdnow():
    model = BGNBD.fit(X, TX, T)
    # Published: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; LL = -9582.4
    assert (round(model.r, 3), round(model.alpha, 3), round(model.a, 3), round(model.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert model.log_likelihood(X, TX, T) == pytest.approx(-9582.4, abs=0.05)


def test_pareto_nbd_reproduces_the_published_cdnow_estimates():
    model = ParetoNBD.fit(X, TX, T)
    # Fader & Hardie (2005) note: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669
    assert model.r == pytest.approx(0.553, abs=2e-3)
    assert model.alpha == pytest.approx(10.578, abs=0.05)
    assert model.s == pytest.approx(0.606, abs=5e-3)
    assert model.beta == pytest.approx(11.669, abs=0.15)


def test_gamma_gamma_reproduces_fader_hardie_2013_on_cdnow():
    repeaters = X > 0
    model = GammaGamma.fit(X[repeaters], M[repeaters])
    # Published: p = 6.25, q = 3.74, gamma = 15.44. The file's zbar is rounded to cents;
    # on it the optimum is gamma = 15.4477 (log-likelihood -4055.9232, better than the
    # rounded published triple's -4055.9247), so gamma is checked to within 0.01.
    assert (round(model.p, 2), round(model.q, 2)) == (6.25, 3.74)
    assert model.gamma == pytest.approx(15.44, abs=0.01)


def test_mbgnbd_matches_the_lifetimes_reference_implementation_on_cdnow():
    model = MBGNBD.fit(X, TX, T)
    # lifetimes 0.11.3 ModifiedBetaGeoFitter on the same file (no penalty):
    # r 0.524838, alpha 6.182988, a 0.891356, b 1.614000; E[X(39) | 2, 30.43, 38.86]
    # 1.262671; P(alive | 2, 30.43, 38.86) 0.706126, P(alive | 0, 0, 38.86) 0.389716.
    # (Batislam et al. 2007 published no CDNOW estimates.)
    assert model.r == pytest.approx(0.524838, abs=2e-6)
    assert model.alpha == pytest.approx(6.182988, abs=2e-5)
    assert model.a == pytest.approx(0.891356, abs=2e-6)
    assert model.b == pytest.approx(1.614000, abs=2e-6)
    assert model.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(
        1.262671, abs=1e-6
    )
    alive = model.probability_alive([2, 0], [30.43, 0.0], [38.86, 38.86])
    assert alive == pytest.approx([0.706126, 0.389716], abs=1e-6)


def _pareto_posterior_expectation(model, t, x, t_x, T) -> float:
    """E[Y(t) | x, t_x, T] by integrating over (λ, μ) with Gauss-Laguerre nodes for the
    two gamma priors: an independent check of the closed form."""
    from scipy.special import gamma as gamma_fn
    from scipy.special import roots_genlaguerre

    u, wu = roots_genlaguerre(150, model.r - 1)
    v, wv = roots_genlaguerre(150, model.s - 1)
    lam, mu = np.meshgrid(u / model.alpha, v / model.beta, indexing="ij")
    weight = np.outer(wu / gamma_fn(model.r), wv / gamma_fn(model.s))
    alive = lam**x * np.exp(-(lam + mu) * T)
    dead = lam**x * mu / (lam + mu) * (np.exp(-(lam + mu) * t_x) - np.exp(-(lam + mu) * T))
    future = lam * -np.expm1(-mu * t) / mu  # expected purchases if alive at T
    return float((weight * alive * future).sum() / (weight * (alive + dead)).sum())


def test_pareto_nbd_expected_purchases_match_integration_and_lifetimes():
    model = ParetoNBD(r=0.553275, alpha=10.577779, s=0.606217, beta=11.668670)
    for x, t_x, big_t, t in ((2, 30.43, 38.86, 39), (0, 0.0, 38.86, 52), (7, 35.0, 38.86, 10)):
        closed = model.expected_purchases(t, [x], [t_x], [big_t])[0]
        assert closed == pytest.approx(
            _pareto_posterior_expectation(model, t, x, t_x, big_t), rel=1e-10
        )
    # lifetimes 0.11.3 ParetoNBDFitter, same parameters: 1.4551119
    assert model.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(
        1.4551119, abs=2e-6
    )
    near_one = ParetoNBD(r=0.5, alpha=10.0, s=1.0, beta=12.0)
    assert near_one.expected_purchases(20, [1], [5.0], [30.0])[0] == pytest.approx(
        _pareto_posterior_expectation(near_one, 20, 1, 5.0, 30.0), rel=1e-8
    )


def test_holdout_comparison_predicts_a_simulated_holdout():
    truth = BGNBD(r=0.6, alpha=4.0, a=0.8, b=2.5)
    rng = np.random.default_rng(7)
    n, calibration, holdout = 60_000, 39.0, 39.0
    lam = rng.gamma(truth.r, 1 / truth.alpha, n)
    p = rng.beta(truth.a, truth.b, n)
    first = rng.uniform(0, 12, n)  # acquired over the first 12 weeks
    now = first.copy()
    last = first.copy()
    x = np.zeros(n)
    later = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        now = np.where(alive, now + rng.exponential(1.0, n) / lam, now)
        alive &= now < calibration + holdout
        in_calibration = alive & (now <= calibration)
        x += in_calibration
        last = np.where(in_calibration, now, last)
        later += alive & (now > calibration)
        alive &= rng.random(n) >= p
    t_x, big_t = last - first, calibration - first
    model = BGNBD.fit(x, t_x, big_t)
    table = holdout_comparison(model, x, t_x, big_t, later, holdout)
    assert table["x"].to_list() == [0, 1, 2, 3, 4, 5, 6, 7, -1]
    assert table["customers"].to_list()[-1] == n
    overall = table.filter(pl.col("x") == -1).row(0, named=True)
    assert overall["predicted"] == pytest.approx(overall["actual"], rel=0.03)
    busy = table.filter(pl.col("x").is_between(0, 4))
    assert busy["predicted"].to_numpy() == pytest.approx(busy["actual"].to_numpy(), rel=0.08)


def test_holdout_comparison_checks_its_input():
    bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
    with pytest.raises(CLVError, match="x_holdout: need one count of at least 0"):
        holdout_comparison(bg, [0, 1], [0, 1.0], [5, 5], [1], 10)
    with pytest.raises(CLVError, match="duration: must be greater than 0"):
        holdout_comparison(bg, [0], [0], [5], [1], 0)


def test_large_fits_take_newton_steps_to_the_same_optimum():
    from pacer.analytics.clv import WARM_START_SAMPLE
    from pacer.analytics._clv_likelihood import BGLikelihood
    from pacer.analytics.mle import fit_log_params

    truth = BGNBD(r=0.6, alpha=4.0, a=0.8, b=2.5)
    rng = np.random.default_rng(3)
    n = 4 * WARM_START_SAMPLE + 50_000  # large enough for the sample-then-Newton path
    big_t = rng.uniform(10, 78, n)
    lam = rng.gamma(truth.r, 1 / truth.alpha, n)
    p = rng.beta(truth.a, truth.b, n)
    x, t_x, now = np.zeros(n), np.zeros(n), np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        now = now + rng.exponential(1.0, n) / lam
        alive &= now < big_t
        x += alive
        t_x = np.where(alive, now, t_x)
        alive &= rng.random(n) >= p
    for model in (BGNBD, MBGNBD):
        fitted = model.fit(x, t_x, big_t)
        likelihood = BGLikelihood(x, t_x, big_t, np.ones(n), model.modified)
        direct, _ = fit_log_params(likelihood.objective, np.ones(4), model.names, CLVError, n)
        got = [fitted.r, fitted.alpha, fitted.a, fitted.b]
        assert got == pytest.approx(direct, rel=1e-6)


def test_analytic_gradients_match_finite_differences():
    from scipy.optimize import approx_fprime

    from pacer.analytics._clv_likelihood import BGLikelihood

    w = np.ones_like(X)
    for modified, params in ((False, [0.3, 4.0, 0.8, 2.5]), (True, [0.5, 6.0, 0.9, 1.6])):
        likelihood = BGLikelihood(X, TX, T, w, modified)
        _, grad = likelihood.log_likelihood(np.array(params))
        numeric = approx_fprime(
            np.array(params), lambda p, f=likelihood: f.log_likelihood(p)[0], 1e-6
        )
        assert grad == pytest.approx(numeric, rel=1e-4)
    rep = X > 0
    _, grad = GammaGamma._log_likelihood(np.array([6.0, 3.5, 15.0]), X[rep], M[rep], w[rep])
    numeric = approx_fprime(
        np.array([6.0, 3.5, 15.0]),
        lambda p: GammaGamma._log_likelihood(p, X[rep], M[rep], w[rep])[0],
        1e-6,
    )
    assert grad == pytest.approx(numeric, rel=1e-4)


def test_bgnbd_population_curve_matches_monte_carlo():
    model = BGNBD(r=0.8, alpha=5.0, a=1.5, b=3.0)
    rng = np.random.default_rng(1)
    n, horizon = 200_000, 26.0
    lam = rng.gamma(model.r, 1 / model.alpha, n)
    p = rng.beta(model.a, model.b, n)
    counts = np.zeros(n)
    now = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        now += rng.exponential(1.0, n) / lam
        alive &= now < horizon
        counts += alive
        alive &= rng.random(n) >= p
    expected = model.expected_purchases_new_customer(horizon)
    assert counts.mean() == pytest.approx(expected, rel=0.02)
    # conditioning on an empty history at T = 0 gives the same curve
    assert model.expected_purchases(horizon, [0], [0.0], [0.0])[0] == pytest.approx(expected)


def test_bgnbd_recovers_the_simulators_purchase_parameters():
    config = SimConfig(seed=5, contacts=80_000, months=24, locations=2)
    business = generate(config)
    end = business.start + config.weeks * 7 * 86_400
    frame = pl.DataFrame({"c": business.order_contact, "t": business.order_time})
    per = frame.group_by("c").agg(n=pl.len(), first=pl.col("t").min(), last=pl.col("t").max())
    week = 7 * 86_400
    model = BGNBD.fit(
        (per["n"] - 1).to_numpy(),
        ((per["last"] - per["first"]) / week).to_numpy(),
        ((end - per["first"]) / week).to_numpy(),
    )
    truth = business.truth["bgnbd"]
    assert model.r == pytest.approx(truth["r"], rel=0.15)
    assert model.alpha == pytest.approx(truth["alpha"], rel=0.2)
    assert model.a == pytest.approx(truth["a"], rel=0.25)
    assert model.b == pytest.approx(truth["b"], rel=0.3)


def test_predictions_behave():
    bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
    # no repeat purchase: BG/NBD says certainly alive; the longer the silence, the less alive
    assert bg.probability_alive([0], [0.0], [38.86])[0] == 1.0
    recent, stale = bg.probability_alive([5, 5], [38.0, 10.0], [38.86, 38.86])
    assert recent > stale
    expected = bg.expected_purchases(39, [2, 2], [30.43, 5.0], [38.86, 38.86])
    assert expected[0] > expected[1] > 0
    gg = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    clv = discounted_clv(bg, gg, [2, 0], [30.43, 0.0], [38.86, 38.86], [22.35, 0.0])
    assert clv[0] > clv[1] > 0
    undiscounted = discounted_clv(
        bg, gg, [2], [30.43], [38.86], [22.35], discount_rate=0.0, periods=9, period_length=39 / 9
    )
    assert undiscounted[0] == pytest.approx(
        bg.expected_purchases(39, [2], [30.43], [38.86])[0] * gg.expected_spend([2], [22.35])[0]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1], [5.0], [4.0]), "T: customer 0 has T = 4.0 < t_x = 5.0"),
        (([-1], [0.0], [4.0]), "x: must be at least 0; item 0 is -1.0"),
        (([1.5], [1.0], [4.0]), "x: must be whole numbers; item 0 is 1.5"),
        (([0], [2.0], [4.0]), "t_x: must be 0 for customers without repeat purchases"),
        (([], [], []), "x: must be a non-empty 1-D list of numbers"),
        (([1], [np.nan], [4.0]), "t_x: must be finite numbers; item 0 is nan"),
    ],
)
def test_bad_summaries_are_named(args, message):
    with pytest.raises(CLVError) as error:
        BGNBD.fit(*args)
    assert message in str(error.value)


def test_gamma_gamma_rejects_customers_without_repeats_or_value():
    with pytest.raises(CLVError, match="x: must be at least 1; item 0 is 0"):
        GammaGamma.fit([0, 2], [10.0, 12.0])
    with pytest.raises(CLVError, match="m: must be greater than 0; item 0 is 0"):
        GammaGamma.fit([1, 2], [0.0, 12.0])
