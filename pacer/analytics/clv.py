"""Customer lifetime value: BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma.

All models are fitted by maximum likelihood on the per-customer summary ``x`` (repeat
purchases), ``t_x`` (time of the last purchase since the first), ``T`` (time since the
first purchase) and, for Gamma-Gamma, ``m`` (mean repeat-purchase value), with
optional ``weights`` (how many customers each row stands for). Parameters are optimised
on the log scale with BFGS and finished by Newton steps (``pacer.analytics.mle``); every
fit carries ``diagnostics`` (log-likelihood, convergence, iterations, standard errors); a
fit the
data cannot identify (too few customers, no repeat buyers, a flat likelihood, no
convergence) is refused with a ``CLVError`` instead of returning the optimiser's start
values.

Speed: the BG/NBD and MBG/NBD log-likelihoods come with analytic gradients, evaluated
in fixed-size chunks of customers without BLAS (so the time does not depend on the
machine's BLAS threads or on memory-allocator thresholds and grows linearly with the
data). Above ``WARM_START_SAMPLE`` customers the fit first converges on a fixed-size
random sample of that many customers, then takes Newton steps on all the data with the
sample's Hessian (scaled to the full size): a few passes over the data. The time is
monotonic in the number of customers: the sample fit costs what a direct fit at the
threshold costs, and the passes over all the data come on top. Pareto/NBD uses finite
differences (its likelihood involves the Gauss hypergeometric function).

References: Fader, Hardie & Lee (2005) "Counting your customers the easy way" (BG/NBD);
Batislam, Denizel & Filiztekin (2007) (MBG/NBD); Schmittlein, Morrison & Colombo (1987)
and Fader & Hardie (2005) note (Pareto/NBD); Fader & Hardie (2013) "The Gamma-Gamma
model of monetary value".
"""

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.special import expit, gammaln, hyp2f1, psi

from pacer.analytics import _checks as checks
from pacer.analytics._clv_likelihood import BGLikelihood, pareto_log_terms
from pacer.analytics.mle import FitDiagnostics, finish, fit_log_params, hessian, newton

WARM_START_SAMPLE = 100_000
MIN_CUSTOMERS = 10  # fewer customers (total weight) than this cannot identify the models
MAX_PERIODS = 1200  # discounted_clv: 100 years of months
SINGULAR = 1e-7  # distance from a removable singularity evaluated as a limit
LIMIT_STEP = 1e-4  # half-width of the symmetric average that evaluates such a limit
MAX_SIMULATED_PURCHASES = 100_000


class CLVError(ValueError):
    """Bad customer summary input or an unidentifiable fit; the message names the field
    and the reason."""


def _check_summary(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = checks.array(x, "x", CLVError, low=0.0, whole_numbers=True)
    t_x = checks.array(t_x, "t_x", CLVError, low=0.0)
    T = checks.array(T, "T", CLVError, low=0.0)
    if not (x.shape == t_x.shape == T.shape):
        raise CLVError("x, t_x, T: need three arrays of equal length (one entry per customer)")
    if (t_x > T).any():
        bad = int(np.flatnonzero(t_x > T)[0])
        raise CLVError(f"T: customer {bad} has T = {T[bad]} < t_x = {t_x[bad]}")
    if ((x == 0) & (t_x != 0)).any():
        raise CLVError("t_x: must be 0 for customers without repeat purchases")
    return x, t_x, T


def _check_horizon(t) -> float:
    return checks.number(t, "t", CLVError, low=0.0)


def _check_fit_data(x: np.ndarray, w: np.ndarray) -> None:
    if w.sum() < MIN_CUSTOMERS:
        raise CLVError(
            f"x: {w.sum():g} customers; a fit needs at least {MIN_CUSTOMERS} to identify the model"
        )
    if not (w[x > 0] > 0).any():
        raise CLVError(
            "x: no customer has a repeat purchase, so the dropout process cannot be "
            "estimated; the fit needs repeat buyers"
        )


def _positive_parameters(model, names: tuple[str, ...]) -> None:
    """Check that every parameter is a finite number above 0 and store it as a float."""
    for name in names:
        value = checks.number(getattr(model, name), name, CLVError, low=0.0, low_open=True)
        object.__setattr__(model, name, value)


def _finite(values, what: str):
    return checks.finite_result(values, what, CLVError)


def _near_limit(compute, value: float, singular: float | np.ndarray):
    """``compute(value)``, except where ``value`` sits on a removable singularity: there
    the symmetric average of ``compute`` at ``singular ± LIMIT_STEP`` (error of order
    ``LIMIT_STEP²``)."""
    direct = compute(value)
    near = np.abs(value - singular) < SINGULAR
    if not np.any(near):
        return direct
    limit = (compute(singular + LIMIT_STEP) + compute(singular - LIMIT_STEP)) / 2
    return np.where(near, limit, direct)


@dataclass(frozen=True)
class BGNBD:
    """BG/NBD: purchases at rate λ ~ Gamma(r, α) while alive; after each repeat purchase
    the customer drops out with probability p ~ Beta(a, b).

    Example
    -------
    >>> model = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(float(model.probability_alive([2], [30.43], [38.86])[0]), 4)
    0.7266
    """

    r: float
    alpha: float
    a: float
    b: float
    diagnostics: FitDiagnostics | None = field(default=None, compare=False, repr=False)

    modified = False  # MBG/NBD overrides: dropout also possible right after the first purchase
    names = ("r", "alpha", "a", "b")

    def __post_init__(self) -> None:
        _positive_parameters(self, self.names)

    @classmethod
    def fit(cls, x, t_x, T, weights=None) -> "BGNBD":
        """Maximum-likelihood fit; ``weights`` counts identical customers (default 1 each).

        Example
        -------
        >>> T = np.linspace(20, 78, 5000)
        >>> x, t_x = BGNBD(r=0.6, alpha=4.0, a=0.8, b=2.5).simulate(T, seed=1)
        >>> model = BGNBD.fit(x, t_x, T)
        >>> [round(v, 2) for v in (model.r, model.alpha, model.a, model.b)]
        [0.58, 3.85, 0.76, 2.42]
        >>> fit = model.diagnostics
        >>> fit.converged, round(fit.log_likelihood, 1), round(fit.standard_errors["r"], 3)
        (True, -50221.2, 0.015)
        """
        x, t_x, T = _check_summary(x, t_x, T)
        w = checks.weights(weights, len(x), "weights", CLVError)
        _check_fit_data(x, w)
        start = np.ones(4)
        if len(x) > WARM_START_SAMPLE:
            warm = cls._warm_fit(x, t_x, T, w, start)
            if warm is not None:
                return warm
        likelihood = BGLikelihood(x, t_x, T, w, cls.modified)
        params, diagnostics = fit_log_params(
            likelihood.objective, start, cls.names, CLVError, w.sum()
        )
        return cls(*params, diagnostics=diagnostics)

    @classmethod
    def _warm_fit(cls, x, t_x, T, w, start) -> "BGNBD | None":
        """Converge on a fixed random sample first, then take Newton steps on all the data
        with the sample's Hessian scaled up; None when the sample cannot be fitted (the
        caller then fits all the data directly)."""
        pick = np.sort(np.random.default_rng(0).choice(len(x), WARM_START_SAMPLE, replace=False))
        sample = BGLikelihood(x[pick], t_x[pick], T[pick], w[pick], cls.modified)
        try:
            _check_fit_data(x[pick], w[pick])
            params, sample_fit = fit_log_params(
                sample.objective, start, cls.names, CLVError, w[pick].sum()
            )
        except CLVError:
            return None
        warm = np.log(params)
        curvature = hessian(sample.objective, warm, jac=True) * (w.sum() / w[pick].sum())
        full = BGLikelihood(x, t_x, T, w, cls.modified)
        point, steps, _ = newton(full.objective, warm, curvature)
        params, diagnostics = finish(
            full.objective,
            point,
            cls.names,
            CLVError,
            w.sum(),
            jac=True,
            iterations=sample_fit.iterations + steps,
            method=f"BFGS on {WARM_START_SAMPLE:,} customers, then Newton on all",
        )
        return cls(*params, diagnostics=diagnostics)

    def _params(self) -> np.ndarray:
        return np.array([self.r, self.alpha, self.a, self.b])

    def log_likelihood(self, x, t_x, T, weights=None) -> float:
        """The (weighted) log-likelihood of the summary under these parameters.

        Example
        -------
        >>> round(BGNBD(0.243, 4.414, 0.793, 2.426).log_likelihood([2], [30.43], [38.86]), 4)
        -9.4586
        """
        x, t_x, T = _check_summary(x, t_x, T)
        w = checks.weights(weights, len(x), "weights", CLVError)
        likelihood = BGLikelihood(x, t_x, T, w, self.modified)
        with np.errstate(all="ignore"):
            value = likelihood.log_likelihood(self._params())[0]
        return float(_finite(value, "log_likelihood"))

    def simulate(self, T, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``x`` and ``t_x`` for customers observed for ``T`` periods after their first
        purchase (one random stream from ``seed``): a check of the fit against known truth.

        Example
        -------
        >>> x, t_x = BGNBD(r=0.6, alpha=4.0, a=0.8, b=2.5).simulate([52.0, 52.0], seed=3)
        >>> bool((t_x <= 52).all() and ((x == 0) == (t_x == 0)).all())
        True
        """
        T = checks.array(T, "T", CLVError, low=0.0)
        seed = checks.whole(seed, "seed", CLVError, low=0)
        rng = np.random.default_rng(seed)
        n = len(T)
        rate = rng.gamma(self.r, 1 / self.alpha, n)
        dropout = rng.beta(self.a, self.b, n)
        x, t_x, now = np.zeros(n), np.zeros(n), np.zeros(n)
        alive = rng.random(n) >= dropout if self.modified else np.ones(n, dtype=bool)
        for _ in range(MAX_SIMULATED_PURCHASES):
            if not alive.any():
                return x, t_x
            with np.errstate(divide="ignore", over="ignore"):
                now = now + rng.exponential(1.0, n) / rate
            alive &= now < T
            x += alive
            t_x = np.where(alive, now, t_x)
            alive &= rng.random(n) >= dropout
        raise CLVError(
            f"T: a customer makes more than {MAX_SIMULATED_PURCHASES:,} purchases; "
            "shorten T or lower the purchase rate"
        )

    def _log_odds_dead(self, x, t_x, T):
        shift = 1.0 if self.modified else 0.0
        log_odds = (
            np.log(self.a)
            - np.log(self.b + x - 1 + shift)
            + (self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x))
        )
        return log_odds if self.modified else np.where(x > 0, log_odds, -np.inf)

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(still active | x, t_x, T)."""
        x, t_x, T = _check_summary(x, t_x, T)
        with np.errstate(all="ignore"):
            return _finite(expit(-self._log_odds_dead(x, t_x, T)), "probability_alive")

    def _expected_if_alive(self, t, x, T, a, b):
        """E[purchases in (T, T + t] | alive at T] (Fader, Hardie & Lee 2005, eq. 10, and
        its MBG/NBD analogue), at dropout parameters ``a``, ``b``."""
        r, alpha = self.r, self.alpha
        shift = 1.0 if self.modified else 0.0
        c = a + b + x - 1 + shift
        z = t / (alpha + T + t)
        with np.errstate(all="ignore"):
            decay = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
            return c / (a - 1) * (1 - decay * hyp2f1(r + x, b + x + shift, c, z))

    def expected_purchases(self, t: float, x, t_x, T) -> np.ndarray:
        """Expected purchases in the next ``t`` periods, given each customer's history.

        At ``a = 1`` (and, for BG/NBD customers without repeat purchases, ``a + b = 1``)
        the formula is 0/0; its limit is taken as the average at ``a ± 1e-4`` (``b ± 1e-4``).

        Example
        -------
        >>> bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(float(bg.expected_purchases(39, [2], [30.43], [38.86])[0]), 4)
        1.226
        """
        t = _check_horizon(t)
        x, t_x, T = _check_summary(x, t_x, T)
        shift = 1.0 if self.modified else 0.0

        def at_b(b):
            return _near_limit(lambda a: self._expected_if_alive(t, x, T, a, b), self.a, 1.0)

        pole_b = 1.0 - shift - self.a - x  # where c = a + b + x - 1 + shift = 0
        expected = _near_limit(at_b, self.b, pole_b) if t > 0 else np.zeros_like(x)
        with np.errstate(all="ignore"):
            alive = expit(-self._log_odds_dead(x, t_x, T))
        result = _finite(expected * alive, "expected_purchases")
        if (result < -1e-9 * np.maximum(1.0, np.abs(result).max())).any():
            raise CLVError("expected_purchases: the hypergeometric series lost precision")
        return np.maximum(result, 0.0)

    def expected_purchases_new_customer(self, t: float) -> float:
        """E[X(t)] for a customer just acquired (the population curve): the conditional
        expectation at ``x = t_x = T = 0``.

        Example
        -------
        >>> round(BGNBD(0.243, 4.414, 0.793, 2.426).expected_purchases_new_customer(39), 4)
        1.1967
        """
        return float(self.expected_purchases(t, [0], [0.0], [0.0])[0])


@dataclass(frozen=True)
class MBGNBD(BGNBD):
    """MBG/NBD (Batislam et al., 2007): like BG/NBD, but a customer may also drop out
    right after the first purchase, so even customers with x = 0 can be inactive.

    Example
    -------
    >>> model = MBGNBD(r=0.5, alpha=6.0, a=0.9, b=1.6)
    >>> float(model.probability_alive([0], [0.0], [10.0])[0]) < 1
    True
    """

    modified = True


@dataclass(frozen=True)
class ParetoNBD:
    """Pareto/NBD: purchases at λ ~ Gamma(r, α), lifetime exponential with μ ~ Gamma(s, β).

    Example
    -------
    >>> model = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> round(float(model.probability_alive([0], [0.0], [38.86])[0]), 3)
    0.295
    """

    r: float
    alpha: float
    s: float
    beta: float
    diagnostics: FitDiagnostics | None = field(default=None, compare=False, repr=False)

    names = ("r", "alpha", "s", "beta")

    def __post_init__(self) -> None:
        _positive_parameters(self, self.names)

    @staticmethod
    def _log_likelihood(params, x, t_x, T, w) -> float:
        r, alpha, s, beta = params
        log_first, log_second = pareto_log_terms(params, x, t_x, T)
        ll = (
            gammaln(r + x)
            - gammaln(r)
            + r * np.log(alpha)
            + s * np.log(beta)
            + np.logaddexp(log_first, log_second)
        )
        return float(np.einsum("i,i->", w, ll))

    @classmethod
    def fit(cls, x, t_x, T, weights=None) -> "ParetoNBD":
        """Maximum-likelihood fit (finite-difference gradients); see ``BGNBD.fit``.

        Example
        -------
        >>> T = np.linspace(20, 78, 2000)
        >>> x, t_x = BGNBD(r=0.6, alpha=4.0, a=0.8, b=2.5).simulate(T, seed=2)
        >>> ParetoNBD.fit(x, t_x, T).diagnostics.converged
        True
        """
        x, t_x, T = _check_summary(x, t_x, T)
        w = checks.weights(weights, len(x), "weights", CLVError)
        _check_fit_data(x, w)

        def objective(log_params):
            with np.errstate(all="ignore"):
                value = -cls._log_likelihood(np.exp(log_params), x, t_x, T, w)
            return value if np.isfinite(value) else 1e300

        params, diagnostics = fit_log_params(
            objective, np.ones(4), cls.names, CLVError, w.sum(), jac=False
        )
        return cls(*params, diagnostics=diagnostics)

    def _params(self) -> np.ndarray:
        return np.array([self.r, self.alpha, self.s, self.beta])

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(alive | x, t_x, T) (Schmittlein et al., 1987; Fader & Hardie, 2005), in logs."""
        x, t_x, T = _check_summary(x, t_x, T)
        with np.errstate(all="ignore"):
            log_first, log_second = pareto_log_terms(self._params(), x, t_x, T)
            return _finite(expit(log_first - log_second), "probability_alive")

    def expected_purchases(self, t: float, x, t_x, T) -> np.ndarray:
        """Expected purchases in the next ``t`` periods given each customer's history:
        ``(r + x)(β + T) / ((α + T)(s − 1)) · [1 − ((β + T)/(β + T + t))^(s − 1)] · P(alive)``
        (Fader & Hardie 2005 note, eq. 41), written with ``expm1`` so that it runs smoothly
        into its ``s → 1`` limit ``(r + x)(β + T)/(α + T) · ln((β + T + t)/(β + T)) · P(alive)``.

        Example
        -------
        >>> model = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> round(float(model.expected_purchases(39, [2], [30.43], [38.86])[0]), 2)
        1.46
        """
        t = _check_horizon(t)
        x, t_x, T = _check_summary(x, t_x, T)
        r, alpha, s, beta = self._params()
        with np.errstate(all="ignore"):
            scale = (r + x) * (beta + T) / (alpha + T)
            shrink = np.log(beta + T) - np.log(beta + T + t)  # <= 0
            growth = -shrink if s == 1 else -np.expm1((s - 1) * shrink) / (s - 1)
            result = scale * growth * self.probability_alive(x, t_x, T)
        return _finite(result, "expected_purchases")


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma model of spend per transaction: a customer's mean spend ν ~ Gamma(q, γ)
    and each transaction ~ Gamma(p, ν). Fitted on customers with at least one repeat
    purchase, from ``x`` and their mean repeat-transaction value ``m``.

    Example
    -------
    >>> model = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    >>> round(float(model.expected_spend([2], [22.35])[0]), 2)
    24.66
    """

    p: float
    q: float
    gamma: float
    diagnostics: FitDiagnostics | None = field(default=None, compare=False, repr=False)

    names = ("p", "q", "gamma")

    def __post_init__(self) -> None:
        _positive_parameters(self, self.names)

    @staticmethod
    def _check(x, m, *, zero_allowed: bool = False) -> tuple[np.ndarray, np.ndarray]:
        x = checks.array(x, "x", CLVError, low=1.0, whole_numbers=True)
        m = checks.array(m, "m", CLVError, low=0.0, low_open=not zero_allowed)
        if x.shape != m.shape:
            raise CLVError("x, m: need two arrays of equal length (one entry per customer)")
        return x, m

    @staticmethod
    def _log_likelihood(params, x, m, w):
        p, q, gamma = params
        px = p * x
        log_gm = np.log(gamma + x * m)
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * log_gm
        )
        grad = np.array(
            [
                np.einsum("i,i->", w, x * (psi(px + q) - psi(px) + np.log(m * x) - log_gm)),
                np.einsum("i,i->", w, psi(px + q) - psi(q) + np.log(gamma) - log_gm),
                np.einsum("i,i->", w, q / gamma - (px + q) / (gamma + x * m)),
            ]
        )
        return float(np.einsum("i,i->", w, ll)), grad

    @classmethod
    def fit(cls, x, m, weights=None) -> "GammaGamma":
        """Maximum-likelihood fit on customers with repeat purchases.

        Example
        -------
        >>> rng = np.random.default_rng(2)
        >>> x = rng.integers(1, 6, 3000).astype(float)
        >>> nu = rng.gamma(3.74, 1 / 15.44, 3000)  # each customer's transaction rate
        >>> m = rng.gamma(6.25 * x, 1 / (nu * x))  # mean of x Gamma(6.25, nu) amounts
        >>> model = GammaGamma.fit(x, m)
        >>> [round(v, 1) for v in (model.p, model.q, model.gamma)]
        [6.7, 3.7, 14.0]
        """
        x, m = cls._check(x, m)
        w = checks.weights(weights, len(x), "weights", CLVError)
        if w.sum() < MIN_CUSTOMERS:
            raise CLVError(
                f"x: {w.sum():g} repeat customers; Gamma-Gamma needs at least {MIN_CUSTOMERS}"
            )

        def objective(log_params):
            with np.errstate(all="ignore"):
                ll, grad = cls._log_likelihood(np.exp(log_params), x, m, w)
            return -ll, -grad * np.exp(log_params)

        params, diagnostics = fit_log_params(objective, np.ones(3), cls.names, CLVError, w.sum())
        return cls(*params, diagnostics=diagnostics)

    def population_mean(self) -> float:
        """Mean spend per transaction of a customer with no repeat purchases: ``γ p / (q − 1)``.

        Example
        -------
        >>> round(GammaGamma(p=6.25, q=3.74, gamma=15.44).population_mean(), 2)
        35.22
        """
        if self.q <= 1:
            raise CLVError("q: the population mean spend exists only for q > 1")
        return float(_finite(self.gamma * self.p / (self.q - 1), "population_mean"))

    def expected_spend(self, x, m) -> np.ndarray:
        """E[mean spend | x, m] = (γ p + p x m) / (p x + q − 1), for customers with
        ``x >= 1`` repeat purchases of mean value ``m >= 0`` (at ``m = 0``, repeat orders of
        no value, the formula's limit from above; fitting needs ``m > 0``)."""
        x, m = self._check(x, m, zero_allowed=True)
        with np.errstate(all="ignore"):
            denominator = self.p * x + self.q - 1
        if (denominator <= 0).any():
            raise CLVError("q: p x + q - 1 must be greater than 0 for every customer")
        with np.errstate(all="ignore"):
            result = (self.gamma * self.p + self.p * x * m) / denominator
        return _finite(result, "expected_spend")


def discounted_clv(
    purchases: BGNBD | ParetoNBD,
    spend: GammaGamma,
    x,
    t_x,
    T,
    m,
    *,
    periods: int = 12,
    period_length: float = 4.345,
    discount_rate: float = 0.01,
) -> np.ndarray:
    """Discounted expected value of each customer's next ``periods`` periods.

    Expected purchases per period (from the purchase model, in its time unit; a period is
    ``period_length`` units, 4.345 weeks = one month) times expected spend, discounted at
    ``discount_rate`` per period. Customers without repeat purchases get the population
    mean spend ``γ p / (q − 1)`` (their ``m`` is not used; give 0); ``m`` must be a
    finite number of at least 0 (see ``GammaGamma.expected_spend``).

    Example
    -------
    >>> bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    >>> round(float(discounted_clv(bg, gg, [2], [30.43], [38.86], [22.35])[0]), 2)
    36.29
    """
    if not isinstance(purchases, BGNBD | ParetoNBD):
        raise CLVError("purchases: must be a BGNBD, MBGNBD or ParetoNBD model")
    if not isinstance(spend, GammaGamma):
        raise CLVError("spend: must be a GammaGamma model")
    discount_rate = checks.number(discount_rate, "discount_rate", CLVError, low=0.0)
    periods = checks.whole(periods, "periods", CLVError, low=1, high=MAX_PERIODS)
    period_length = checks.number(period_length, "period_length", CLVError, low=0, low_open=True)
    x, t_x, T = _check_summary(x, t_x, T)
    m = checks.array(m, "m", CLVError, low=0.0)
    if m.shape != x.shape:
        raise CLVError("m: need one mean repeat-purchase value per customer")
    repeat = x > 0
    value = np.full(len(x), spend.population_mean() if not repeat.all() else 0.0)
    if repeat.any():
        value[repeat] = spend.expected_spend(x[repeat], m[repeat])
    total = np.zeros_like(x)
    previous = np.zeros_like(x)
    for period in range(1, periods + 1):
        cumulative = purchases.expected_purchases(period * period_length, x, t_x, T)
        discount = np.exp(-period * np.log1p(discount_rate))  # 1 / (1 + rate)^period
        total += (cumulative - previous) * value * discount
        previous = cumulative
    return _finite(total, "discounted_clv")


def holdout_comparison(model, x, t_x, T, x_holdout, duration: float, *, max_x: int = 7):
    """Actual against predicted purchases in a holdout period, by calibration purchases.

    ``model`` is any fitted purchase model with ``expected_purchases`` (BG/NBD, MBG/NBD,
    Pareto/NBD) fitted on the calibration summary ``x, t_x, T``; ``x_holdout`` are the
    purchases each customer then made in the ``duration`` periods after calibration.
    Customers are grouped by ``x`` (``max_x`` and above together), as in Fader, Hardie
    & Lee (2005), figure 4; the last row, ``x = -1``, is all customers.

    Example
    -------
    >>> bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> table = holdout_comparison(bg, [0, 0, 2], [0, 0, 30], [38, 38, 38], [0, 1, 2], 39)
    >>> table["customers"].to_list(), table["actual"].to_list()
    ([2, 1, 3], [0.5, 2.0, 1.0])
    """
    if not isinstance(model, BGNBD | ParetoNBD):
        raise CLVError("model: must be a BGNBD, MBGNBD or ParetoNBD model")
    x, t_x, T = _check_summary(x, t_x, T)
    actual = checks.array(x_holdout, "x_holdout", CLVError, low=0.0, whole_numbers=True)
    if actual.shape != x.shape:
        raise CLVError("x_holdout: need one count of at least 0 per customer")
    duration = checks.number(duration, "duration", CLVError, low=0.0, low_open=True)
    max_x = checks.whole(max_x, "max_x", CLVError, low=1)
    predicted = model.expected_purchases(duration, x, t_x, T)
    group = np.minimum(x, max_x).astype(np.int64)
    table = (
        pl.DataFrame({"x": group, "actual": actual, "predicted": predicted})
        .group_by("x")
        .agg(
            customers=pl.len(),
            actual=pl.col("actual").mean(),
            predicted=pl.col("predicted").mean(),
        )
        .sort("x")
    )
    overall = pl.DataFrame(
        {
            "x": [-1],
            "customers": [len(x)],
            "actual": [float(actual.mean())],
            "predicted": [float(predicted.mean())],
        },
        schema=table.schema,
    )
    return _finite_frame(pl.concat([table, overall]))


def _finite_frame(table: pl.DataFrame) -> pl.DataFrame:
    _finite(table.select("actual", "predicted").to_numpy(), "holdout_comparison")
    return table
