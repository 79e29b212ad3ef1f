"""Where acquisition spend is wasted because the experience is broken (plain Python).

A location is flagged when its spend is at or above the median spend of the locations
that spend, and its experience is weak: its repeat rate is below the benchmark (the
repeat rate of all locations together) by more than ``Z`` = 2 standard errors of a rate
over its number of new customers (√(b(1 − b)/n)), so chance alone rarely flags one, or
its NPS is below 0. What is at stake:

    revenue at stake = (benchmark repeat rate − location repeat rate)
                       × location new customers × location revenue per new customer

the revenue its new customers would have brought had they come back as often as
customers of the business as a whole (0 when the location repeats at the benchmark).
"""

from math import sqrt
from statistics import median

Z = 2.0  # standard errors below the benchmark that count as a weak repeat rate


def benchmark_repeat_rate(rows: list[dict]) -> float | None:
    """The repeat rate of all locations together: Σ repeat rate × new customers ÷ Σ new
    customers over the locations with both.

    Examples
    --------
    >>> benchmark_repeat_rate([{"repeat_rate": 0.5, "new_customers": 10},
    ...                        {"repeat_rate": 0.2, "new_customers": 30}])
    0.275
    """
    pairs = [
        (row["repeat_rate"], row["new_customers"])
        for row in rows
        if row.get("repeat_rate") is not None and row.get("new_customers")
    ]
    customers = sum(n for _, n in pairs)
    return sum(r * n for r, n in pairs) / customers if customers else None


def experience_gaps(rows: list[dict]) -> list[dict]:
    """Each location row (``spend``, ``new_customers``, ``revenue``, ``repeat_rate``,
    ``nps``; None where unknown) with ``high_spend``, ``weak_experience``, ``flagged``,
    ``revenue_at_stake`` and ``reasons``, the flagged ones first by revenue at stake.

    Examples
    --------
    >>> rows = [
    ...     {"name": "A", "spend": 100.0, "new_customers": 10, "revenue": 1000.0,
    ...      "repeat_rate": 0.5, "nps": 40.0},
    ...     {"name": "B", "spend": 300.0, "new_customers": 10, "revenue": 800.0,
    ...      "repeat_rate": 0.1, "nps": -20.0},
    ... ]
    >>> [(g["name"], g["flagged"], round(g["revenue_at_stake"], 2))
    ...  for g in experience_gaps(rows)]
    [('B', True, 160.0), ('A', False, 0.0)]
    """
    benchmark = benchmark_repeat_rate(rows)
    spends = [row["spend"] for row in rows if row.get("spend")]
    threshold = median(spends) if spends else None
    found = []
    for row in rows:
        spend, repeat, score = row.get("spend") or 0.0, row.get("repeat_rate"), row.get("nps")
        reasons = []
        customers = row.get("new_customers") or 0
        if benchmark is not None and repeat is not None and customers:
            margin = Z * sqrt(benchmark * (1 - benchmark) / customers)
            if repeat < benchmark - margin:
                reasons.append("repeat rate well below the business's")
        if score is not None and score < 0:
            reasons.append("NPS below 0")
        high = threshold is not None and spend >= threshold and spend > 0
        stake = 0.0
        if benchmark is not None and repeat is not None and row.get("new_customers"):
            per_customer = (row.get("revenue") or 0.0) / row["new_customers"]
            stake = max(0.0, benchmark - repeat) * row["new_customers"] * per_customer
        found.append(
            {
                **row,
                "high_spend": high,
                "weak_experience": bool(reasons),
                "flagged": high and bool(reasons),
                "revenue_at_stake": stake,
                "reasons": reasons,
            }
        )
    found.sort(key=lambda g: (not g["flagged"], -g["revenue_at_stake"], str(g.get("name", ""))))
    return found
