"""KPIs for a slice of the business, read from the KPI cube.

One warehouse query (Ibis) sums the cube by period and channel for the chosen location,
channel and campaign; the ratios are derived here from those sums:

- CAC = spend / new customers
- gross profit = revenue − cost of goods; ROMI = (gross profit − spend) / spend
- lead rate = leads / new visitors; customer rate = new customers / leads
- repeat rate and retention count people over the exact days of the range, whatever the
  grain (``pacer.metrics.customers``; docs/metrics.md): repeat rate = new customers of the
  range who ordered again on a later day up to its end / new customers of the range;
  retention = customers who ordered in the range and in as many days before it / those
  who ordered in the days before it
- per period (the trend, not the totals): returning and retained customers as the cube
  counts them; a period the data covers only in part is marked ``partial``
- historical CLV = revenue to date / customers acquired to date (from the first period on record)
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from pacer.metrics.cube import ADDITIVE, CUBE_TABLE, MEASURES
from pacer.metrics.customers import activity_bounds, person_rates, total_rates
from pacer.warehouse.store import Store

EPOCH_MONDAY = date(1970, 1, 5)


@dataclass(frozen=True)
class KpiFilter:
    start: date | None = None
    end: date | None = None
    grain: str = "month"
    channel: str = ""
    campaign: str = ""
    location_id: int | None = None


def period_index(day: date, grain: str) -> int:
    if grain == "month":
        return day.year * 12 + day.month - 1
    return (day - EPOCH_MONDAY).days // 7


def period_start(index: int, grain: str) -> date:
    if grain == "month":
        return date(index // 12, index % 12 + 1, 1)
    return EPOCH_MONDAY + timedelta(weeks=index)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def derive(row: dict) -> dict:
    """Add the ratio KPIs to a dict of summed measures."""
    out = dict(row)
    out["gross_profit"] = row["revenue"] - row["cost"]
    out["cac"] = _ratio(row["spend"], row["new_customers"])
    out["romi"] = _ratio(out["gross_profit"] - row["spend"], row["spend"])
    out["lead_rate"] = _ratio(row["leads"], row["visitors"])
    out["customer_rate"] = _ratio(row["new_customers"], row["leads"])
    return out


def period_end(index: int, grain: str) -> date:
    return period_start(index + 1, grain) - timedelta(days=1)


@dataclass
class KpiReport:
    filters: KpiFilter
    bounds: tuple[date, date] | None = None  # the first and last day with data
    counted: tuple[date, date] | None = None  # the whole periods the cube's sums cover
    totals: dict = field(default_factory=dict)
    trend: list[dict] = field(default_factory=list)
    by_channel: list[dict] = field(default_factory=list)
    funnel: list[dict] = field(default_factory=list)


def cube_slice(store: Store, workspace_id: int, filters: KpiFilter) -> pl.DataFrame:
    """Cube sums by period and channel for the filter's location/channel/campaign."""
    if not store.exists(CUBE_TABLE):
        return pl.DataFrame(
            schema={"period": pl.Int64, "channel": pl.Utf8, **{m: pl.Float64 for m in MEASURES}}
        )
    con = store.duckdb([CUBE_TABLE], {})
    cube = con.table(CUBE_TABLE)
    cube = cube.filter((cube.workspace_id == workspace_id) & (cube.grain == filters.grain))
    if filters.channel:
        cube = cube.filter(cube.channel == filters.channel)
    if filters.campaign:
        cube = cube.filter(cube.campaign == filters.campaign)
    if filters.location_id:
        cube = cube.filter(cube.location_id == filters.location_id)
    summed = cube.group_by(["period", "channel"]).aggregate(**{m: cube[m].sum() for m in MEASURES})
    return pl.from_arrow(con.to_pyarrow(summed))


def kpi_report(
    store: Store, workspace_id: int, filters: KpiFilter, *, people: bool = True
) -> KpiReport:
    """The KPIs of a slice; ``people=False`` leaves out the per-person rates (repeat rate,
    retention: None; the funnel's repeat customers: 0) for a caller that needs the sums."""
    frame = cube_slice(store, workspace_id, filters)
    report = KpiReport(filters=filters)
    sums = [pl.col(m).sum() for m in MEASURES]
    by_period = frame.group_by("period").agg(sums).sort("period")
    by_period = by_period.with_columns(
        cum_revenue=pl.col("revenue").cum_sum(),
        cum_customers=pl.col("new_customers").cum_sum(),
        prev_ordering=pl.col("ordering_customers").shift(1),
        prev_period=pl.col("period").shift(1),
    )
    low = period_index(filters.start, filters.grain) if filters.start else None
    high = period_index(filters.end, filters.grain) if filters.end else None

    def in_range(df: pl.DataFrame) -> pl.DataFrame:
        if low is not None:
            df = df.filter(pl.col("period") >= low)
        if high is not None:
            df = df.filter(pl.col("period") <= high)
        return df

    periods = in_range(by_period)
    report.bounds = activity_bounds(store, workspace_id)
    first_day, last_day = report.bounds or (None, None)
    for row in periods.iter_rows(named=True):
        item = derive(row)
        prev_ok = row["prev_period"] == row["period"] - 1
        item["retention"] = (
            _ratio(row["retained_customers"], row["prev_ordering"]) if prev_ok else None
        )
        item["clv"] = _ratio(row["cum_revenue"], row["cum_customers"])
        item["repeat_rate"] = None  # a per-person rate of a range, not of a period
        begins, ends = (
            period_start(row["period"], filters.grain),
            period_end(row["period"], filters.grain),
        )
        item["label"] = begins.isoformat()
        item["partial"] = bool(report.bounds and (begins < first_day or ends > last_day))
        report.trend.append(item)
    if report.trend:
        report.counted = (
            date.fromisoformat(report.trend[0]["label"]),
            period_end(int(periods["period"].max()), filters.grain),
        )
    totals = {m: float(periods[m].sum()) if periods.height else 0.0 for m in MEASURES}
    report.totals = derive(totals)
    last = periods.tail(1).to_dicts()
    report.totals["clv"] = (
        _ratio(last[0]["cum_revenue"], last[0]["cum_customers"]) if last else None
    )
    days = (filters.start or first_day, filters.end or last_day)
    rates, by_channel = None, {}
    if report.bounds and people:
        by_channel = person_rates(
            store,
            workspace_id,
            *days,
            by="channel",
            location_id=filters.location_id,
            channel=filters.channel,
            campaign=filters.campaign,
        )
        rates = total_rates(by_channel)
    report.totals["repeat_rate"] = rates.repeat_rate if rates else None
    report.totals["retention"] = rates.retention if rates else None
    channels = (
        in_range(frame)
        .group_by("channel")
        .agg(sums)
        .sort(["revenue", "channel"], descending=[True, False])
    )
    for row in channels.iter_rows(named=True):
        if row["channel"]:
            item = derive(row)
            channel_rates = by_channel.get(row["channel"])
            item["repeat_rate"] = channel_rates.repeat_rate if channel_rates else None
            report.by_channel.append(item)
    t = report.totals
    stages = [
        ("Visits", t["visits"]),
        ("New visitors", t["visitors"]),
        ("Leads", t["leads"]),
        ("New customers", t["new_customers"]),
        ("Repeat customers", float(rates.repeaters) if rates else 0.0),
    ]
    for index, (name, value) in enumerate(stages):
        previous = stages[index - 1][1] if index else None
        report.funnel.append(
            {
                "stage": name,
                "count": value,
                "conversion": _ratio(value, previous) if previous is not None else None,
            }
        )
    return report


def by_location(store: Store, workspace_id: int, filters: KpiFilter) -> list[dict]:
    """The cube's sums and ratios per location (0: no location) over the filter's whole
    periods, with per-person repeat rate and retention over its exact days (and their
    counts, ``person_rates``)."""
    if not store.exists(CUBE_TABLE):
        return []
    con = store.duckdb([CUBE_TABLE], {})
    cube = con.table(CUBE_TABLE)
    cube = cube.filter((cube.workspace_id == workspace_id) & (cube.grain == filters.grain))
    if filters.channel:
        cube = cube.filter(cube.channel == filters.channel)
    if filters.start:
        cube = cube.filter(cube.period >= period_index(filters.start, filters.grain))
    if filters.end:
        cube = cube.filter(cube.period <= period_index(filters.end, filters.grain))
    summed = cube.group_by("location_id").aggregate(**{m: cube[m].sum() for m in ADDITIVE})
    frame = pl.from_arrow(con.to_pyarrow(summed.order_by("location_id")))
    bounds = activity_bounds(store, workspace_id)
    rates = {}
    if bounds:
        days = (filters.start or bounds[0], filters.end or bounds[1])
        rates = person_rates(store, workspace_id, *days, by="location_id", channel=filters.channel)
    rows = []
    for row in frame.iter_rows(named=True):
        item = derive({**dict.fromkeys(MEASURES, 0.0), **row})
        person = rates.get(row["location_id"])
        item["repeat_rate"] = person.repeat_rate if person else None
        item["retention"] = person.retention if person else None
        item["person_rates"] = person  # the counts (``total_rates`` adds them up)
        rows.append(item)
    return rows


def by_campaign(store: Store, workspace_id: int, filters: KpiFilter) -> dict[str, dict]:
    """The cube's additive sums (spend, leads, new customers, revenue, …) per campaign key
    over the filter's whole periods: the people a campaign acquired and what they bought."""
    if not store.exists(CUBE_TABLE):
        return {}
    con = store.duckdb([CUBE_TABLE], {})
    cube = con.table(CUBE_TABLE)
    cube = cube.filter((cube.workspace_id == workspace_id) & (cube.grain == filters.grain))
    if filters.start:
        cube = cube.filter(cube.period >= period_index(filters.start, filters.grain))
    if filters.end:
        cube = cube.filter(cube.period <= period_index(filters.end, filters.grain))
    summed = cube.group_by("campaign").aggregate(**{m: cube[m].sum() for m in ADDITIVE})
    frame = pl.from_arrow(con.to_pyarrow(summed))
    return {row.pop("campaign"): row for row in frame.iter_rows(named=True)}
