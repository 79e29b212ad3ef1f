"""Experiment design, assignment and analysis on sufficient statistics.

Formulas (``z_q`` is the standard normal quantile, ``alpha`` two-sided):

- Sample size per arm, proportions ``p1`` -> ``p2``, power ``1 - beta``:
  - ``pooled`` (R's ``power.prop.test``): ``(z_{1-a/2} sqrt(2 pbar qbar)
    + z_{1-b} sqrt(p1 q1 + p2 q2))^2 / (p2 - p1)^2`` with ``pbar = (p1 + p2) / 2``;
  - ``evan_miller``: as above with ``sqrt(2 p1 q1)`` in the first term;
  - ``cohens_h``: ``2 ((z_{1-a/2} + z_{1-b}) / h)^2``, ``h = 2 asin sqrt p2 - 2 asin sqrt p1``
    (each arm's ``2 asin sqrt p`` has variance ``1/n``, so the difference has ``2/n``; as
    R's ``pwr.2p.test`` and statsmodels' ``NormalIndPower``).
- Minimum detectable effect: the smallest ``p2 - p1 > 0`` whose pooled sample size is
  ``n`` (solved by bisection).
- Frequentist: Welch's t on the means (Welch–Satterthwaite degrees of freedom); the
  relative effect ``m2 / m1 - 1`` gets a delta-method standard error
  ``sqrt(v2 / (n2 m1^2) + m2^2 v1 / (n1 m1^4))``; ratio metrics ``sum(y)/sum(x)`` per arm use
  the delta-method variance ``(vy - 2 r cxy + r^2 vx) / (n mx^2)``.
- Bayesian: normal approximation of each arm's mean; with the improper flat prior the
  difference is ``N(m2 - m1, se^2)``; a proper prior ``N(0, tau^2)`` on the difference
  shrinks it (precision-weighted). Chance to win ``Phi(mu / sd)``; expected loss of
  choosing the treatment ``sd phi(mu/sd) - mu Phi(-mu/sd)`` (GrowthBook's risk).
- Sequential: the normal-mixture confidence sequence of Howard et al. (2021),
  half-width ``sd_1 sqrt(2 (n rho^2 + 1) / (n^2 rho^2) log(sqrt(n rho^2 + 1) / alpha))``
  where ``sd_1`` is the per-observation standard deviation of the difference and ``rho``
  is tuned for ``planned_n``; valid at every look, so peeking is safe.
- CUPED: ``theta = cov(y, x) / var(x)`` pooled over arms; adjusted means
  ``ybar - theta (xbar - pooled xbar)``, variances ``var(y) - 2 theta cov + theta^2 var(x)``.
- Sample-ratio mismatch: Pearson chi-square of observed arm counts against the planned
  split.
- Several variations against one control: Holm's step-down correction of the p-values.

Every input is checked (finite numbers, ranges, sufficient statistics that real values
could have produced: ``sum_sq >= sum^2 / n``, which for a 0/1 metric means no more
conversions than observations); bad input raises ``ExperimentError`` naming the field.
The relative effect is ``None`` when the control mean is 0 (it is undefined), never NaN.
"""

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from pacer.analytics import _checks as checks

ROUNDING = 1e-9  # relative slack for sums of squares that rounding left slightly short


class ExperimentError(ValueError):
    """Bad experiment input; the message names the field and the reason."""


def _z(q: float) -> float:
    return float(special.ndtri(q))


def _normal_cdf(z: float) -> float:
    return float(special.ndtr(z))


def _normal_pdf(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi) if abs(z) < 40 else 0.0


def _probability(value, name: str) -> float:
    return checks.number(value, name, ExperimentError, low=0, high=1, low_open=True, high_open=True)


def _finite(value, what: str):
    plain = isinstance(value, list | tuple) and all(type(v) is float for v in value)
    if plain and all(math.isfinite(v) for v in value):  # fast path for a few plain floats
        return value
    return checks.finite_result(value, what, ExperimentError)


def _check_rates(p1: float, p2: float) -> tuple[float, float]:
    p1, p2 = _probability(p1, "p1"), _probability(p2, "p2")
    if p1 == p2:
        raise ExperimentError("p2: must differ from p1 (zero effect needs infinite samples)")
    return p1, p2


def sample_size(
    p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8, method: str = "pooled"
) -> float:
    """Observations per arm to detect ``p1 -> p2`` with a two-sided test.

    Example
    -------
    >>> round(sample_size(0.10, 0.12), 2)  # R: power.prop.test(p1=.1, p2=.12, power=.8)
    3840.85
    """
    p1, p2 = _check_rates(p1, p2)
    alpha, power = _probability(alpha, "alpha"), _probability(power, "power")
    za, zb = _z(1 - alpha / 2), _z(power)
    if method == "cohens_h":
        h = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
        effect = h * h / 2
        numerator = (za + zb) * (za + zb)
    elif method in ("pooled", "evan_miller"):
        pbar = (p1 + p2) / 2 if method == "pooled" else p1
        first = math.sqrt(2 * pbar * (1 - pbar))
        second = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        effect = (p2 - p1) * (p2 - p1)
        numerator = (za * first + zb * second) * (za * first + zb * second)
    else:
        raise ExperimentError("method: must be pooled, evan_miller or cohens_h")
    if effect == 0:
        raise ExperimentError("p2: too close to p1; the sample size is beyond any number")
    return _finite(numerator / effect, "sample_size")


def minimum_detectable_effect(p1: float, n: float, *, alpha: float = 0.05, power: float = 0.8):
    """The smallest absolute lift ``p2 - p1`` detectable with ``n`` per arm (pooled).

    Example
    -------
    >>> round(minimum_detectable_effect(0.10, 3840.85), 4)
    0.02
    """
    p1 = _probability(p1, "p1")
    n = checks.number(n, "n", ExperimentError, low=0, low_open=True)
    alpha, power = _probability(alpha, "alpha"), _probability(power, "power")
    low, high = 1e-9, 1 - p1 - 1e-9
    if high <= low or sample_size(p1, p1 + high, alpha=alpha, power=power) > n:
        raise ExperimentError("n: too small to detect any effect below 100%")
    for _ in range(200):
        mid = (low + high) / 2
        if sample_size(p1, p1 + mid, alpha=alpha, power=power) > n:
            low = mid
        else:
            high = mid
    return high


def expected_duration_days(n_per_arm: float, arms: int, daily_traffic: float) -> float:
    """Days of traffic needed for ``arms`` arms of ``n_per_arm`` each.

    Example
    -------
    >>> expected_duration_days(1000, 2, 250)
    8.0
    """
    n_per_arm = checks.number(n_per_arm, "n_per_arm", ExperimentError, low=0, low_open=True)
    arms = checks.whole(arms, "arms", ExperimentError, low=2, high=1_000_000)
    daily_traffic = checks.number(
        daily_traffic, "daily_traffic", ExperimentError, low=0, low_open=True
    )
    return _finite(n_per_arm * arms / daily_traffic, "expected_duration_days")


def _planned_weights(weights, name: str = "weights", *, zero_allowed: bool = False) -> np.ndarray:
    if isinstance(weights, str | bytes) or not hasattr(weights, "__len__") or not len(weights):
        raise ExperimentError(f"{name}: need a list of planned weights")
    values = [
        checks.number(w, f"{name}[{i}]", ExperimentError, low=0) for i, w in enumerate(weights)
    ]
    result = np.array(values)
    if not zero_allowed and (result == 0).any():
        raise ExperimentError(f"{name}: every planned weight must be greater than 0")
    total = float(result.sum())
    if total <= 0 or not math.isfinite(total):
        raise ExperimentError(f"{name}: need weights with a positive, finite sum")
    return result


def assign(experiment: str, unit_id: str, weights: list[float], salt: str = "") -> int:
    """Deterministic arm for a unit: SHA-256 of ``salt:experiment:unit`` to [0, 1), then the
    cumulative weights. Stable across processes and machines. An arm of weight 0 gets
    no units.

    Example
    -------
    >>> assign("checkout", "user-1", [0.5, 0.5]) == assign("checkout", "user-1", [0.5, 0.5])
    True
    """
    planned = _planned_weights(weights, zero_allowed=True)
    digest = hashlib.sha256(f"{salt}:{experiment}:{unit_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = np.cumsum(planned) / planned.sum()
    return int(np.searchsorted(cumulative, position, side="right"))


def _moments(n: int, total: float, squares: float, names: str) -> float:
    """The sample variance from n, sum and sum of squares; refuses sums no real values
    could give (``squares < total^2 / n``, beyond rounding)."""
    mean = total / n
    spread = squares - total * mean
    if not (math.isfinite(mean) and math.isfinite(spread)):
        raise ExperimentError(f"{names}: too large to compute a variance")
    if spread < -ROUNDING * max(squares, total * mean):
        raise ExperimentError(
            f"{names}: the sum of squares {squares:g} is below sum^2 / n = {total * mean:g}, "
            "which no real values give (for a 0/1 metric: more conversions than observations)"
        )
    return max(spread, 0.0) / (n - 1)


@dataclass(frozen=True)
class ArmStats:
    """Sufficient statistics of one arm: count, sum and sum of squares of the metric, and
    (for ratio metrics or CUPED) of a second variable ``x`` with the cross-products.

    Example
    -------
    >>> ArmStats(1000, 100, 100).variance  # 100 conversions out of 1,000
    0.09009009009009009
    >>> ArmStats(1000, 1200, 1200)
    Traceback (most recent call last):
        ...
    pacer.analytics.experiments.ExperimentError: sum, sum_sq: the sum of squares 1200 is \
below sum^2 / n = 1440, which no real values give (for a 0/1 metric: more conversions \
than observations)
    """

    n: int
    sum: float
    sum_sq: float
    x_sum: float = 0.0
    x_sum_sq: float = 0.0
    xy_sum: float = 0.0

    def __post_init__(self) -> None:
        n = checks.whole(self.n, "n", ExperimentError)
        if n < 2:
            raise ExperimentError("n: each arm needs at least 2 observations")
        object.__setattr__(self, "n", n)
        for name in ("sum", "sum_sq", "x_sum", "x_sum_sq", "xy_sum"):
            low = 0.0 if name.endswith("_sq") else None
            value = checks.number(getattr(self, name), name, ExperimentError, low=low)
            object.__setattr__(self, name, value)
        variance = _moments(n, self.sum, self.sum_sq, "sum, sum_sq")
        x_variance = _moments(n, self.x_sum, self.x_sum_sq, "x_sum, x_sum_sq")
        covariance = self.covariance
        if not math.isfinite(covariance):
            raise ExperimentError("xy_sum: too large to compute a covariance")
        # rounding in each moment is relative to the raw sums it subtracts
        slack_y = ROUNDING * max(self.sum_sq, self.sum * self.sum / n) / (n - 1)
        slack_x = ROUNDING * max(self.x_sum_sq, self.x_sum * self.x_sum / n) / (n - 1)
        slack_xy = ROUNDING * (abs(self.xy_sum) + abs(self.sum * self.x_sum) / n) / (n - 1)
        bound = math.sqrt(variance + slack_y) * math.sqrt(x_variance + slack_x) + slack_xy
        if abs(covariance) > bound:
            raise ExperimentError(
                "xy_sum: implies a correlation between y and x beyond ±1, which no real values give"
            )

    @classmethod
    def from_values(cls, y, x=None) -> "ArmStats":
        """The statistics of the values ``y`` (and the covariate ``x``) of one arm."""
        y = checks.array(y, "y", ExperimentError)
        x = np.zeros_like(y) if x is None else checks.array(x, "x", ExperimentError)
        if x.shape != y.shape:
            raise ExperimentError("x: need one covariate value per observation")
        with np.errstate(over="ignore", invalid="ignore"):
            sums = (y.sum(), (y * y).sum(), x.sum(), (x * x).sum(), (x * y).sum())
        return cls(len(y), *(float(v) for v in sums))

    @property
    def mean(self) -> float:
        return self.sum / self.n

    @property
    def variance(self) -> float:
        return _moments(self.n, self.sum, self.sum_sq, "sum, sum_sq")

    @property
    def x_mean(self) -> float:
        return self.x_sum / self.n

    @property
    def x_variance(self) -> float:
        return _moments(self.n, self.x_sum, self.x_sum_sq, "x_sum, x_sum_sq")

    @property
    def covariance(self) -> float:
        return (self.xy_sum - self.sum * (self.x_sum / self.n)) / (self.n - 1)


def parse_arm(spec: str, field: str) -> tuple[str, ArmStats]:
    """An arm written as ``name, n, sum[, sum of squares]``; without the sum of squares
    the metric is taken as 0/1 (a conversion), whose sum of squares is its sum, so the
    sum must be a whole number of conversions between 0 and n. Errors name ``field``.

    Example
    -------
    >>> name, arm = parse_arm("control, 1000, 100", "arms line 1")
    >>> name, arm.n, arm.sum_sq
    ('control', 1000, 100.0)
    """
    parts = [part.strip() for part in str(spec).split(",")]
    if len(parts) not in (3, 4) or not parts[0]:
        raise ExperimentError(f"{field}: write name, n, sum[, sum of squares]")
    try:
        n, total = int(parts[1]), float(parts[2])
        squares = float(parts[3]) if len(parts) == 4 else total
    except ValueError:
        raise ExperimentError(f"{field}: n and sums must be numbers") from None
    if len(parts) == 3 and not (math.isfinite(total) and total.is_integer() and 0 <= total <= n):
        raise ExperimentError(
            f"{field}: conversions must be a whole number between 0 and n ({n}), got {parts[2]}"
        )
    try:
        return parts[0], ArmStats(n, total, squares)
    except ExperimentError as error:
        raise ExperimentError(f"{field}: {error}") from None


@dataclass(frozen=True)
class Comparison:
    """Treatment against control. ``relative`` and ``relative_ci`` are ``None`` when the
    control mean is 0 (or so close to 0 that the ratio is not a finite number): the
    relative effect is then undefined."""

    control_mean: float
    treatment_mean: float
    absolute: float
    absolute_ci: tuple[float, float]
    relative: float | None
    relative_ci: tuple[float | None, float | None]
    t: float
    df: float
    p_value: float


def _arm(value, name: str) -> "ArmStats":
    if not isinstance(value, ArmStats):
        raise ExperimentError(f"{name}: must be an ArmStats")
    return value


def _variance_of_difference(control: ArmStats, treatment: ArmStats) -> tuple[float, float]:
    v1, v2 = control.variance / control.n, treatment.variance / treatment.n
    if not math.isfinite(v1 + v2):
        raise ExperimentError("variance: too large to compare the arms")
    if v1 + v2 == 0:
        raise ExperimentError("variance: both arms have zero variance; no test is possible")
    return v1, v2


def welch(control: ArmStats, treatment: ArmStats, *, alpha: float = 0.05) -> Comparison:
    """Welch's t-test with absolute and relative (delta-method) effects and CIs.

    Example
    -------
    >>> a = ArmStats.from_values([1.0, 2, 3, 4])
    >>> b = ArmStats.from_values([2.0, 3, 4, 5, 6])
    >>> round(welch(a, b).p_value, 4)
    0.1613
    >>> welch(ArmStats(100, 0, 0), ArmStats(100, 5, 5)).relative is None  # 0 in control
    True
    """
    control, treatment = _arm(control, "control"), _arm(treatment, "treatment")
    alpha = _probability(alpha, "alpha")
    v1, v2 = _variance_of_difference(control, treatment)
    m1, m2 = control.mean, treatment.mean
    se = math.sqrt(v1 + v2)
    share1, share2 = v1 / (v1 + v2), v2 / (v1 + v2)  # Welch-Satterthwaite, without overflow
    df = 1 / (share1 * share1 / (control.n - 1) + share2 * share2 / (treatment.n - 1))
    difference = m2 - m1
    t = difference / se
    crit = float(special.stdtrit(df, 1 - alpha / 2))  # Student's t quantile (scipy.stats.t.ppf)
    p = float(2 * special.stdtr(df, -abs(t)))  # two-sided tail (2 scipy.stats.t.sf(|t|))
    absolute_ci = (difference - crit * se, difference + crit * se)
    _finite([difference, t, df, p, *absolute_ci], "welch")
    relative, relative_ci = None, (None, None)
    if m1 * m1 != 0:  # float arithmetic: overflow gives inf, which the check below drops
        ratio = m2 / m1
        rel_se = math.sqrt(v2 / (m1 * m1) + ratio * ratio * v1 / (m1 * m1))
        low, high = ratio - 1 - crit * rel_se, ratio - 1 + crit * rel_se
        if all(math.isfinite(v) for v in (ratio, low, high)):
            relative, relative_ci = ratio - 1, (low, high)
    return Comparison(m1, m2, difference, absolute_ci, relative, relative_ci, t, df, p)


def ratio_mean_and_variance(arm: ArmStats) -> tuple[float, float]:
    """Ratio metric ``sum(y) / sum(x)`` and the delta-method variance of that estimate.

    Example
    -------
    >>> arm = ArmStats.from_values([10.0, 0, 30], x=[1.0, 1, 2])
    >>> round(ratio_mean_and_variance(arm)[0], 2)
    10.0
    """
    arm = _arm(arm, "arm")
    if arm.x_sum == 0:
        raise ExperimentError("x_sum: the ratio's denominator sums to 0")
    ratio = arm.sum / arm.x_sum
    mx = arm.x_mean
    with np.errstate(all="ignore"):
        spread = (
            np.float64(arm.variance) - 2 * ratio * arm.covariance + ratio * ratio * arm.x_variance
        )
        var = max(float(spread), 0.0) / (arm.n * np.float64(mx) * mx)
    return _finite((ratio, float(var)), "ratio_mean_and_variance")


@dataclass(frozen=True)
class BayesResult:
    chance_to_win: float
    expected_loss: float
    credible_interval: tuple[float, float]


def bayesian(
    control: ArmStats,
    treatment: ArmStats,
    *,
    prior_sd: float | None = None,
    interval: float = 0.95,
) -> BayesResult:
    """Chance that the treatment's mean is higher, its expected loss, and a credible
    interval for the difference (normal approximation; flat prior unless ``prior_sd``,
    the standard deviation of a normal prior centred on no difference).

    Example
    -------
    >>> a, b = ArmStats(1000, 100, 100), ArmStats(1000, 120, 120)
    >>> round(bayesian(a, b).chance_to_win, 3)
    0.924
    """
    control, treatment = _arm(control, "control"), _arm(treatment, "treatment")
    interval = _probability(interval, "interval")
    var = sum(_variance_of_difference(control, treatment))
    mean = treatment.mean - control.mean
    if prior_sd is not None:
        prior_sd = checks.number(prior_sd, "prior_sd", ExperimentError, low=0, low_open=True)
        prior_var = prior_sd * prior_sd
        if prior_var == 0 or not math.isfinite(prior_var):
            raise ExperimentError("prior_sd: too small or too large to compute with")
        mean, var = mean * prior_var / (prior_var + var), prior_var * var / (prior_var + var)
    sd = math.sqrt(var)
    z = mean / sd
    loss = sd * _normal_pdf(z) - mean * _normal_cdf(-z)
    half = _z(0.5 + interval / 2) * sd
    chance = _normal_cdf(z)
    _finite([chance, loss, mean - half, mean + half], "bayesian")
    return BayesResult(chance, max(loss, 0.0), (mean - half, mean + half))


def confidence_sequence(
    control: ArmStats, treatment: ArmStats, *, alpha: float = 0.05, planned_n: int = 10_000
) -> tuple[float, float]:
    """An always-valid confidence interval for the difference in means (peeking-safe).

    Example
    -------
    >>> a, b = ArmStats(500, 50, 50), ArmStats(500, 80, 80)
    >>> low, high = confidence_sequence(a, b)
    >>> low < 0.06 < high
    True
    """
    control, treatment = _arm(control, "control"), _arm(treatment, "treatment")
    alpha = _probability(alpha, "alpha")
    planned_n = checks.whole(planned_n, "planned_n", ExperimentError, low=1, high=10**15)
    _variance_of_difference(control, treatment)
    n = min(control.n, treatment.n)
    sd_one = math.sqrt(control.variance + treatment.variance)
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / planned_n
    half = sd_one * math.sqrt(
        2 * (n * rho2 + 1) / (n * n * rho2) * math.log(math.sqrt(n * rho2 + 1) / alpha)
    )
    diff = treatment.mean - control.mean
    return _finite((diff - half, diff + half), "confidence_sequence")


def cuped(arms: list[ArmStats]) -> list[tuple[float, float]]:
    """CUPED-adjusted (mean, variance of the mean) per arm, using ``x`` as the
    pre-experiment covariate.

    Example
    -------
    >>> arms = [ArmStats.from_values([1.0, 2, 3], x=[1.0, 2, 3]),
    ...         ArmStats.from_values([2.0, 3, 4], x=[1.0, 2, 3])]
    >>> [round(v, 6) for _, v in cuped(arms)]
    [0.0, 0.0]
    """
    if not arms:
        raise ExperimentError("arms: need at least one arm")
    arms = [_arm(a, f"arms[{i}]") for i, a in enumerate(arms)]
    total_n, dof = sum(a.n for a in arms), sum(a.n - 1 for a in arms)
    with np.errstate(all="ignore"):
        var_x = sum(np.float64(a.x_variance) * (a.n - 1) for a in arms) / dof
        cov = sum(np.float64(a.covariance) * (a.n - 1) for a in arms) / dof
    if var_x == 0:
        raise ExperimentError("x: the covariate has zero variance; CUPED cannot use it")
    theta = float(_finite(cov / var_x, "cuped"))
    pooled_x = sum(a.x_sum for a in arms) / total_n
    result = []
    with np.errstate(all="ignore"):
        for a in arms:
            spread = a.variance - 2 * theta * a.covariance + np.float64(theta) ** 2 * a.x_variance
            result.append((a.mean - theta * (a.x_mean - pooled_x), max(float(spread), 0.0) / a.n))
    return _finite(result, "cuped")


def sample_ratio_mismatch(counts: list[int], weights: list[float]) -> float:
    """p-value of Pearson's chi-square test of the arm counts against the planned split;
    a small value (say < 0.001) means the assignment is broken.

    Example
    -------
    >>> round(sample_ratio_mismatch([5000, 5200], [0.5, 0.5]), 4)
    0.0477
    """
    planned = _planned_weights(weights)
    if isinstance(counts, str | bytes) or not hasattr(counts, "__len__"):
        raise ExperimentError("counts: need a list of arm counts")
    observed = np.array(
        [checks.whole(c, f"counts[{i}]", ExperimentError, low=0) for i, c in enumerate(counts)],
        dtype=np.float64,
    )
    if len(observed) != len(planned) or len(observed) < 2:
        raise ExperimentError("counts: need a non-negative count per planned weight (2+ arms)")
    total = observed.sum()
    if total == 0 or not np.isfinite(total):
        raise ExperimentError("counts: need at least one unit counted, and a finite total")
    expected = planned / planned.sum() * total
    with np.errstate(all="ignore"):
        statistic = float(((observed - expected) ** 2 / expected).sum())
    if not math.isfinite(statistic):
        raise ExperimentError("weights: a planned share is too small for these counts")
    return float(stats.chi2.sf(statistic, len(observed) - 1))


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control).

    Example
    -------
    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    if isinstance(p_values, str | bytes) or not hasattr(p_values, "__len__"):
        raise ExperimentError("p_values: need a list of p-values")
    p = np.array(
        [
            checks.number(v, f"p_values[{i}]", ExperimentError, low=0, high=1)
            for i, v in enumerate(p_values)
        ],
        dtype=np.float64,
    )
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order]).clip(max=1.0)
    result = np.empty(m)
    result[order] = adjusted
    return [round(float(v), 12) for v in result]


@dataclass(frozen=True)
class VariationResult:
    name: str
    comparison: Comparison
    adjusted_p_value: float
    bayes: BayesResult
    sequential_ci: tuple[float, float]

    def as_dict(self) -> dict:
        """The effects and decision figures, flat (for JSON); ``relative`` and
        ``relative_ci`` hold ``None`` when the relative effect is undefined."""
        c = self.comparison
        return {
            "name": self.name,
            "absolute": c.absolute,
            "absolute_ci": c.absolute_ci,
            "relative": c.relative,
            "relative_ci": c.relative_ci,
            "p_value": c.p_value,
            "adjusted_p_value": self.adjusted_p_value,
            "chance_to_win": self.bayes.chance_to_win,
            "expected_loss": self.bayes.expected_loss,
            "sequential_ci": self.sequential_ci,
        }


@dataclass(frozen=True)
class ExperimentResult:
    control: str
    srm_p_value: float
    variations: list[VariationResult]

    @property
    def sample_ratio_mismatch(self) -> bool:
        """True when the arm sizes are implausible under the planned split (p < 0.001)."""
        return self.srm_p_value < 0.001


def analyze(
    arms: dict[str, ArmStats],
    *,
    weights: list[float] | None = None,
    alpha: float = 0.05,
    planned_n: int | None = None,
) -> ExperimentResult:
    """Every variation against the first arm (the control): Welch test with Holm-adjusted
    p-values, Bayesian chance to win, an always-valid interval, and the SRM check.

    Example
    -------
    >>> result = analyze({"control": ArmStats(5000, 500, 500),
    ...                   "new": ArmStats(5000, 560, 560)})
    >>> round(result.variations[0].comparison.relative, 3), result.sample_ratio_mismatch
    (0.12, False)
    """
    if not isinstance(arms, dict) or len(arms) < 2:
        raise ExperimentError("arms: need a control and at least one variation")
    names = list(arms)
    for name in names:
        _arm(arms[name], f"arms[{name!r}]")
    weights = [1.0] * len(names) if weights is None else weights
    if len(_planned_weights(weights)) != len(names):
        raise ExperimentError("weights: need one planned weight per arm")
    alpha = _probability(alpha, "alpha")
    if planned_n is not None:
        planned_n = checks.whole(planned_n, "planned_n", ExperimentError, low=1, high=10**15)
    control = arms[names[0]]
    comparisons = [welch(control, arms[name], alpha=alpha) for name in names[1:]]
    adjusted = holm([c.p_value for c in comparisons])
    planned = planned_n or max(a.n for a in arms.values())
    variations = [
        VariationResult(
            name,
            comparison,
            p,
            bayesian(control, arms[name]),
            confidence_sequence(control, arms[name], alpha=alpha, planned_n=planned),
        )
        for name, comparison, p in zip(names[1:], comparisons, adjusted, strict=True)
    ]
    srm = sample_ratio_mismatch([arms[n].n for n in names], weights)
    return ExperimentResult(names[0], srm, variations)
