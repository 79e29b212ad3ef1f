"""Customer lifetime value: BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma.

All models are fitted by maximum likelihood on the per-customer summary ``x`` (repeat
purchases), ``t_x`` (time of the last purchase since the first), ``T`` (time since the
first purchase) and, for Gamma-Gamma, ``m`` (mean repeat-purchase value). Parameters are
optimised on the log scale with L-BFGS-B; above 400,000 customers BG/NBD and MBG/NBD
first converge on a fixed 100,000-customer sample, then take Newton steps on all the data
with the sample's Hessian (scaled to the full size), which needs about four passes. The
BG/NBD, MBG/NBD and Gamma-Gamma log-likelihoods come with analytic, vectorised
gradients; Pareto/NBD uses finite differences (its likelihood involves the Gauss
hypergeometric function).

References: Fader, Hardie & Lee (2005) "Counting your customers the easy way" (BG/NBD);
Batislam, Denizel & Filiztekin (2007) (MBG/NBD); Schmittlein, Morrison & Colombo (1987)
and Fader & Hardie (2005) note (Pareto/NBD); Fader & Hardie (2013) "The Gamma-Gamma
model of monetary value".
"""

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1, psi

WARM_START_SAMPLE = 100_000
NEWTON_TOLERANCE = 1e-7  # largest step in log-parameters at which a fit has converged


class CLVError(ValueError):
    """Bad customer summary input; the message names the field and the reason."""


def _check_summary(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    if not (x.shape == t_x.shape == T.shape) or x.ndim != 1 or len(x) == 0:
        raise CLVError("x, t_x, T: need three non-empty 1-D arrays of equal length")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise CLVError("x, t_x, T: must be finite numbers")
    if (x < 0).any() or (x != np.round(x)).any():
        raise CLVError("x: repeat purchase counts must be whole numbers of at least 0")
    if (t_x < 0).any():
        raise CLVError("t_x: recency must be at least 0")
    if (t_x > T).any():
        bad = int(np.flatnonzero(t_x > T)[0])
        raise CLVError(f"T: customer {bad} has T = {T[bad]} < t_x = {t_x[bad]}")
    if ((x == 0) & (t_x != 0)).any():
        raise CLVError("t_x: must be 0 for customers without repeat purchases")
    return x, t_x, T


def _groups(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct purchase counts, each customer's index into them, and their total weight
    (by counting, not sorting: ``x`` holds small whole numbers)."""
    counts = x.astype(np.int64)
    present = np.bincount(counts) > 0
    ux = np.flatnonzero(present).astype(np.float64)
    inv = (np.cumsum(present) - 1)[counts]
    return ux, inv, np.bincount(inv, weights=w, minlength=len(ux))


def _fit(neg_ll_and_grad, start: np.ndarray, jac: bool) -> np.ndarray:
    result = minimize(
        neg_ll_and_grad,
        np.log(start),
        jac=jac,
        method="L-BFGS-B",
        options={"maxiter": 1000, "gtol": 1e-9, "ftol": 1e-14},
    )
    if not np.isfinite(result.fun):
        raise CLVError("fit: the likelihood is not finite at the optimum; check the data")
    return np.exp(result.x)


def _hessian(objective, point: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Central differences of the analytic gradient, symmetrised."""
    columns = []
    for j in range(len(point)):
        shift = np.zeros_like(point)
        shift[j] = step
        columns.append((objective(point + shift)[1] - objective(point - shift)[1]) / (2 * step))
    hessian = np.array(columns).T
    return (hessian + hessian.T) / 2


def _newton(objective, point: np.ndarray, hessian: np.ndarray) -> np.ndarray:
    """Minimise from ``point`` by steps ``-H^-1 g`` with a fixed Hessian ``H`` (halving a
    step that does not lower the objective); L-BFGS-B finishes if that stalls. Returns the
    parameters (not their logs)."""
    try:
        inverse = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return _fit(objective, np.exp(point), jac=True)
    value, grad = objective(point)
    for _ in range(30):
        step = -inverse @ grad
        if not np.all(np.isfinite(step)) or grad @ step >= 0:
            break  # not a descent direction: the sample's curvature does not fit
        if np.max(np.abs(step)) < NEWTON_TOLERANCE:
            return np.exp(point + step)
        for _ in range(10):
            new_value, new_grad = objective(point + step)
            if np.isfinite(new_value) and new_value <= value + 1e-12 * abs(value):
                break
            step /= 2
        else:
            break
        point, value, grad = point + step, new_value, new_grad
    return _fit(objective, np.exp(point), jac=True)


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

    modified = False  # MBG/NBD overrides: dropout also possible right after the first purchase

    @classmethod
    def fit(cls, x, t_x, T, weights=None) -> "BGNBD":
        """Maximum-likelihood fit; ``weights`` counts identical customers (default 1 each)."""
        x, t_x, T = _check_summary(x, t_x, T)
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
        start = np.array([1.0, 1.0, 1.0, 1.0])
        if len(x) <= 4 * WARM_START_SAMPLE:
            return cls(*_fit(cls._objective(x, t_x, T, w), start, jac=True))
        # Converge on a fixed random sample first, then take Newton steps on all the data
        # with the sample's Hessian scaled up: a handful of passes over the full data.
        pick = np.random.default_rng(0).choice(len(x), WARM_START_SAMPLE, replace=False)
        sample = cls._objective(x[pick], t_x[pick], T[pick], w[pick])
        warm = np.log(_fit(sample, start, jac=True))
        hessian = _hessian(sample, warm) * (w.sum() / w[pick].sum())
        return cls(*_newton(cls._objective(x, t_x, T, w), warm, hessian))

    @classmethod
    def _objective(cls, x, t_x, T, w):
        """Negative log-likelihood and its gradient in log-parameters."""
        groups = _groups(x, w)

        def objective(log_params):
            ll, grad = cls._log_likelihood(np.exp(log_params), x, t_x, T, w, groups)
            return -ll, -grad * np.exp(log_params)

        return objective

    @classmethod
    def _log_likelihood(cls, params, x, t_x, T, w, groups=None):
        """Log-likelihood and its gradient in (r, alpha, a, b).

        Terms that depend on ``x`` alone (the gamma and digamma functions) are evaluated
        once per distinct purchase count; the second likelihood term (death after the
        last purchase) only for the customers who have it, as ``z = c2 - c1`` so that one
        ``exp`` and one ``log1p`` per customer give the log-sum and both weights.
        """
        r, alpha, a, b = params
        ux, inv, wx = groups if groups is not None else _groups(x, w)
        shift = 1.0 if cls.modified else 0.0
        has = np.ones_like(ux, dtype=bool) if cls.modified else ux > 0
        denom_u = np.where(has, b + ux - 1 + shift, 1.0)
        per_x = (
            gammaln(r + ux)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + ux + shift)
            - gammaln(b)
            - gammaln(a + b + ux + shift)
        )
        log_t = np.log(alpha + T)
        rep = np.flatnonzero(has[inv])  # customers with the second term
        x_r, w_r, inv_r = x[rep], w[rep], inv[rep]
        log_t_r, log_tx_r = log_t[rep], np.log(alpha + t_x[rep])
        z = np.log(a) - np.log(denom_u)[inv_r] + (r + x_r) * (log_t_r - log_tx_r)
        e = np.exp(-np.abs(z))
        soft = np.maximum(z, 0.0) + np.log1p(e)  # log(1 + exp(z))
        w2 = w_r * np.where(z > 0, 1.0 / (1.0 + e), e / (1.0 + e))
        ll = float(np.dot(wx, per_x) - np.dot(w, (r + x) * log_t) + np.dot(w_r, soft))
        psi_ab, psi_abx = psi(a + b), psi(a + b + ux + shift)
        grad = np.array(
            [
                np.dot(wx, psi(r + ux) - psi(r) + np.log(alpha))
                - np.dot(w, log_t)
                + np.dot(w2, log_t_r - log_tx_r),
                np.dot(w, r / alpha - (r + x) / (alpha + T))
                + np.dot(w2, (r + x_r) * (1.0 / (alpha + T[rep]) - 1.0 / (alpha + t_x[rep]))),
                np.dot(wx, psi_ab - psi_abx) + w2.sum() / a,
                np.dot(wx, psi_ab + psi(b + ux + shift) - psi(b) - psi_abx)
                - np.dot(w2, 1.0 / denom_u[inv_r]),
            ]
        )
        return ll, grad

    def log_likelihood(self, x, t_x, T) -> float:
        x, t_x, T = _check_summary(x, t_x, T)
        params = np.array([self.r, self.alpha, self.a, self.b])
        return float(self._log_likelihood(params, x, t_x, T, np.ones_like(x))[0])

    def _odds_dead(self, x, t_x, T):
        shift = 1.0 if self.modified else 0.0
        ratio = ((self.alpha + T) / (self.alpha + t_x)) ** (self.r + x)
        odds = self.a / (self.b + x - 1 + shift) * ratio
        return odds if self.modified else np.where(x > 0, odds, 0.0)

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(still active | x, t_x, T)."""
        x, t_x, T = _check_summary(x, t_x, T)
        return 1.0 / (1.0 + self._odds_dead(x, t_x, T))

    def expected_purchases(self, t: float, x, t_x, T) -> np.ndarray:
        """Expected purchases in the next ``t`` periods, given each customer's history."""
        x, t_x, T = _check_summary(x, t_x, T)
        if t < 0:
            raise CLVError("t: the horizon must be at least 0")
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        shift = 1.0 if self.modified else 0.0
        z = t / (alpha + T + t)
        hyp = hyp2f1(r + x, b + x + shift, a + b + x - 1 + shift, z)
        numerator = (
            (a + b + x - 1 + shift)
            / (a - 1)
            * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        )
        return numerator / (1.0 + self._odds_dead(x, t_x, T))

    def expected_purchases_new_customer(self, t: float) -> float:
        """E[X(t)] for a customer just acquired (the population curve)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + t)
        if self.modified:
            return float(
                b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, z))
            )
        return float(
            (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
        )


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

    @staticmethod
    def _log_likelihood(params, x, t_x, T, w):
        r, alpha, s, beta = params
        rsx = r + s + x
        if alpha >= beta:
            big, param_b = alpha, s + 1
            low = beta
        else:
            big, param_b = beta, r + x
            low = alpha
        term_t = hyp2f1(rsx, param_b, rsx + 1, (big - low) / (big + t_x)) / (big + t_x) ** rsx
        term_big_t = hyp2f1(rsx, param_b, rsx + 1, (big - low) / (big + T)) / (big + T) ** rsx
        a0 = term_t - term_big_t
        first = 1.0 / ((alpha + T) ** (r + x) * (beta + T) ** s)
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = (
                gammaln(r + x)
                - gammaln(r)
                + r * np.log(alpha)
                + s * np.log(beta)
                + np.log(first + s / rsx * a0)
            )
        return float(np.sum(w * ll))

    @classmethod
    def fit(cls, x, t_x, T, weights=None) -> "ParetoNBD":
        x, t_x, T = _check_summary(x, t_x, T)
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)

        def objective(log_params):
            value = -cls._log_likelihood(np.exp(log_params), x, t_x, T, w)
            return value if np.isfinite(value) else 1e300

        return cls(*_fit(objective, np.array([1.0, 1.0, 1.0, 1.0]), jac=False))

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(alive | x, t_x, T) (Schmittlein et al., 1987; Fader & Hardie, 2005)."""
        x, t_x, T = _check_summary(x, t_x, T)
        params = (self.r, self.alpha, self.s, self.beta)
        r, alpha, s, beta = params
        rsx = r + s + x
        big, param_b, low = (alpha, s + 1, beta) if alpha >= beta else (beta, r + x, alpha)
        term_t = hyp2f1(rsx, param_b, rsx + 1, (big - low) / (big + t_x)) / (big + t_x) ** rsx
        term_big_t = hyp2f1(rsx, param_b, rsx + 1, (big - low) / (big + T)) / (big + T) ** rsx
        first = 1.0 / ((alpha + T) ** (r + x) * (beta + T) ** s)
        return first / (first + s / rsx * (term_t - term_big_t))

    def expected_purchases(self, t: float, x, t_x, T) -> np.ndarray:
        """Expected purchases in the next ``t`` periods given each customer's history:
        ``(r + x)(β + T) / ((α + T)(s − 1)) · [1 − ((β + T)/(β + T + t))^(s − 1)] · P(alive)``
        (Fader & Hardie 2005 note, eq. 41), with the ``s → 1`` limit
        ``(r + x)(β + T)/(α + T) · ln((β + T + t)/(β + T)) · P(alive)``.

        Example
        -------
        >>> model = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> round(float(model.expected_purchases(39, [2], [30.43], [38.86])[0]), 2)
        1.46
        """
        if t < 0:
            raise CLVError("t: the horizon must be at least 0")
        x, t_x, T = _check_summary(x, t_x, T)
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        scale = (r + x) * (beta + T) / (alpha + T)
        if abs(s - 1) < 1e-9:
            growth = np.log((beta + T + t) / (beta + T))
        else:
            growth = (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1)
        return scale * growth * self.probability_alive(x, t_x, T)


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

    @staticmethod
    def _check(x, m) -> tuple[np.ndarray, np.ndarray]:
        x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
        if x.shape != m.shape or x.ndim != 1 or len(x) == 0:
            raise CLVError("x, m: need two non-empty 1-D arrays of equal length")
        if (x < 1).any():
            raise CLVError("x: Gamma-Gamma needs customers with at least 1 repeat purchase")
        if not np.isfinite(m).all() or (m <= 0).any():
            raise CLVError("m: mean transaction values must be finite and greater than 0")
        return x, m

    @staticmethod
    def _log_likelihood(params, x, m, w):
        p, q, gamma = params
        px = p * x
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(gamma + x * m)
        )
        grad = np.array(
            [
                np.sum(
                    w * x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - np.log(gamma + x * m))
                ),
                np.sum(w * (psi(px + q) - psi(q) + np.log(gamma) - np.log(gamma + x * m))),
                np.sum(w * (q / gamma - (px + q) / (gamma + x * m))),
            ]
        )
        return float(np.sum(w * ll)), grad

    @classmethod
    def fit(cls, x, m, weights=None) -> "GammaGamma":
        x, m = cls._check(x, m)
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)

        def objective(log_params):
            ll, grad = cls._log_likelihood(np.exp(log_params), x, m, w)
            return -ll, -grad * np.exp(log_params)

        return cls(*_fit(objective, np.array([1.0, 1.0, 1.0]), jac=True))

    def expected_spend(self, x, m) -> np.ndarray:
        """E[mean spend | x, m] = (γ p + p x m) / (p x + q − 1)."""
        x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
        return (self.gamma * self.p + self.p * x * m) / (self.p * x + self.q - 1)


def discounted_clv(
    purchases: BGNBD,
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
    mean spend ``γ p / (q − 1)``.

    Example
    -------
    >>> bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    >>> float(discounted_clv(bg, gg, [2], [30.43], [38.86], [22.35])[0]) > 0
    True
    """
    if discount_rate < 0 or periods < 1 or period_length <= 0:
        raise CLVError("discount_rate, periods, period_length: must be >= 0, >= 1 and > 0")
    x, t_x, T = _check_summary(x, t_x, T)
    m = np.asarray(m, dtype=np.float64)
    population_mean = spend.gamma * spend.p / (spend.q - 1)
    value = np.where(
        x > 0, spend.expected_spend(np.maximum(x, 1), np.where(m > 0, m, 1.0)), population_mean
    )
    total = np.zeros_like(x)
    previous = np.zeros_like(x)
    for period in range(1, periods + 1):
        cumulative = purchases.expected_purchases(period * period_length, x, t_x, T)
        total += (cumulative - previous) * value / (1 + discount_rate) ** period
        previous = cumulative
    return total


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
    x, t_x, T = _check_summary(x, t_x, T)
    actual = np.asarray(x_holdout, dtype=np.float64)
    if actual.shape != x.shape or np.any(actual < 0) or not np.all(np.isfinite(actual)):
        raise CLVError("x_holdout: need one count of at least 0 per customer")
    if duration <= 0 or max_x < 1:
        raise CLVError("duration, max_x: must be above 0 and at least 1")
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
    return pl.concat([table, overall])
