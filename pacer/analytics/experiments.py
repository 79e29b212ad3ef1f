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
"""

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


class ExperimentError(ValueError):
    """Bad experiment input; the message names the field and the reason."""


def _z(q: float) -> float:
    return float(stats.norm.ppf(q))


def _check_rates(p1: float, p2: float) -> None:
    for name, p in (("p1", p1), ("p2", p2)):
        if not 0 < p < 1:
            raise ExperimentError(f"{name}: must be strictly between 0 and 1")
    if p1 == p2:
        raise ExperimentError("p2: must differ from p1 (zero effect needs infinite samples)")


def sample_size(
    p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8, method: str = "pooled"
) -> float:
    """Observations per arm to detect ``p1 -> p2`` with a two-sided test.

    Example
    -------
    >>> round(sample_size(0.10, 0.12), 2)  # R: power.prop.test(p1=.1, p2=.12, power=.8)
    3840.85
    """
    _check_rates(p1, p2)
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ExperimentError("alpha, power: must be strictly between 0 and 1")
    za, zb = _z(1 - alpha / 2), _z(power)
    if method == "cohens_h":
        h = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
        return 2 * ((za + zb) / h) ** 2
    if method == "pooled":
        pbar = (p1 + p2) / 2
        first = math.sqrt(2 * pbar * (1 - pbar))
    elif method == "evan_miller":
        first = math.sqrt(2 * p1 * (1 - p1))
    else:
        raise ExperimentError("method: must be pooled, evan_miller or cohens_h")
    second = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return (za * first + zb * second) ** 2 / (p2 - p1) ** 2


def minimum_detectable_effect(p1: float, n: float, *, alpha: float = 0.05, power: float = 0.8):
    """The smallest absolute lift ``p2 - p1`` detectable with ``n`` per arm (pooled).

    Example
    -------
    >>> round(minimum_detectable_effect(0.10, 3840.85), 4)
    0.02
    """
    if n <= 0:
        raise ExperimentError("n: must be greater than 0")
    low, high = 1e-9, 1 - p1 - 1e-9
    if sample_size(p1, p1 + high, alpha=alpha, power=power) > n:
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
    if daily_traffic <= 0 or arms < 2:
        raise ExperimentError("daily_traffic, arms: need traffic > 0 and at least 2 arms")
    return n_per_arm * arms / daily_traffic


def assign(experiment: str, unit_id: str, weights: list[float], salt: str = "") -> int:
    """Deterministic arm for a unit: SHA-256 of ``salt:experiment:unit`` to [0, 1), then the
    cumulative weights. Stable across processes and machines.

    Example
    -------
    >>> assign("checkout", "user-1", [0.5, 0.5]) == assign("checkout", "user-1", [0.5, 0.5])
    True
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ExperimentError("weights: need non-negative weights with a positive sum")
    digest = hashlib.sha256(f"{salt}:{experiment}:{unit_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = np.cumsum(weights) / sum(weights)
    return int(np.searchsorted(cumulative, position, side="right"))


@dataclass(frozen=True)
class ArmStats:
    """Sufficient statistics of one arm: count, sum and sum of squares of the metric, and
    (for ratio metrics or CUPED) of a second variable ``x`` with the cross-products."""

    n: int
    sum: float
    sum_sq: float
    x_sum: float = 0.0
    x_sum_sq: float = 0.0
    xy_sum: float = 0.0

    def __post_init__(self) -> None:
        if self.n < 2:
            raise ExperimentError("n: each arm needs at least 2 observations")
        if self.sum_sq < 0 or self.x_sum_sq < 0:
            raise ExperimentError("sum_sq: sums of squares cannot be negative")

    @classmethod
    def from_values(cls, y, x=None) -> "ArmStats":
        y = np.asarray(y, dtype=np.float64)
        x = np.zeros_like(y) if x is None else np.asarray(x, dtype=np.float64)
        sums = (y.sum(), (y**2).sum(), x.sum(), (x**2).sum(), (x * y).sum())
        return cls(len(y), *(float(v) for v in sums))

    @property
    def mean(self) -> float:
        return self.sum / self.n

    @property
    def variance(self) -> float:
        return max((self.sum_sq - self.sum**2 / self.n) / (self.n - 1), 0.0)

    @property
    def x_mean(self) -> float:
        return self.x_sum / self.n

    @property
    def x_variance(self) -> float:
        return max((self.x_sum_sq - self.x_sum**2 / self.n) / (self.n - 1), 0.0)

    @property
    def covariance(self) -> float:
        return (self.xy_sum - self.sum * self.x_sum / self.n) / (self.n - 1)


def parse_arm(spec: str, field: str) -> tuple[str, ArmStats]:
    """An arm written as ``name, n, sum[, sum of squares]``; without the sum of squares
    the metric is taken as 0/1 (a conversion), whose sum of squares is its sum. Errors
    name ``field``.

    Example
    -------
    >>> name, arm = parse_arm("control, 1000, 100", "arms line 1")
    >>> name, arm.n, arm.sum_sq
    ('control', 1000, 100.0)
    """
    parts = [part.strip() for part in spec.split(",")]
    if len(parts) not in (3, 4):
        raise ExperimentError(f"{field}: write name, n, sum[, sum of squares]")
    try:
        n, total = int(parts[1]), float(parts[2])
        squares = float(parts[3]) if len(parts) == 4 else total
    except ValueError:
        raise ExperimentError(f"{field}: n and sums must be numbers") from None
    return parts[0], ArmStats(n, total, squares)


@dataclass(frozen=True)
class Comparison:
    control_mean: float
    treatment_mean: float
    absolute: float
    absolute_ci: tuple[float, float]
    relative: float
    relative_ci: tuple[float, float]
    t: float
    df: float
    p_value: float


def welch(control: ArmStats, treatment: ArmStats, *, alpha: float = 0.05) -> Comparison:
    """Welch's t-test with absolute and relative (delta-method) effects and CIs.

    Example
    -------
    >>> a = ArmStats.from_values([1.0, 2, 3, 4])
    >>> b = ArmStats.from_values([2.0, 3, 4, 5, 6])
    >>> round(welch(a, b).p_value, 4)
    0.1613
    """
    v1, v2 = control.variance / control.n, treatment.variance / treatment.n
    if v1 + v2 == 0:
        raise ExperimentError("variance: both arms have zero variance; no test is possible")
    m1, m2 = control.mean, treatment.mean
    se = math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (control.n - 1) + v2**2 / (treatment.n - 1))
    t = (m2 - m1) / se
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    p = float(2 * stats.t.sf(abs(t), df))
    if m1 == 0:
        relative, relative_ci = math.nan, (math.nan, math.nan)
    else:
        relative = m2 / m1 - 1
        rel_se = math.sqrt(v2 / m1**2 + m2**2 * v1 / m1**4)
        relative_ci = (relative - crit * rel_se, relative + crit * rel_se)
    return Comparison(
        m1, m2, m2 - m1, (m2 - m1 - crit * se, m2 - m1 + crit * se), relative, relative_ci, t, df, p
    )


def ratio_mean_and_variance(arm: ArmStats) -> tuple[float, float]:
    """Ratio metric ``sum(y) / sum(x)`` and the delta-method variance of that estimate.

    Example
    -------
    >>> arm = ArmStats.from_values([10.0, 0, 30], x=[1.0, 1, 2])
    >>> round(ratio_mean_and_variance(arm)[0], 2)
    10.0
    """
    if arm.x_sum == 0:
        raise ExperimentError("x_sum: the ratio's denominator sums to 0")
    ratio = arm.sum / arm.x_sum
    mx = arm.x_mean
    var = (arm.variance - 2 * ratio * arm.covariance + ratio**2 * arm.x_variance) / (arm.n * mx**2)
    return ratio, var


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
    interval for the difference (normal approximation; flat prior unless ``prior_sd``).

    Example
    -------
    >>> a, b = ArmStats(1000, 100, 100), ArmStats(1000, 120, 120)
    >>> round(bayesian(a, b).chance_to_win, 3)
    0.924
    """
    var = control.variance / control.n + treatment.variance / treatment.n
    if var == 0:
        raise ExperimentError("variance: both arms have zero variance")
    mean = treatment.mean - control.mean
    if prior_sd is not None:
        if prior_sd <= 0:
            raise ExperimentError("prior_sd: must be greater than 0")
        precision = 1 / var + 1 / prior_sd**2
        mean, var = (mean / var) / precision, 1 / precision
    sd = math.sqrt(var)
    z = mean / sd
    loss = sd * float(stats.norm.pdf(z)) - mean * float(stats.norm.cdf(-z))
    half = _z(0.5 + interval / 2) * sd
    return BayesResult(float(stats.norm.cdf(z)), loss, (mean - half, mean + half))


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
    n = min(control.n, treatment.n)
    sd_one = math.sqrt(control.variance + treatment.variance)
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / planned_n
    half = sd_one * math.sqrt(
        2 * (n * rho2 + 1) / (n**2 * rho2) * math.log(math.sqrt(n * rho2 + 1) / alpha)
    )
    diff = treatment.mean - control.mean
    return diff - half, diff + half


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
    total_n = sum(a.n for a in arms)
    var_x = sum(a.x_variance * (a.n - 1) for a in arms) / (total_n - len(arms))
    if var_x == 0:
        raise ExperimentError("x: the covariate has zero variance; CUPED cannot use it")
    cov = sum(a.covariance * (a.n - 1) for a in arms) / (total_n - len(arms))
    theta = cov / var_x
    pooled_x = sum(a.x_sum for a in arms) / total_n
    return [
        (
            a.mean - theta * (a.x_mean - pooled_x),
            max(a.variance - 2 * theta * a.covariance + theta**2 * a.x_variance, 0.0) / a.n,
        )
        for a in arms
    ]


def sample_ratio_mismatch(counts: list[int], weights: list[float]) -> float:
    """p-value of Pearson's chi-square test of the arm counts against the planned split;
    a small value (say < 0.001) means the assignment is broken.

    Example
    -------
    >>> round(sample_ratio_mismatch([5000, 5200], [0.5, 0.5]), 4)
    0.0477
    """
    counts_arr = np.asarray(counts, dtype=np.float64)
    if len(counts) != len(weights) or len(counts) < 2 or (counts_arr < 0).any():
        raise ExperimentError("counts: need a non-negative count per planned weight (2+ arms)")
    expected = np.asarray(weights, dtype=np.float64) / sum(weights) * counts_arr.sum()
    statistic = float(((counts_arr - expected) ** 2 / expected).sum())
    return float(stats.chi2.sf(statistic, len(counts) - 1))


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control).

    Example
    -------
    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p)
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
        """The effects and decision figures, flat (for JSON)."""
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
    if len(arms) < 2:
        raise ExperimentError("arms: need a control and at least one variation")
    names = list(arms)
    weights = weights or [1.0] * len(names)
    if len(weights) != len(names):
        raise ExperimentError("weights: need one planned weight per arm")
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
