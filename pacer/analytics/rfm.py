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

from pacer.analytics import _checks as checks


class RFMError(ValueError):
    """Bad RFM input; the message names the field and the reason."""


@dataclass(frozen=True)
class SegmentRule:
    """A named segment: the customers whose R and F scores fall in these inclusive ranges.

    Example
    -------
    >>> SegmentRule("Recent", (4, 5), (1, 5)).recency
    (4, 5)
    """

    name: str
    recency: tuple[int, int]  # inclusive score range
    frequency: tuple[int, int]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise RFMError("name: a segment needs a name")
        for field in ("recency", "frequency"):
            span = getattr(self, field)
            if not isinstance(span, tuple | list) or len(span) != 2:
                raise RFMError(f"{self.name}.{field}: need a (lowest, highest) score pair")
            low, high = (checks.whole(v, f"{self.name}.{field}", RFMError, low=1) for v in span)
            if low > high:
                raise RFMError(f"{self.name}.{field}: the lowest score is above the highest")
            object.__setattr__(self, field, (low, high))


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


def quantile_scores(
    values, bins: int = 5, *, higher_is_better: bool = True, name: str = "values"
) -> np.ndarray:
    """Scores 1..bins by average rank (ties share a score); errors name ``name``.

    Example
    -------
    >>> quantile_scores([10, 20, 20, 30, 40]).tolist()
    [1, 2, 2, 4, 5]
    """
    values = checks.array(values, name, RFMError)
    bins = checks.whole(bins, "bins", RFMError, low=2, high=1000)
    from scipy.stats import rankdata  # here: scipy.stats takes ~0.5 s to import

    ranks = rankdata(values if higher_is_better else -values, method="average")
    return (1 + np.floor(bins * (ranks - 1) / len(values))).astype(np.int64)


def rfm(
    customers,
    *,
    bins: int = 5,
    segments: tuple[SegmentRule, ...] = DEFAULT_SEGMENTS,
) -> pl.DataFrame:
    """Add ``r``, ``f``, ``m`` scores, the ``rfm`` code and a ``segment`` to a table with
        ``recency_days`` (at least 0), ``frequency`` (at least 0) and ``monetary`` (any
    finite number: net spend may be negative) columns (Polars or pandas).

        Example
        -------
        >>> table = pl.DataFrame({"recency_days": [1, 200, 30], "frequency": [9, 1, 3],
        ...                       "monetary": [900.0, 20.0, 150.0]})
        >>> rfm(table, bins=3)["rfm"].to_list()
        ['333', '111', '222']
    """
    frame = _frame(customers)
    missing = [c for c in ("recency_days", "frequency", "monetary") if c not in frame.columns]
    if missing:
        raise RFMError(f"customers: missing column(s) {', '.join(missing)}")
    if frame.height == 0:
        raise RFMError("customers: the table is empty")
    if not isinstance(segments, tuple | list) or not all(
        isinstance(rule, SegmentRule) for rule in segments
    ):
        raise RFMError("segments: must be a list of SegmentRule")
    columns = {}
    for column in ("recency_days", "frequency", "monetary"):
        series = frame[column]
        if not series.dtype.is_numeric() or series.null_count():
            raise RFMError(f"{column}: must be a number for every customer")
        columns[column] = series.cast(pl.Float64).to_numpy()
    for column in ("recency_days", "frequency"):
        checks.array(columns[column], column, RFMError, low=0.0)
    r = quantile_scores(columns["recency_days"], bins, higher_is_better=False, name="recency_days")
    f = quantile_scores(columns["frequency"], bins, name="frequency")
    m = quantile_scores(columns["monetary"], bins, name="monetary")
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


def _frame(customers) -> pl.DataFrame:
    if isinstance(customers, pl.DataFrame):
        return customers
    try:
        return pl.from_pandas(customers)
    except (TypeError, ValueError, ImportError):
        raise RFMError("customers: must be a Polars or pandas DataFrame") from None
