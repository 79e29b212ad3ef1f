"""Speed to lead: how fast leads were answered, and what slow answers cost.

The decay of conversion with response time is fitted as a logistic curve in the log of
the response time,

    logit P(convert | t) = a + b * log(1 + t),     t in minutes,

by maximum likelihood (Newton's method on the exact gradient and Hessian; standard errors
from the inverse Hessian). Published studies find the odds falling steeply over the first
hour and slowly after (Oldroyd, McElheran and Elkington, HBR 2011), which a linear term in
``log(1 + t)`` captures with one slope. The *impact* of answering every lead within ``T``
minutes is the expected number of extra conversions, summed over leads answered later
than ``T``: ``sum_i P(T) - P(t_i)``, with a 95% interval by the delta method.

Example
-------
>>> summary = response_summary([2, 4, 12, 30, 90])
>>> summary.median, summary.within[15]
(12.0, 0.6)
"""

from dataclasses import dataclass

import numpy as np

from pacer.analytics._checks import array, number, whole

Z95 = 1.959963984540054
MIN_LEADS = 20
MAX_ITERATIONS = 100


class SpeedToLeadError(ValueError):
    """Refused input or a curve the data cannot pin down."""


@dataclass(frozen=True)
class ResponseSummary:
    leads: int
    median: float
    p90: float
    within: dict[int, float]  # minutes -> share answered within them


def response_summary(minutes, thresholds: tuple[int, ...] = (5, 15, 60)) -> ResponseSummary:
    """Median, 90th percentile and shares answered within each threshold (minutes)."""
    times = array(minutes, "minutes", SpeedToLeadError, low=0)
    if times.size == 0:
        raise SpeedToLeadError("minutes: needs at least one response time")
    return ResponseSummary(
        leads=int(times.size),
        median=float(np.median(times)),
        p90=float(np.quantile(times, 0.9)),
        within={t: float(np.mean(times <= t)) for t in thresholds},
    )


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """95% Wilson score interval for a proportion.

    >>> [round(x, 4) for x in wilson(30, 100)]
    [0.2189, 0.3958]
    """
    k = number(successes, "successes", SpeedToLeadError, low=0)
    n = number(trials, "trials", SpeedToLeadError, low=k, low_open=False)
    if n == 0:
        raise SpeedToLeadError("trials: must be at least 1")
    p, z2 = k / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


@dataclass(frozen=True)
class DecayFit:
    a: float
    b: float
    covariance: np.ndarray  # of (a, b)
    leads: int
    log_likelihood: float

    @property
    def standard_errors(self) -> tuple[float, float]:
        return float(np.sqrt(self.covariance[0, 0])), float(np.sqrt(self.covariance[1, 1]))

    def probability(self, minutes) -> np.ndarray:
        """P(convert) when answered after ``minutes``."""
        t = array(minutes, "minutes", SpeedToLeadError, low=0)
        return _sigmoid(self.a + self.b * np.log1p(t))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def _outcomes(minutes, converted) -> tuple[np.ndarray, np.ndarray]:
    """Response times and 0/1 outcomes a curve can be fitted to, or the reason not."""
    t = array(minutes, "minutes", SpeedToLeadError, low=0)
    y = array(converted, "converted", SpeedToLeadError, low=0)
    if t.shape != y.shape:
        raise SpeedToLeadError("converted: must have one outcome per response time")
    if not np.all((y == 0) | (y == 1)):
        raise SpeedToLeadError("converted: must be 0 or 1")
    if t.size < MIN_LEADS:
        raise SpeedToLeadError(f"minutes: needs at least {MIN_LEADS} answered leads")
    if y.min() == y.max():
        raise SpeedToLeadError("converted: all leads have the same outcome; no curve to fit")
    return t, y


def fit_decay(minutes, converted) -> DecayFit:
    """Fit ``logit P = a + b log(1 + t)`` to response times and outcomes (0/1)."""
    t, y = _outcomes(minutes, converted)
    x = np.log1p(t)
    if x.max() - x.min() < 1e-9:
        raise SpeedToLeadError("minutes: all response times are equal; no curve to fit")
    try:
        return _newton(x, y)
    except np.linalg.LinAlgError:
        raise SpeedToLeadError("the data cannot pin the curve down (outcomes separate)") from None


def _newton(x: np.ndarray, y: np.ndarray) -> DecayFit:
    design = np.column_stack([np.ones_like(x), x])
    beta = np.array([np.log((y.mean()) / (1 - y.mean())), 0.0])
    for _ in range(MAX_ITERATIONS):
        p = _sigmoid(design @ beta)
        gradient = design.T @ (y - p)
        information = (design * (p * (1 - p))[:, None]).T @ design
        step = np.linalg.solve(information, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    else:
        raise SpeedToLeadError("the fit did not converge (outcomes separate perfectly?)")
    p = _sigmoid(design @ beta)
    information = (design * (p * (1 - p))[:, None]).T @ design
    covariance = np.linalg.inv(information)
    if not np.all(np.isfinite(covariance)) or np.any(np.diag(covariance) > 1e6):
        raise SpeedToLeadError("the data cannot pin the curve down (outcomes separate)")
    log_likelihood = float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
    return DecayFit(float(beta[0]), float(beta[1]), covariance, int(x.size), log_likelihood)


@dataclass(frozen=True)
class Impact:
    within: float
    slower_leads: int  # answered later than ``within``
    extra_conversions: float  # the slower leads' and the never-answered leads' together
    interval: tuple[float, float]  # 95%
    unanswered: int = 0  # never-answered leads counted in (the slowest bucket)
    from_unanswered: float = 0.0  # their part of ``extra_conversions``


def impact(fit: DecayFit, minutes, within: float = 15) -> Impact:
    """Expected extra conversions had every lead answered later than ``within`` minutes
    been answered at ``within``, with a 95% delta-method interval."""
    t = array(minutes, "minutes", SpeedToLeadError, low=0)
    limit = number(within, "within", SpeedToLeadError, low=0)
    slow = t[t > limit]
    target = np.log1p(limit)
    x = np.log1p(slow)
    p_target, p_slow = _sigmoid(fit.a + fit.b * target), _sigmoid(fit.a + fit.b * x)
    extra = float(np.sum(p_target - p_slow))
    # derivative of the sum with respect to (a, b)
    d_target = p_target * (1 - p_target)
    d_slow = p_slow * (1 - p_slow)
    gradient = np.array(
        [slow.size * d_target - d_slow.sum(), slow.size * d_target * target - (d_slow * x).sum()]
    )
    se = float(np.sqrt(gradient @ fit.covariance @ gradient))
    return Impact(limit, int(slow.size), extra, (extra - Z95 * se, extra + Z95 * se))


@dataclass(frozen=True)
class ExponentialDecayFit:
    """``P(convert | t) = p0 · exp(−t / tau) + floor`` (``t`` in minutes), the shape the
    published figures need: steep over the first hour, then flat at a floor a day on."""

    p0: float
    tau: float
    floor: float
    covariance: np.ndarray  # of (p0, tau, floor)
    leads: int
    log_likelihood: float

    @property
    def standard_errors(self) -> tuple[float, float, float]:
        return tuple(float(s) for s in np.sqrt(np.diag(self.covariance)))

    def probability(self, minutes) -> np.ndarray:
        """P(convert) when answered after ``minutes``."""
        t = array(minutes, "minutes", SpeedToLeadError, low=0)
        return self.p0 * np.exp(-t / self.tau) + self.floor

    def gradient(self, minutes) -> np.ndarray:
        """d P / d (p0, tau, floor) at each of ``minutes``, one row each."""
        t = array(minutes, "minutes", SpeedToLeadError, low=0)
        decayed = np.exp(-t / self.tau)
        return np.column_stack([decayed, self.p0 * decayed * t / self.tau**2, np.ones_like(t)])

    def impact(
        self, minutes, within: float = 15, unanswered: int = 0, unanswered_converted: int = 0
    ) -> Impact:
        """Expected extra conversions had every lead answered later than ``within``
        minutes been answered at ``within``, with a 95% delta-method interval.

        ``unanswered`` leads never answered (``unanswered_converted`` of them converted
        anyway) are the slowest bucket: answered at ``within`` each would have converted
        with the curve's chance there, instead of their own observed rate, so they add
        ``unanswered · P(within) − unanswered_converted``; the interval adds that rate's
        binomial variance to the curve's.

        >>> fit = ExponentialDecayFit(0.5, 30.0, 0.01, np.zeros((3, 3)), 4, 0.0)
        >>> round(fit.impact([5, 15, 45, 600]).extra_conversions, 4)
        0.495
        >>> gain = fit.impact([5, 15, 45, 600], unanswered=10, unanswered_converted=1)
        >>> round(gain.from_unanswered, 4), round(gain.extra_conversions, 4)
        (2.1327, 2.6276)
        """
        t = array(minutes, "minutes", SpeedToLeadError, low=0)
        limit = number(within, "within", SpeedToLeadError, low=0)
        never = whole(unanswered, "unanswered", SpeedToLeadError, low=0)
        never_won = whole(
            unanswered_converted, "unanswered_converted", SpeedToLeadError, low=0, high=never
        )
        slow = t[t > limit]
        at_target = self.probability(np.array([limit]))[0]
        from_never = float(never * at_target - never_won)
        extra = float(np.sum(at_target - self.probability(slow))) + from_never
        gradient = (slow.size + never) * self.gradient(np.array([limit]))[0] - self.gradient(
            slow
        ).sum(0)
        rate = never_won / never if never else 0.0
        variance = gradient @ self.covariance @ gradient + never * rate * (1 - rate)
        se = float(np.sqrt(variance))
        return Impact(
            limit, int(slow.size), extra, (extra - Z95 * se, extra + Z95 * se), never, from_never
        )


def fit_exponential_decay(minutes, converted) -> ExponentialDecayFit:
    """Fit ``P = p0 · exp(−t / tau) + floor`` to response times (minutes) and outcomes
    (0/1) by maximum likelihood; the covariance is the inverse Fisher information.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> t = rng.exponential(60, 4000)
    >>> y = rng.random(4000) < 0.5 * np.exp(-t / 30) + 0.02
    >>> fit = fit_exponential_decay(t, y.astype(float))
    >>> abs(fit.tau - 30) < 4 * fit.standard_errors[1]
    True
    """
    from scipy.optimize import minimize

    t, y = _outcomes(minutes, converted)
    if t.max() - t.min() < 1e-9:
        raise SpeedToLeadError("minutes: all response times are equal; no curve to fit")
    edge = 1e-9

    def loss(theta):  # (p0, log tau, floor); negative log-likelihood and its gradient
        p0, log_tau, floor = theta
        tau = np.exp(log_tau)
        decayed = np.exp(-t / tau)
        p = np.clip(p0 * decayed + floor, edge, 1 - edge)
        score = y / p - (1 - y) / (1 - p)
        d_p = np.column_stack([decayed, p0 * decayed * t / tau, np.ones_like(t)])
        return -float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))), -(score @ d_p)

    late = y[t >= np.quantile(t, 0.9)].mean()
    early = y[t <= np.quantile(t, 0.1)].mean()
    start = np.array([max(early - late, 0.01), np.log(max(np.median(t), 1.0)), max(late, 0.001)])
    result = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(edge, 1.0), (np.log(1e-3), np.log(1e6)), (edge, 1.0)],
    )
    p0, tau, floor = float(result.x[0]), float(np.exp(result.x[1])), float(result.x[2])
    fit = ExponentialDecayFit(p0, tau, floor, np.zeros((3, 3)), int(t.size), -float(result.fun))
    p = np.clip(fit.probability(t), edge, 1 - edge)
    d_p = fit.gradient(t)
    information = (d_p / (p * (1 - p))[:, None]).T @ d_p
    try:
        covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        raise SpeedToLeadError("the data cannot pin the curve down") from None
    if not result.success or not np.all(np.isfinite(covariance)):
        raise SpeedToLeadError("the fit did not converge")
    return ExponentialDecayFit(p0, tau, floor, covariance, int(t.size), fit.log_likelihood)
