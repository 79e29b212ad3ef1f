"""Measures of people rather than of periods: repeat rate, retention, cohort retention, and
the days a workspace has data on.

Two small derived tables, rebuilt with the KPI cube after each warehouse sync (Ibis
expressions, so any engine runs them):

- ``customer_days``: one row per customer (the canonical contact) and day they ordered on,
  with the day of their first order, their acquisition channel and campaign and their own
  location. Several orders on one day are one purchase day (as in the CLV models).
- ``activity_bounds``: per workspace, the first and last day with any event, order or
  spend: the "all data" range of every analysis page.

The definitions (docs/metrics.md has them with examples):

- repeat rate over ``[start, end]`` = customers whose first order is in the range and who
  ordered again on a later day up to ``end`` ÷ customers whose first order is in the range;
- retention over ``[start, end]`` (L days long) = customers who ordered both in the L days
  before ``start`` and in the range ÷ customers who ordered in the L days before ``start``;
- cohort retention (month k) = customers of a first-order month who ordered in the k-th
  month after it ÷ the customers of that month.

Each counts people, once, over exact days: none depends on the grain a page charts by.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import polars as pl

from pacer.metrics.cube import (
    BOUNDS_SCHEMA,
    BOUNDS_TABLE,
    CUSTOMER_DAYS_SCHEMA,
    CUSTOMER_DAYS_TABLE,
    period_of_day,
)
from pacer.warehouse.store import Store

EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def activity_bounds(store: Store, workspace_id: int) -> tuple[date, date] | None:
    """The first and last day the workspace has data on (None before any)."""
    if not store.exists(BOUNDS_TABLE):
        return None
    con = store.duckdb([BOUNDS_TABLE], {BOUNDS_TABLE: BOUNDS_SCHEMA})
    table = con.table(BOUNDS_TABLE)
    rows = con.to_pyarrow(table.filter(table.workspace_id == workspace_id)).to_pylist()
    if not rows or rows[0]["first_day"] is None:
        return None
    return from_day_number(rows[0]["first_day"]), from_day_number(rows[0]["last_day"])


def _days(store: Store, workspace_id: int, location_id: int | None, channel: str, campaign: str):
    con = store.duckdb([CUSTOMER_DAYS_TABLE], {CUSTOMER_DAYS_TABLE: CUSTOMER_DAYS_SCHEMA})
    days = con.table(CUSTOMER_DAYS_TABLE)
    days = days.filter(days.workspace_id == workspace_id)
    if location_id:
        days = days.filter(days.location_id == location_id)
    if channel:
        days = days.filter(days.channel == channel)
    if campaign:
        days = days.filter(days.campaign == campaign)
    return con, days


@dataclass(frozen=True)
class PersonRates:
    """The counts behind repeat rate and retention for one range (and one group)."""

    new_customers: int  # first order in the range
    repeaters: int  # of those, ordered again on a later day up to the range's end
    earlier_customers: int  # ordered in the window of the same length before the range
    retained: int  # of those, ordered in the range too

    @property
    def repeat_rate(self) -> float | None:
        return self.repeaters / self.new_customers if self.new_customers else None

    @property
    def retention(self) -> float | None:
        return self.retained / self.earlier_customers if self.earlier_customers else None


def person_rates(
    store: Store,
    workspace_id: int,
    start: date,
    end: date,
    *,
    by: str | None = None,
    location_id: int | None = None,
    channel: str = "",
    campaign: str = "",
) -> dict:
    """Repeat rate and retention counts over the days ``[start, end]``: a ``PersonRates``,
    or with ``by`` ("location_id" or "channel") a dict of group to ``PersonRates``."""
    if end < start:
        raise ValueError("end: must not be before start")
    if by not in (None, "location_id", "channel"):
        raise ValueError("by: must be 'location_id' or 'channel'")
    empty = PersonRates(0, 0, 0, 0)
    if not store.exists(CUSTOMER_DAYS_TABLE):
        return {} if by else empty
    con, days = _days(store, workspace_id, location_id, channel, campaign)
    low, high = day_number(start), day_number(end)
    days = days.filter((days.day >= low - (high - low + 1)) & (days.day <= high))
    measures = _rate_measures(days, low, high)
    counts = days.group_by(by).aggregate(**measures) if by else days.aggregate(**measures)
    rows = con.to_pyarrow(counts).to_pylist()

    def rates(row):
        return PersonRates(*(int(row[f] or 0) for f in RATE_FIELDS))

    if by:
        return {row[by]: rates(row) for row in rows}
    return rates(rows[0]) if rows else empty


RATE_FIELDS = ("new_customers", "repeaters", "earlier_customers", "retained")


def _rate_measures(days, low: int, high: int, suffix: str = "") -> dict:
    """The four counts of ``PersonRates`` over the day numbers ``[low, high]``.

    Every row is one purchase day of one customer with the customer's next purchase day,
    and the table is stored in day order, so each count reads only the days of its
    window. A first purchase in the range is a new customer, a repeater when the next
    purchase is also in it; the last purchase in the window of the same length before
    the range (its next one is not before ``low``) marks a customer of the earlier
    window, retained when the next purchase falls in the range."""
    before = low - (high - low + 1)
    in_range = (days.day >= low) & (days.day <= high)
    is_first = in_range & (days.day == days.first_day)
    is_last_before = (
        (days.day >= before) & (days.day < low) & (days.next_day.isnull() | (days.next_day >= low))
    )
    next_in_range = days.next_day.notnull() & (days.next_day <= high)
    counts = (
        is_first,
        is_first & next_in_range,
        is_last_before,
        is_last_before & next_in_range,
    )
    return {f"{name}{suffix}": count.sum() for name, count in zip(RATE_FIELDS, counts, strict=True)}


def person_rates_of_ranges(
    store: Store,
    workspace_id: int,
    ranges: list[tuple[date, date]],
    *,
    location_id: int | None = None,
) -> list[PersonRates]:
    """``person_rates`` of each range of days ``[start, end]``, in one query (a team's
    scoreboard asks for six months at once)."""
    if not ranges:
        return []
    if any(end < start for start, end in ranges):
        raise ValueError("end: must not be before start")
    if not store.exists(CUSTOMER_DAYS_TABLE):
        return [PersonRates(0, 0, 0, 0) for _ in ranges]
    con, days = _days(store, workspace_id, location_id, "", "")
    bounds = [(day_number(start), day_number(end)) for start, end in ranges]
    lowest = min(low - (high - low + 1) for low, high in bounds)
    days = days.filter((days.day >= lowest) & (days.day <= max(high for _, high in bounds)))
    measures: dict = {}
    for index, (low, high) in enumerate(bounds):
        measures.update(_rate_measures(days, low, high, f"_{index}"))
    (row,) = con.to_pyarrow(days.aggregate(**measures)).to_pylist()
    return [
        PersonRates(*(int(row[f"{name}_{index}"] or 0) for name in RATE_FIELDS))
        for index in range(len(bounds))
    ]


def total_rates(groups: dict) -> PersonRates:
    """The rates of all groups together: each customer belongs to one group (their own
    acquisition channel and location), so the counts add up."""
    return PersonRates(
        *(
            sum(getattr(rates, name) for rates in groups.values())
            for name in ("new_customers", "repeaters", "earlier_customers", "retained")
        )
    )


@dataclass(frozen=True)
class Cohorts:
    """Cohort retention: ``table`` has one row per first-order month (``cohort``, the
    month's first day; ``customers``) and the share still ordering ``k`` months later in
    columns ``m0``, ``m1``, ... (None where month k is not in the range); ``partial``
    holds the (cohort, k) cells whose month the range or the data only partly covers."""

    table: pl.DataFrame
    months: int
    partial: frozenset


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def cohort_retention(
    store: Store,
    workspace_id: int,
    start: date,
    end: date,
    *,
    data_end: date | None = None,
    location_id: int | None = None,
    channel: str = "",
) -> Cohorts:
    """Customers by first-order month (first orders in ``[start, end]``) × months since,
    counting orders up to ``end``. A month is partial when it ends after ``end`` or after
    ``data_end`` (the last day with data), or (the first) starts before ``start``."""
    if end < start:
        raise ValueError("end: must not be before start")
    schema = {"cohort": pl.Date, "customers": pl.Int64}
    if not store.exists(CUSTOMER_DAYS_TABLE):
        return Cohorts(pl.DataFrame(schema=schema), 0, frozenset())
    con, days = _days(store, workspace_id, location_id, channel, "")
    low, high = day_number(start), day_number(end)
    days = days.filter((days.first_day >= low) & (days.first_day <= high) & (days.day <= high))
    cells = (
        days.select(
            "customer",
            cohort=period_of_day(days.first_day, "month"),
            month=period_of_day(days.day, "month"),
        )
        .distinct()
        .group_by(["cohort", "month"])
        .aggregate(customers=ibis._.customer.nunique())
    )
    frame = pl.from_arrow(con.to_pyarrow(cells))
    if frame.height == 0:
        return Cohorts(pl.DataFrame(schema=schema), 0, frozenset())
    last_month = _month_index(end)
    first_cohort = _month_index(start)
    months = last_month - first_cohort + 1
    sizes = dict(
        frame.filter(pl.col("cohort") == pl.col("month")).select("cohort", "customers").iter_rows()
    )
    counts = {(c, m): n for c, m, n in frame.select("cohort", "month", "customers").iter_rows()}
    last_covered = min(end, data_end) if data_end else end
    rows, partial = [], set()
    for cohort in sorted(sizes):
        row = {"cohort": _month(cohort), "customers": sizes[cohort]}
        for k in range(months):
            month = cohort + k
            if month > last_month:
                row[f"m{k}"] = None
                continue
            row[f"m{k}"] = counts.get((cohort, month), 0) / sizes[cohort]
            month_end = _month(month + 1) - timedelta(days=1)
            if month_end > last_covered or (month == first_cohort and start.day > 1):
                partial.add((_month(cohort), k))
        rows.append(row)
    columns = {f"m{k}": pl.Float64 for k in range(months)}
    return Cohorts(pl.DataFrame(rows, schema={**schema, **columns}), months, frozenset(partial))
