"""Where acquisition spend is wasted because the experience is broken (plain Python).

A location is flagged when its spend is at or above the median spend of the locations
that spend, and its experience is weak: its repeat rate is below the benchmark (the
repeat rate of all locations together) by more than ``Z`` = 2 standard errors of a rate
over its number of new customers (√(b(1 − b)/n)), so chance alone rarely flags one, or
its NPS is below 0 by more than 2 of its standard errors (NPS + 2 SE < 0, the upper end
of its 95 % interval; ``cx.nps_standard_error``).

Each signal needs a minimum sample before it gives a verdict, because the 2-standard-
error rule rests on the normal approximation, which fails on a handful of answers (two
detractors have a standard error of 0 and would "prove" an NPS of −100):

- repeat rate: the usual condition for a proportion's normal approximation, at least
  ``MIN_EXPECTED`` = 10 repeaters and 10 non-repeaters expected at the benchmark b, so
  n ≥ 10 ÷ min(b, 1 − b) new customers (20 at b = 0.5, 33 at b = 0.31, 100 at b = 0.1);
- NPS: at least ``MIN_NPS_ANSWERS`` = 30 answers. NPS is the mean of scores of +100, 0
  and −100; at 30 answers the standard error is at most 100 ÷ √30 ≈ 18 points, so a 95 %
  interval is at most ±37 points wide, and each answer moves NPS by at most 3.4 points.

Below its minimum a signal says "too few" with its n instead of a verdict, and a
location with no signal that has its sample gets "Too few answers" rather than "No sign
of waste". What is at stake:

    revenue at stake = (benchmark repeat rate − location repeat rate)
                       × location new customers × location revenue per new customer

the revenue its new customers would have brought had they come back as often as
customers of the business as a whole (0 when the location repeats at the benchmark).
"""

from math import ceil, sqrt
from statistics import median

Z = 2.0  # standard errors below the benchmark (or 0 for NPS) that count as weak
MIN_EXPECTED = 10  # repeaters and non-repeaters expected at the benchmark, each
MIN_NPS_ANSWERS = 30


def repeat_sample_needed(benchmark: float) -> int:
    """The new customers a location needs for its repeat rate to be judged against
    ``benchmark``: ``MIN_EXPECTED`` ÷ min(b, 1 − b), rounded up (``MIN_EXPECTED`` when
    b is 0 or 1, where no location can differ).

    Examples
    --------
    >>> [repeat_sample_needed(b) for b in (0.5, 0.31, 0.1, 0.9, 0.0)]
    [20, 33, 100, 100, 10]
    """
    smaller = min(benchmark, 1 - benchmark)
    return ceil(round(MIN_EXPECTED / smaller, 9)) if smaller > 0 else MIN_EXPECTED


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
    ``nps``, ``nps_answers``, ``nps_se``; None where unknown) with ``high_spend``,
    ``weak_experience``, ``flagged``, ``revenue_at_stake``, ``reasons``, ``too_few``
    (the signals below their minimum sample, in words with their n) and ``judged``
    (whether a signal had its sample), the flagged ones first by revenue at stake.

    Examples
    --------
    >>> rows = [
    ...     {"name": "A", "spend": 100.0, "new_customers": 40, "revenue": 1000.0,
    ...      "repeat_rate": 0.5, "nps": 40.0, "nps_answers": 50, "nps_se": 10.0},
    ...     {"name": "B", "spend": 300.0, "new_customers": 40, "revenue": 800.0,
    ...      "repeat_rate": 0.1, "nps": -20.0, "nps_answers": 2, "nps_se": 0.0},
    ... ]
    >>> [(g["name"], g["flagged"], round(g["revenue_at_stake"], 2), g["too_few"])
    ...  for g in experience_gaps(rows)]
    [('B', True, 160.0, ['NPS: too few answers (n=2, needs 30)']), ('A', False, 0.0, [])]
    """
    benchmark = benchmark_repeat_rate(rows)
    needed = repeat_sample_needed(benchmark) if benchmark is not None else None
    spends = [row["spend"] for row in rows if row.get("spend")]
    threshold = median(spends) if spends else None
    found = []
    for row in rows:
        spend, repeat, score = row.get("spend") or 0.0, row.get("repeat_rate"), row.get("nps")
        reasons, too_few, judged = [], [], False
        customers = row.get("new_customers") or 0
        if benchmark is not None and repeat is not None:
            if customers >= needed:
                judged = True
                margin = Z * sqrt(benchmark * (1 - benchmark) / customers)
                if repeat < benchmark - margin:
                    reasons.append("repeat rate well below the business's")
            else:
                too_few.append(
                    f"repeat rate: too few new customers (n={customers:.0f}, needs {needed})"
                )
        answers = row.get("nps_answers") or 0
        if score is not None or answers:
            if answers >= MIN_NPS_ANSWERS:
                judged = True
                if score + Z * (row.get("nps_se") or 0.0) < 0:
                    reasons.append("NPS below 0")
            else:
                too_few.append(f"NPS: too few answers (n={answers}, needs {MIN_NPS_ANSWERS})")
        high = threshold is not None and spend >= threshold and spend > 0
        stake = 0.0
        if benchmark is not None and repeat is not None and customers:
            per_customer = (row.get("revenue") or 0.0) / customers
            stake = max(0.0, benchmark - repeat) * customers * per_customer
        found.append(
            {
                **row,
                "high_spend": high,
                "weak_experience": bool(reasons),
                "flagged": high and bool(reasons),
                "revenue_at_stake": stake,
                "reasons": reasons,
                "too_few": too_few,
                "judged": judged,
            }
        )
    found.sort(key=lambda g: (not g["flagged"], -g["revenue_at_stake"], str(g.get("name", ""))))
    return found


def verdict(gap: dict) -> str:
    """The verdict on one location of ``experience_gaps``, in words: spend wasted, weak
    experience at lower spend, no sign of waste, or too few answers (with each signal's
    n) when no signal had its minimum sample; a signal short of its sample is named after
    a verdict the other one gave.

    Examples
    --------
    >>> verdict({"flagged": False, "weak_experience": False, "reasons": [], "judged": False,
    ...          "too_few": ["NPS: too few answers (n=2, needs 30)"]})
    'Too few answers to judge: NPS: too few answers (n=2, needs 30)'
    """
    if gap["flagged"]:
        said = "Spend wasted: " + ", ".join(gap["reasons"])
    elif gap["weak_experience"]:
        said = "Weak experience, lower spend: " + ", ".join(gap["reasons"])
    elif gap["judged"] or not gap["too_few"]:
        said = "No sign of waste"
    else:
        return "Too few answers to judge: " + "; ".join(gap["too_few"])
    return "; ".join([said, *gap["too_few"]])
