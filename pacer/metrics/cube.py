"""The KPI cube: additive measures per workspace × grain × period × channel × campaign × location.

Built by one Ibis expression over the warehouse tables, so it runs unchanged on DuckDB
(the default) or Spark. Ratios (CAC, ROMI, conversion, repeat rate, retention, CLV) are
derived from these sums by ``pacer.metrics.selectors`` for any slice a user picks.

Which channel a measure counts under:
- spend: the channel, campaign and location it was booked to;
- visits: landing page or screen calls (those that carry a touch), under their own
  channel and campaign;
- visitors, leads, new customers, orders, revenue: the contact's acquisition channel
  and campaign (first touch); location is the order's, else the contact's.

Periods are integers so every engine agrees: months since year 0 (``year*12 + month-1``)
and ISO weeks counted from Monday 1970-01-05.
"""

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from pacer.warehouse.store import Store
from pacer.warehouse.tables import schemas

GRAINS = ("month", "week")
# The columns every part is grouped by before the cube adds its grain.
CELL = ["workspace_id", "period", "channel", "campaign", "location_id"]
DIMENSIONS = ["workspace_id", "grain", "period", "channel", "campaign", "location_id"]
MEASURES = [
    "spend",
    "visits",
    "visitors",
    "leads",
    "new_customers",
    "orders",
    "revenue",
    "cost",
    "ordering_customers",
    "returning_customers",
    "retained_customers",
]
CUBE_TABLE = "kpi_cube"
SOURCES = schemas("events", "orders", "contacts", "spend")


def period_of(ts: ir.TimestampValue, grain: str) -> ir.IntegerValue:
    if grain == "month":
        return (ts.year() * 12 + ts.month() - 1).cast("int64")
    seconds = ts.epoch_seconds().cast("int64")
    return ((seconds // 86400 - 4) // 7).cast("int64")


def _shape(expr: ir.Table, grain: str, **measures) -> ir.Table:
    """Select the cube's columns, zero for measures this part does not carry."""
    columns = {
        "workspace_id": expr.workspace_id.cast("int64"),
        "grain": ibis.literal(grain),
        "period": expr.period.cast("int64"),
        "channel": expr.channel.fill_null(""),
        "campaign": expr.campaign.fill_null(""),
        "location_id": expr.location_id.fill_null(0).cast("int64"),
    }
    for name in MEASURES:
        value = measures.get(name)
        columns[name] = (value if value is not None else ibis.literal(0.0)).cast("float64")
    return expr.select(**columns)


def cube_expression(tables: dict[str, ir.Table]) -> ir.Table:
    """The whole cube as one Ibis expression over events, orders, contacts and spend."""
    contacts = tables["contacts"]
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
    parts = []
    for grain in GRAINS:
        spend = tables["spend"]
        spend = spend.mutate(period=period_of(spend.day.cast("timestamp"), grain))
        parts.append(
            _shape(
                spend.group_by(CELL).aggregate(spend=spend.amount.sum()),
                grain,
                spend=ibis._.spend,
            )
        )

        events = tables["events"]
        visits = events.filter(events.type.isin(["page", "screen"]) & (events.channel != ""))
        visits = visits.left_join(canon, visits.contact_id == canon.cid).select(
            workspace_id=visits.workspace_id,
            period=period_of(visits.timestamp, grain),
            channel=visits.channel,
            campaign=visits.utm_campaign,
            location_id=canon.home_location,
        )
        parts.append(
            _shape(
                visits.group_by(CELL).aggregate(visits=ibis._.count()),
                grain,
                visits=ibis._.visits,
            )
        )

        for measure, column in (
            ("visitors", "first_seen_at"),
            ("leads", "lead_at"),
            ("new_customers", "customer_at"),
        ):
            dated = people.filter(people[column].notnull())
            dated = dated.select(
                workspace_id=dated.workspace_id,
                period=period_of(dated[column], grain),
                channel=dated.acquisition_channel,
                campaign=dated.acquisition_campaign,
                location_id=dated.location_id,
            )
            parts.append(
                _shape(
                    dated.group_by(CELL).aggregate(n=ibis._.count()),
                    grain,
                    **{measure: ibis._.n},
                )
            )

        orders = tables["orders"]
        placed = orders.join(canon, orders.contact_id == canon.cid).select(
            workspace_id=orders.workspace_id,
            customer=canon.canonical_id,
            period=period_of(orders.placed_at, grain),
            channel=canon.channel,
            campaign=canon.campaign,
            location_id=orders.location_id.fill_null(canon.home_location),
            total=orders.total,
            cost=orders.cost,
            customer_at=canon.customer_at,
        )
        per_customer = placed.group_by(
            ["workspace_id", "customer", "period", "channel", "campaign", "location_id"]
        ).aggregate(
            orders=ibis._.count(),
            revenue=ibis._.total.sum(),
            cost=ibis._.cost.sum(),
            first_order_period=period_of(ibis._.customer_at.min(), grain),
        )
        previous = per_customer.select(
            p_customer=per_customer.customer, p_period=per_customer.period + 1
        ).distinct()
        flagged = per_customer.left_join(
            previous,
            (per_customer.customer == previous.p_customer)
            & (per_customer.period == previous.p_period),
        ).mutate(
            returning=(ibis._.first_order_period < ibis._.period).cast("int64"),
            retained=ibis._.p_customer.notnull().cast("int64"),
        )
        parts.append(
            _shape(
                flagged.group_by(CELL).aggregate(
                    orders=ibis._.orders.sum(),
                    revenue=ibis._.revenue.sum(),
                    cost=ibis._.cost.sum(),
                    ordering=ibis._.count(),
                    returning=ibis._.returning.sum(),
                    retained=ibis._.retained.sum(),
                ),
                grain,
                orders=ibis._.orders,
                revenue=ibis._.revenue,
                cost=ibis._.cost,
                ordering_customers=ibis._.ordering,
                returning_customers=ibis._.returning,
                retained_customers=ibis._.retained,
            )
        )
    union = ibis.union(*parts, distinct=False)
    return union.group_by(DIMENSIONS).aggregate(**{m: union[m].sum() for m in MEASURES})


def build_cube(store: Store) -> pa.Table:
    """Compute the cube on DuckDB over the store's current snapshots."""
    con = store.duckdb(list(SOURCES), SOURCES)
    expr = cube_expression({name: con.table(name) for name in SOURCES})
    return con.to_pyarrow(expr.order_by(DIMENSIONS))


def refresh_cube(store: Store) -> int:
    """Rebuild and store the cube; returns its row count."""
    cube = build_cube(store)
    store.replace(CUBE_TABLE, cube)
    return cube.num_rows
