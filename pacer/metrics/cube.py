"""The KPI cube: additive measures per workspace × grain × period × channel × campaign × location.

Built by one Ibis expression over the warehouse tables, so it runs unchanged on DuckDB
(the default) or Spark. Ratios (CAC, ROMI, conversion, repeat rate, retention, CLV) are
derived from these sums by ``pacer.metrics.selectors`` for any slice a user picks.

Which channel a measure counts under:
- spend: the channel, campaign and location it was booked to;
- visits: landing page or screen calls (those that carry a touch), under their own
  channel and campaign, and the contact's location;
- visitors, leads, new customers, orders, revenue: the contact's acquisition channel
  and campaign (first touch); location is the order's, else the contact's;
- ordering, returning and retained customers: once per customer and period, under the
  customer's acquisition channel and campaign and the customer's own location, so they
  add up across cells to distinct customers.

People are counted under their canonical contact: a merged contact's events and orders
count under the survivor, with the survivor's acquisition and dates.

Periods are integers so every engine agrees: months since year 0 (``year*12 + month-1``)
and ISO weeks counted from Monday 1970-01-05. Each source is read once for both grains:
the additive measures are summed per day first, and the days are then rolled up into
months and weeks; the distinct-customer measures are counted per customer and period of
each grain from one read of the orders.
"""

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from pacer.warehouse.store import Store
from pacer.warehouse.tables import schemas

GRAINS = ("month", "week")
DIMENSIONS = ["workspace_id", "grain", "period", "channel", "campaign", "location_id"]
# The columns every additive part is summed by before days become periods.
DAY_CELL = ["workspace_id", "day", "channel", "campaign", "location_id"]
ADDITIVE = [
    "spend",
    "visits",
    "visitors",
    "leads",
    "new_customers",
    "orders",
    "revenue",
    "cost",
]
CUSTOMER_MEASURES = ["ordering_customers", "returning_customers", "retained_customers"]
MEASURES = ADDITIVE + CUSTOMER_MEASURES
CUBE_TABLE = "kpi_cube"
CUSTOMER_DAYS_TABLE = "customer_days"
BOUNDS_TABLE = "activity_bounds"
SOURCES = schemas("events", "orders", "contacts", "spend")


def day_of(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Days since 1970-01-01 (UTC), from the epoch; the calendar (which month) is worked out
    later, once per distinct day rather than on every row of a big table."""
    return (ts.epoch_seconds() // 86_400).cast("int64")


def period_of_day(day: ir.IntegerValue, grain: str) -> ir.IntegerValue:
    """The month or week that a day (days since 1970-01-01) falls in."""
    if grain == "month":
        date = ibis.date(1970, 1, 1) + day.as_interval("D")  # calendar date, no time zone
        return (date.year() * 12 + date.month() - 1).cast("int64")
    return ((day - 4) // 7).cast("int64")  # day 4 is Monday 1970-01-05


def _pick(grain: ir.StringValue, month: ir.IntegerValue, week: ir.IntegerValue):
    """The month or the week, as the ``grain`` column names."""
    return ibis.ifelse(grain == "month", month, week)


def _each_grain(expr: ir.Table) -> ir.Table:
    """Every row once per grain, with a ``grain`` column (one pass, no second read)."""
    return expr.mutate(grain=ibis.array(list(GRAINS)).unnest())


def _daily(expr: ir.Table, **measures) -> ir.Table:
    """A day-level part: the cell's columns, zero for measures this part does not carry."""
    columns = {
        "workspace_id": expr.workspace_id.cast("int64"),
        "day": expr.day.cast("int64"),
        "channel": expr.channel.fill_null(""),
        "campaign": expr.campaign.fill_null(""),
        "location_id": expr.location_id.fill_null(0).cast("int64"),
    }
    for name in ADDITIVE:
        value = measures.get(name)
        columns[name] = (value if value is not None else ibis.literal(0.0)).cast("float64")
    return expr.select(**columns)


def _people(contacts: ir.Table) -> tuple[ir.Table, ir.Table]:
    """People (the canonical contacts) and every contact id mapped to its person."""
    people = contacts.filter(contacts.id == contacts.canonical_id)
    links = contacts.select(cid=contacts.id, canonical_id=contacts.canonical_id)
    canon = links.join(people, links.canonical_id == people.id).select(
        "cid",
        "canonical_id",
        home_location=people.location_id,
        channel=people.acquisition_channel,
        campaign=people.acquisition_campaign,
        customer_at=people.customer_at,
    )
    return people, canon


def _people_of(tables: dict[str, ir.Table]) -> tuple[ir.Table, ir.Table]:
    """``_people`` of the contacts, or the tables ``people`` and ``canon`` when the caller
    computed them once already (``refresh_cube`` on DuckDB)."""
    if "people" in tables and "canon" in tables:
        return tables["people"], tables["canon"]
    return _people(tables["contacts"])


def _additive_parts(tables: dict[str, ir.Table], people: ir.Table, canon: ir.Table) -> list:
    """Spend, visits and the dated people measures, each summed per day and cell."""
    spend = tables["spend"]
    spend = spend.select(
        "workspace_id",
        "channel",
        "campaign",
        "location_id",
        "amount",
        day=spend.day.epoch_days(),
    )
    parts = [_daily(spend.group_by(DAY_CELL).aggregate(s=ibis._.amount.sum()), spend=ibis._.s)]
    events = tables["events"]
    visits = events.filter(events.type.isin(["page", "screen"]) & (events.channel != ""))
    visits = visits.left_join(canon, visits.contact_id == canon.cid).select(
        workspace_id=visits.workspace_id,
        day=day_of(visits.timestamp),
        channel=visits.channel,
        campaign=visits.utm_campaign,
        location_id=canon.home_location,
    )
    parts.append(_daily(visits.group_by(DAY_CELL).aggregate(n=ibis._.count()), visits=ibis._.n))
    for measure, column in (
        ("visitors", "first_seen_at"),
        ("leads", "lead_at"),
        ("new_customers", "customer_at"),
    ):
        dated = people.filter(people[column].notnull())
        dated = dated.select(
            workspace_id=dated.workspace_id,
            day=day_of(dated[column]),
            channel=dated.acquisition_channel,
            campaign=dated.acquisition_campaign,
            location_id=dated.location_id,
        )
        parts.append(
            _daily(dated.group_by(DAY_CELL).aggregate(n=ibis._.count()), **{measure: ibis._.n})
        )
    return parts


def _placed_orders(orders: ir.Table, canon: ir.Table) -> ir.Table:
    """Orders under their customer (the canonical contact), with days for both grains."""
    return orders.join(canon, orders.contact_id == canon.cid).select(
        workspace_id=orders.workspace_id,
        customer=canon.canonical_id,
        day=day_of(orders.placed_at),
        first_day=day_of(canon.customer_at),
        channel=canon.channel,
        campaign=canon.campaign,
        location_id=orders.location_id.fill_null(canon.home_location),
        home_location=canon.home_location,
        total=orders.total,
        cost=orders.cost,
    )


def _customers(placed: ir.Table) -> ir.Table:
    """Ordering, returning and retained customers per grain and period.

    A customer counts once per period (under their own location); returning when their
    first order fell in an earlier period; retained when they also ordered in the period
    before. Not additive across days, so counted from the customer-periods of each grain.
    """
    months = placed.select(
        "workspace_id",
        "customer",
        channel=placed.channel.fill_null(""),
        campaign=placed.campaign.fill_null(""),
        month=period_of_day(placed.day, "month"),
        week=period_of_day(placed.day, "week"),
        first_month=period_of_day(placed.first_day, "month"),
        first_week=period_of_day(placed.first_day, "week"),
        location_id=placed.home_location.fill_null(0).cast("int64"),
    ).distinct()
    grains = _each_grain(months)
    periods = grains.select(
        "workspace_id",
        "grain",
        "customer",
        "channel",
        "campaign",
        "location_id",
        period=_pick(grains.grain, grains.month, grains.week),
        first_period=_pick(grains.grain, grains.first_month, grains.first_week),
    ).distinct()
    before = periods.select(
        b_grain=periods.grain, b_customer=periods.customer, b_next=periods.period + 1
    )
    flagged = periods.left_join(
        before,
        (periods.grain == before.b_grain)
        & (periods.customer == before.b_customer)
        & (periods.period == before.b_next),
    ).mutate(
        returning=(ibis._.first_period < ibis._.period).cast("int64"),
        retained=ibis._.b_customer.notnull().cast("int64"),
    )
    return flagged.group_by(DIMENSIONS).aggregate(
        ordering_customers=ibis._.count().cast("float64"),
        returning_customers=ibis._.returning.sum().cast("float64"),
        retained_customers=ibis._.retained.sum().cast("float64"),
    )


def cube_expression(tables: dict[str, ir.Table]) -> ir.Table:
    """The whole cube as one Ibis expression over events, orders, contacts and spend."""
    people, canon = _people_of(tables)
    placed = _placed_orders(tables["orders"], canon)
    parts = _additive_parts(tables, people, canon)
    parts.append(
        _daily(
            placed.group_by(DAY_CELL).aggregate(
                n=ibis._.count(), total=ibis._.total.sum(), c=ibis._.cost.sum()
            ),
            orders=ibis._.n,
            revenue=ibis._.total,
            cost=ibis._.c,
        )
    )
    union = ibis.union(*parts, distinct=False)
    days = union.group_by(DAY_CELL).aggregate(**{m: union[m].sum() for m in ADDITIVE})
    days = _each_grain(
        days.mutate(month=period_of_day(days.day, "month"), week=period_of_day(days.day, "week"))
    )
    additive = days.select(
        "workspace_id",
        "grain",
        period=_pick(days.grain, days.month, days.week),
        channel=days.channel,
        campaign=days.campaign,
        location_id=days.location_id,
        **{m: days[m] for m in ADDITIVE},
        **{m: ibis.literal(0.0) for m in CUSTOMER_MEASURES},
    )
    customers = _customers(placed).select(
        *DIMENSIONS,
        **{m: ibis.literal(0.0) for m in ADDITIVE},
        **{m: ibis._[m] for m in CUSTOMER_MEASURES},
    )
    union = ibis.union(additive, customers, distinct=False)
    return union.group_by(DIMENSIONS).aggregate(**{m: union[m].sum() for m in MEASURES})


CUSTOMER_DAYS_SCHEMA = pa.schema(
    [
        ("workspace_id", pa.int64()),
        ("customer", pa.int64()),
        ("day", pa.int64()),
        ("first_day", pa.int64()),
        ("next_day", pa.int64()),
        ("channel", pa.string()),
        ("campaign", pa.string()),
        ("location_id", pa.int64()),
    ]
)
BOUNDS_SCHEMA = pa.schema(
    [("workspace_id", pa.int64()), ("first_day", pa.int64()), ("last_day", pa.int64())]
)


def customer_days_expression(tables: dict[str, ir.Table]) -> ir.Table:
    """Distinct customer purchase days with each customer's first purchase day and, per
    day, the customer's next purchase day (null after the last): with it repeat rate and
    retention of any range are filtered counts, not a regrouping by customer."""
    _, canon = _people_of(tables)
    placed = _placed_orders(tables["orders"], canon)
    days = placed.select(
        workspace_id=placed.workspace_id.cast("int64"),
        customer=placed.customer.cast("int64"),
        day=placed.day.cast("int64"),
        channel=placed.channel.fill_null(""),
        campaign=placed.campaign.fill_null(""),
        location_id=placed.home_location.fill_null(0).cast("int64"),
    ).distinct()
    by_customer = ibis.window(group_by="customer", order_by="day")
    return days.select(
        "workspace_id",
        "customer",
        "day",
        first_day=days.day.min().over(ibis.window(group_by="customer")),
        next_day=days.day.lead().over(by_customer),
        channel=days.channel,
        campaign=days.campaign,
        location_id=days.location_id,
    )


def bounds_expression(tables: dict[str, ir.Table]) -> ir.Table:
    """The first and last day with an event, an order or spend, per workspace.

    Each source's earliest and latest time is found first and only those become days (a
    day is monotonic in its time), so the big event table is scanned without arithmetic
    on every row.
    """
    events, orders, spend = tables["events"], tables["orders"], tables["spend"]
    parts = [
        (events, events.timestamp, day_of),
        (orders, orders.placed_at, day_of),
        (spend, spend.day, lambda value: value.epoch_days()),
    ]
    ranges = ibis.union(
        *(
            table.group_by("workspace_id")
            .aggregate(low=column.min(), high=column.max())
            .select(
                workspace_id=ibis._.workspace_id.cast("int64"),
                low=to_day(ibis._.low).cast("int64"),
                high=to_day(ibis._.high).cast("int64"),
            )
            for table, column, to_day in parts
        ),
        distinct=False,
    )
    return ranges.group_by("workspace_id").aggregate(
        first_day=ranges.low.min(), last_day=ranges.high.max()
    )


def _refresh_people(store: Store, con, tables: dict[str, ir.Table]) -> None:
    """Rebuild ``customer_days`` and ``activity_bounds`` (``pacer.metrics.customers``)."""
    days = con.to_pyarrow(
        customer_days_expression(tables).order_by(["workspace_id", "day", "customer"])
    )
    store.replace(CUSTOMER_DAYS_TABLE, days.cast(CUSTOMER_DAYS_SCHEMA))
    bounds = con.to_pyarrow(bounds_expression(tables).order_by("workspace_id"))
    store.replace(BOUNDS_TABLE, bounds.cast(BOUNDS_SCHEMA))


def build_cube(store: Store) -> pa.Table:
    """Compute the cube on DuckDB over the store's current snapshots."""
    con = store.duckdb(list(SOURCES), SOURCES)
    expr = cube_expression({name: con.table(name) for name in SOURCES})
    return con.to_pyarrow(expr.order_by(DIMENSIONS))


def refresh_cube(store: Store) -> int:
    """Rebuild and store the cube, and the per-customer tables read beside it; returns
    the cube's row count. The contacts' mapping to their people, which every part joins,
    is computed once into temporary tables rather than once per part."""
    con = store.duckdb(list(SOURCES), SOURCES)
    tables = {name: con.table(name) for name in SOURCES}
    people, canon = _people(tables["contacts"])
    for name, expr in (("people", people), ("canon", canon)):
        sql = ibis.to_sql(expr, dialect="duckdb")
        con.con.execute(f"CREATE OR REPLACE TEMP TABLE cube_{name} AS {sql}")
        tables[name] = con.table(f"cube_{name}")
    try:
        cube = con.to_pyarrow(cube_expression(tables).order_by(DIMENSIONS))
        store.replace(CUBE_TABLE, cube)
        _refresh_people(store, con, tables)
    finally:
        for name in ("people", "canon"):
            con.con.execute(f"DROP TABLE IF EXISTS cube_{name}")
    return cube.num_rows
