"""Warehouse queries (Ibis, any engine) that reduce events and orders to the small
summaries the models in ``pacer.analytics`` take: journeys for attribution and the
frequency / recency / age / monetary summary for CLV.

People are counted under their canonical (merged) contact; every query is scoped to one
workspace.
"""

from datetime import datetime

import ibis
import ibis.expr.types as ir

WEEK_SECONDS = 7 * 86_400
OPPORTUNITY_EVENT = "Opportunity Created"  # marks opportunity creation (W-shaped, full path)
# a visit on a click's channel this close to the click is its landing (``person_touches``)
LANDING_BEFORE = 60  # seconds before the click (the device's clock, corrected, may lag)
LANDING_AFTER = 30 * 60  # seconds after it


def _people(tables: dict[str, ir.Table], workspace_id: int):
    contacts = tables["contacts"]
    contacts = contacts.filter(contacts.workspace_id == workspace_id)
    people = contacts.filter(contacts.id == contacts.canonical_id)
    links = contacts.select(cid=contacts.id, canonical_id=contacts.canonical_id)
    return people, links


def journey_tables(
    tables: dict[str, ir.Table], workspace_id: int, start: datetime, end: datetime
) -> tuple[ir.Table, ir.Table]:
    """Touches and outcomes for the people first seen in ``[start, end)``.

    The conversion is becoming a customer (the first order) before ``end``; its value is
    that first order's total. Touches (``touches``) are the visits that carry a channel
    (landing pages and screens) and the clicks on broadcasts' tracked links (channel
    ``email`` or ``sms``, campaign the broadcast's: ``broadcast_campaign``), a click's
    landing visit not counted apart (``person_touches``), up to the conversion (or
    ``end``). ``lead_at`` and ``opportunity_at``
    (the first ``track`` "Opportunity Created") ride along so the caller can mark the
    milestone touches: the last touch at or before each.
    """
    people, links = _people(tables, workspace_id)
    cohort = people.filter((people.first_seen_at >= start) & (people.first_seen_at < end))
    orders = tables["orders"]
    orders = orders.filter(orders.workspace_id == workspace_id)
    firsts = (
        orders.join(links, orders.contact_id == links.cid)
        .group_by("canonical_id")
        .aggregate(first_total=ibis._.total.argmin(ibis._.placed_at))
    )
    events = tables["events"]
    opportunities = (
        events.filter(
            (events.workspace_id == workspace_id)
            & (events.type == "track")
            & (events.event == OPPORTUNITY_EVENT)
        )
        .join(links, events.contact_id == links.cid)
        .group_by(person=ibis._.canonical_id)
        .aggregate(opportunity_at=ibis._.timestamp.min())
    )
    converted = cohort.customer_at.notnull() & (cohort.customer_at < end)
    outcomes = (
        cohort.left_join(firsts, cohort.id == firsts.canonical_id)
        .left_join(opportunities, cohort.id == opportunities.person)
        .select(
            journey_id=cohort.id,
            converted=converted,
            converted_at=ibis.ifelse(converted, cohort.customer_at, ibis.literal(end)),
            value=ibis.ifelse(converted, firsts.first_total.fill_null(0.0), 0.0),
            lead_at=cohort.lead_at,
            opportunity_at=opportunities.opportunity_at,
        )
    )
    touches = person_touches(tables, workspace_id, links)
    touches = (
        touches.join(outcomes, touches.person == outcomes.journey_id)
        .filter(lambda t: t.timestamp <= t.converted_at)
        .select("journey_id", "channel", "campaign", "timestamp")
    )
    with_touches = touches.select("journey_id").distinct()
    outcomes = outcomes.semi_join(with_touches, outcomes.journey_id == with_touches.journey_id)
    return touches, outcomes


def broadcast_campaign(channel: str, broadcast_id: int) -> str:
    """The campaign a broadcast's clicks count under in attribution (no broadcast has a
    campaign of the planning module's: each is its own).

    >>> broadcast_campaign("sms", 7)
    'sms broadcast 7'
    """
    return f"{channel} broadcast {broadcast_id}"


def message_touches(tables: dict[str, ir.Table], workspace_id: int, links: ir.Table) -> ir.Table:
    """The workspace's clicks on broadcasts' tracked links as touches: ``person`` (the
    canonical contact), ``channel``, ``campaign`` (``broadcast_campaign``), ``timestamp``
    and ``broadcast_id``."""
    clicks = tables["message_clicks"]
    clicks = clicks.filter(clicks.workspace_id == workspace_id)
    return clicks.join(links, clicks.contact_id == links.cid).select(
        person=ibis._.canonical_id,
        channel=ibis._.channel,
        campaign=ibis._.channel.concat(" broadcast ", ibis._.broadcast_id.cast("string")),
        timestamp=ibis._.at,
        broadcast_id=ibis._.broadcast_id,
    )


def person_touches(
    tables: dict[str, ir.Table],
    workspace_id: int,
    links: ir.Table,
    clicks: ir.Table | None = None,
) -> ir.Table:
    """Every touch of the workspace's people (``person``, ``channel``, ``campaign``,
    ``timestamp``): the visits that carry a channel and the clicks on broadcasts
    (``message_touches``, or ``clicks`` when the caller has them), less each click's
    landing.

    A click on a tracked link and the visit its redirect leads to are one touch: a visit
    (page or screen) by the same person on the click's channel (``email`` or ``sms``) from
    ``LANDING_BEFORE`` before the click to ``LANDING_AFTER`` after it (both included) is
    the click's landing and is left out; the click stays, as it names its broadcast. A
    visit on another channel, or further from every click, stays a touch of its own."""
    if clicks is None:
        clicks = message_touches(tables, workspace_id, links)
    events = tables["events"]
    visits = events.filter(
        (events.workspace_id == workspace_id)
        & events.type.isin(["page", "screen"])
        & (events.channel != "")
    )
    visits = visits.join(links, visits.contact_id == links.cid).select(
        person=links.canonical_id,
        channel=visits.channel,
        campaign=visits.utm_campaign,
        timestamp=visits.timestamp,
    )
    landings = [
        visits.person == clicks.person,
        visits.channel == clicks.channel,
        visits.timestamp >= clicks.timestamp - ibis.interval(seconds=LANDING_BEFORE),
        visits.timestamp <= clicks.timestamp + ibis.interval(seconds=LANDING_AFTER),
    ]
    visits = visits.anti_join(clicks, landings)
    return ibis.union(visits, clicks.drop("broadcast_id"), distinct=False)


def order_journey_tables(
    tables: dict[str, ir.Table], workspace_id: int, lookback_days: int
) -> tuple[ir.Table, ir.Table]:
    """Per-order journeys for crediting orders to broadcasts: ``orders`` (``journey_id``
    the order's id, ``contact_id`` who placed it, ``placed_at``, ``value`` its total)
    are the workspace's orders placed within ``lookback_days`` days after a click on a
    broadcast by the same person (both ends included), and ``touches`` (``journey_id``,
    ``channel``, ``campaign``, ``timestamp``) every touch of that person in the
    ``lookback_days`` days up to the order (both ends included): visits with a channel and
    broadcast clicks, less the clicks' landings (``person_touches``). A person's merged
    contacts count as one."""
    _, links = _people(tables, workspace_id)
    lookback = ibis.interval(days=lookback_days)
    orders = tables["orders"]
    orders = orders.filter(orders.workspace_id == workspace_id)
    orders = orders.join(links, orders.contact_id == links.cid).select(
        journey_id=orders.id,
        contact_id=orders.contact_id,
        person=links.canonical_id,
        placed_at=orders.placed_at,
        value=orders.total,
    )
    clicks = message_touches(tables, workspace_id, links)

    def within(order: ir.Table, touch: ir.Table) -> list:
        return [
            order.person == touch.person,
            touch.timestamp <= order.placed_at,
            touch.timestamp >= order.placed_at - lookback,
        ]

    credited = orders.semi_join(clicks, within(orders, clicks))
    touches = person_touches(tables, workspace_id, links, clicks)
    touches = credited.join(touches, within(credited, touches)).select(
        journey_id=credited.journey_id,
        channel=touches.channel,
        campaign=touches.campaign,
        timestamp=touches.timestamp,
    )
    return touches, credited.drop("person")


def customer_summary(
    tables: dict[str, ir.Table],
    workspace_id: int,
    calibration_end: datetime,
    observation_end: datetime | None = None,
) -> ir.Table:
    """Per customer: ``x`` repeat purchase days, ``t_x`` and ``T`` in weeks since the first
    purchase, ``m`` mean repeat-order value, ``revenue`` of all its orders up to
    ``calibration_end``, and ``x_holdout`` (purchase days in the holdout
    ``(calibration_end, observation_end]``, when given).

    Several orders on one day count as one purchase, as in Fader, Hardie & Lee (2005).
    """
    _, links = _people(tables, workspace_id)
    orders = tables["orders"]
    orders = orders.filter(orders.workspace_id == workspace_id).join(
        links, orders.contact_id == links.cid
    )
    daily = orders.group_by(
        customer=orders.canonical_id, day=orders.placed_at.truncate("D")
    ).aggregate(total=ibis._.total.sum())
    calibration = daily.filter(daily.day <= calibration_end)
    seconds = ibis._.day.epoch_seconds()
    summary = calibration.group_by("customer").aggregate(
        purchases=ibis._.count(),
        first=seconds.min(),
        last=seconds.max(),
        total=ibis._.total.sum(),
        first_total=ibis._.total.argmin(ibis._.day),
    )
    end_seconds = int(calibration_end.timestamp())
    summary = summary.select(
        "customer",
        x=(summary.purchases - 1).cast("float64"),
        t_x=((summary.last - summary.first) / WEEK_SECONDS).cast("float64"),
        T=((end_seconds - summary.first) / WEEK_SECONDS).cast("float64"),
        m=ibis.ifelse(
            summary.purchases > 1,
            (summary.total - summary.first_total) / (summary.purchases - 1),
            0.0,
        ).cast("float64"),
        revenue=summary.total.cast("float64"),
    )
    if observation_end is None:
        return summary
    holdout = (
        daily.filter((daily.day > calibration_end) & (daily.day <= observation_end))
        .group_by("customer")
        .aggregate(x_holdout=ibis._.count())
    )
    joined = summary.left_join(holdout, summary.customer == holdout.customer)
    return joined.select(
        customer=summary.customer,
        x=summary.x,
        t_x=summary.t_x,
        T=summary.T,
        m=summary.m,
        revenue=summary.revenue,
        x_holdout=joined.x_holdout.fill_null(0).cast("float64"),
    )
