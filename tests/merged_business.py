"""Businesses whose contacts merge, built through the real ingestion.

Each builder sends its messages in two phases and calls ``between()`` after the first
(the tests sync the warehouse there), so the warehouse holds events and orders under
contacts that the second phase merges away — as it does when a sync runs before a merge.
"""

from collections.abc import Callable
from datetime import date

import pyarrow as pa
from django.utils import timezone

from pacer.core.models import Workspace
from pacer.demo.loader import load_business
from pacer.ingest.actions import ingest
from pacer.people.actions import upsert_locations, upsert_products
from pacer.planning.actions import record_spend, upsert_campaign
from pacer.simulate.business import Business
from pacer.simulate.segment import anonymous_id, email_of, user_id

SITE = "https://s.test/"
BRAND = SITE + "?utm_source=google&utm_medium=cpc&utm_campaign=brand"  # paid_search / brand
SPRING = SITE + "?utm_source=facebook&utm_medium=paid_social&utm_campaign=spring"
PRICES = {"S1": (100, 40), "S2": (50, 10)}  # sku: (price, unit cost)


def send(workspace: Workspace, messages: list[dict]) -> None:
    """Ingest and process the messages; every one must be accepted."""
    results = ingest(workspace, messages, received_at=timezone.now())
    assert [r.status for r in results] == ["accepted"] * len(messages), results


def who(user: str | None, anonymous: str | None) -> dict:
    return {
        **({"userId": user} if user else {}),
        **({"anonymousId": anonymous} if anonymous else {}),
    }


def page(mid: str, when: str, url: str, *, user=None, anonymous=None) -> dict:
    return {
        "type": "page",
        "messageId": mid,
        "timestamp": when,
        "context": {"page": {"url": url}},
        **who(user, anonymous),
    }


def identify(mid: str, when: str, traits: dict, *, user=None, anonymous=None) -> dict:
    return {"type": "identify", "messageId": mid, "timestamp": when, "traits": traits} | who(
        user, anonymous
    )


def order(mid, when, order_id, sku, quantity, *, user=None, anonymous=None, location=None):
    price = PRICES[sku][0] if sku in PRICES else 10
    properties = {
        "order_id": order_id,
        "products": [{"sku": sku, "price": price, "quantity": quantity}],
    }
    if location:
        properties["location"] = location
    return {
        "type": "track",
        "event": "Order Completed",
        "messageId": mid,
        "timestamp": when,
        "properties": properties,
        **who(user, anonymous),
    }


def alias(mid: str, when: str, user: str, previous: str) -> dict:
    return {
        "type": "alias",
        "messageId": mid,
        "timestamp": when,
        "userId": user,
        "previousId": previous,
    }


def spend_row(day: date, campaign, amount: float, location) -> dict:
    return {
        "day": day,
        "channel": campaign.channel,
        "amount": amount,
        "campaign": campaign,
        "location": location,
    }


def hand_merged_business(workspace: Workspace, between: Callable[[], None]) -> dict:
    """Three people, each made of two contacts that merge in the second phase, with
    orders on both sides before the merge. Worked through in tests/metrics/test_cube_merges.py.

    - K + V (identify with K's email from V's anonymous id): V, first seen earlier by
      paid social, gives K its acquisition; V ordered at the other location.
    - A + A1 (alias): A1 is only an anonymous order, before A was seen.
    - P + Q (an identify joining P's user id to Q's email): Q brings the lead.
    """
    l1, l2 = upsert_locations(
        workspace, [{"code": "L1", "name": "Austin"}, {"code": "L2", "name": "Dallas"}]
    )
    upsert_products(
        workspace, [{"sku": s, "price": p, "unit_cost": c} for s, (p, c) in PRICES.items()]
    )
    brand = upsert_campaign(workspace, "brand", "paid_search")
    spring = upsert_campaign(workspace, "spring", "paid_social")
    record_spend(
        workspace,
        [
            spend_row(date(2026, 1, 10), brand, 300, l1),
            spend_row(date(2026, 1, 10), spring, 200, l2),
            spend_row(date(2026, 2, 10), brand, 100, l1),
        ],
    )
    send(
        workspace,
        [
            page("k1", "2026-01-10T09:00:00Z", BRAND, anonymous="anon-k"),
            identify(
                "k2",
                "2026-01-10T09:05:00Z",
                {"email": "k@x.com", "location": "L1"},
                user="K",
                anonymous="anon-k",
            ),
            order("k3", "2026-01-20T12:00:00Z", "o1", "S1", 1, user="K"),
            page("v1", "2025-12-28T10:00:00Z", SPRING, anonymous="anon-v"),
            order("v2", "2026-01-27T12:00:00Z", "o2", "S2", 2, anonymous="anon-v", location="L2"),
            page("a1", "2026-01-08T09:00:00Z", BRAND, user="A"),
            identify(
                "a2", "2026-01-08T09:01:00Z", {"email": "a@x.com", "location": "L2"}, user="A"
            ),
            order("a3", "2025-12-30T12:00:00Z", "o4", "S2", 1, anonymous="anon-a"),
            order("a4", "2026-01-20T15:00:00Z", "o5", "S1", 1, user="A"),
            page("p1", "2026-01-03T09:00:00Z", BRAND, user="P"),
            identify("p2", "2026-01-03T09:01:00Z", {"location": "L1"}, user="P"),
            page("q1", "2026-01-04T09:00:00Z", SITE, anonymous="anon-q"),
            identify(
                "q2",
                "2026-01-04T09:01:00Z",
                {"email": "q@x.com", "location": "L1"},
                anonymous="anon-q",
            ),
            order("p3", "2026-01-06T12:00:00Z", "o7", "S1", 1, user="P"),
            order("q3", "2026-02-10T12:00:00Z", "o8", "S2", 1, anonymous="anon-q"),
        ],
    )
    between()
    send(
        workspace,
        [
            identify("m1", "2026-02-02T09:00:00Z", {"email": "k@x.com"}, anonymous="anon-v"),
            alias("m2", "2026-02-01T09:00:00Z", "A", "anon-a"),
            identify("m3", "2026-02-20T09:00:00Z", {"email": "q@x.com"}, user="P"),
            order("k4", "2026-02-15T12:00:00Z", "o3", "S1", 1, user="K"),
            order("a5", "2026-03-05T12:00:00Z", "o6", "S2", 1, user="A"),
        ],
    )
    return {"L1": l1, "L2": l2}


def simulated_with_merges(
    workspace: Workspace, business: Business, between: Callable[[], None], *, pairs: int
) -> int:
    """The simulated business through ingestion, then ``pairs`` merges: a visitor who never
    identified places an anonymous order, and later identifies with a lead's email (even
    pairs) or is aliased to the lead's user id (odd pairs). Returns how many merged."""
    load_business(workspace, business)
    leads = [int(c) for c in (business.lead_at >= 0).nonzero()[0]]
    anonymous = [int(c) for c in (business.lead_at < 0).nonzero()[0]]
    pairs = min(pairs, len(leads), len(anonymous))
    sku = business.config.products[0].sku
    end = business.truth["experiment"]["starts_at"][:10]
    send(
        workspace,
        [
            order(
                f"merge-order-{i}",
                f"{end}T1{i % 10}:00:00Z",
                f"merge-order-{i}",
                sku,
                1 + i % 3,
                anonymous=anonymous_id(business, anonymous[i]),
            )
            for i in range(pairs)
        ],
    )
    between()
    send(
        workspace,
        [
            identify(
                f"merge-{i}",
                f"{end}T20:00:00Z",
                {"email": email_of(business, leads[i])},
                anonymous=anonymous_id(business, anonymous[i]),
            )
            if i % 2 == 0
            else alias(
                f"merge-{i}",
                f"{end}T20:00:00Z",
                user_id(business, leads[i]),
                anonymous_id(business, anonymous[i]),
            )
            for i in range(pairs)
        ],
    )
    return pairs


def merge_in_snapshot(contacts: pa.Table, pairs: list[tuple[int, int]]) -> pa.Table:
    """The contacts snapshot as the sync writes it after ``(survivor, loser)`` merges (by
    contact id), with the survivor's fields combined as ``combine_traits`` does: earliest
    times, the earlier first touch's acquisition, the survivor's location else the
    loser's. For warehouses written by ``pacer.warehouse.bulk``, whose events and orders
    then stay under the merged-away ids, as after a sync that ran before the merges."""
    rows = contacts.to_pylist()
    index = {row["id"]: row for row in rows}
    for survivor_id, loser_id in pairs:
        survivor, loser = index[survivor_id], index[loser_id]
        assert survivor["canonical_id"] == survivor_id and loser["canonical_id"] == loser_id
        loser_first = loser["acquisition_channel"] and (
            not survivor["acquisition_channel"]
            or loser["first_seen_at"] < survivor["first_seen_at"]
        )
        if loser_first:
            for name in ("acquisition_channel", "acquisition_campaign"):
                survivor[name] = loser[name]
        for name in ("first_seen_at", "lead_at", "customer_at"):
            values = [v for v in (survivor[name], loser[name]) if v is not None]
            survivor[name] = min(values) if values else None
        survivor["location_id"] = survivor["location_id"] or loser["location_id"]
        survivor["order_count"] += loser["order_count"]
        survivor["revenue"] += loser["revenue"]
        loser["canonical_id"] = survivor_id
    return pa.Table.from_pylist(rows, schema=contacts.schema)
