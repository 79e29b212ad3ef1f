"""RFM scoring: recency, frequency and monetary quintile scores and named segments.

Scores run from 1 (worst) to ``bins`` (best). Each measure is ranked with ties given
their average rank, and ``score = 1 + floor(bins * (average_rank - 1) / n)``, so equal
values always get equal scores and the scores are as close to equal-sized groups as the
ties allow. Recency is ranked in reverse (fewer days since the last purchase is better).

Segments are assigned by the first rule whose recency and frequency ranges contain the
customer's R and F scores (the common 11-segment R x F map); pass your own rules to
change them.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import rankdata


class RFMError(ValueError):
    """Bad RFM input; the message names the field and the reason."""


@dataclass(frozen=True)
class SegmentRule:
    name: str
    recency: tuple[int, int]  # inclusive score range
    frequency: tuple[int, int]


DEFAULT_SEGMENTS = (
    SegmentRule("Champions", (5, 5), (4, 5)),
    SegmentRule("Loyal", (3, 4), (4, 5)),
    SegmentRule("Potential loyalists", (4, 5), (2, 3)),
    SegmentRule("New customers", (5, 5), (1, 1)),
    SegmentRule("Promising", (4, 4), (1, 1)),
    SegmentRule("Need attention", (3, 3), (3, 3)),
    SegmentRule("About to sleep", (3, 3), (1, 2)),
    SegmentRule("Can't lose them", (1, 1), (5, 5)),
    SegmentRule("At risk", (1, 2), (3, 5)),
    SegmentRule("Hibernating", (2, 2), (1, 2)),
    SegmentRule("Lost", (1, 1), (1, 2)),
)


def quantile_scores(values, bins: int = 5, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1..bins by average rank (ties share a score).

    Example
    -------
    >>> quantile_scores([10, 20, 20, 30, 40]).tolist()
    [1, 2, 2, 4, 5]
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise RFMError("values: need a non-empty list of numbers")
    if not np.isfinite(values).all():
        raise RFMError("values: must be finite numbers")
    if bins < 2:
        raise RFMError("bins: must be at least 2")
    ranks = rankdata(values if higher_is_better else -values, method="average")
    return (1 + np.floor(bins * (ranks - 1) / len(values))).astype(np.int64)


def rfm(
    customers,
    *,
    bins: int = 5,
    segments: tuple[SegmentRule, ...] = DEFAULT_SEGMENTS,
) -> pl.DataFrame:
    """Add ``r``, ``f``, ``m`` scores, the ``rfm`` code and a ``segment`` to a table with
    ``recency_days``, ``frequency`` and ``monetary`` columns (Polars or pandas).

    Example
    -------
    >>> table = pl.DataFrame({"recency_days": [1, 200, 30], "frequency": [9, 1, 3],
    ...                       "monetary": [900.0, 20.0, 150.0]})
    >>> rfm(table, bins=3)["rfm"].to_list()
    ['333', '111', '222']
    """
    frame = customers if isinstance(customers, pl.DataFrame) else pl.from_pandas(customers)
    missing = [c for c in ("recency_days", "frequency", "monetary") if c not in frame.columns]
    if missing:
        raise RFMError(f"customers: missing column(s) {', '.join(missing)}")
    if (frame["recency_days"] < 0).any():
        raise RFMError("recency_days: must be at least 0")
    if (frame["frequency"] < 0).any():
        raise RFMError("frequency: must be at least 0")
    r = quantile_scores(frame["recency_days"].to_numpy(), bins, higher_is_better=False)
    f = quantile_scores(frame["frequency"].to_numpy(), bins)
    m = quantile_scores(frame["monetary"].to_numpy(), bins)
    names = np.full(len(r), "Other", dtype=object)
    assigned = np.zeros(len(r), dtype=bool)
    for rule in segments:
        hit = (
            ~assigned
            & (r >= rule.recency[0])
            & (r <= rule.recency[1])
            & (f >= rule.frequency[0])
            & (f <= rule.frequency[1])
        )
        names[hit] = rule.name
        assigned |= hit
    return frame.with_columns(
        r=pl.Series(r),
        f=pl.Series(f),
        m=pl.Series(m),
        rfm=pl.Series([f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)]),
        segment=pl.Series(names.tolist(), dtype=pl.Utf8),
    )
