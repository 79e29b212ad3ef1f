from datetime import date

import pytest

from pacer.people.actions import upsert_locations, upsert_products
from pacer.planning.actions import record_spend, upsert_campaign

BRAND = {"page": {"url": "https://s.test/?utm_source=google&utm_medium=cpc&utm_campaign=brand"}}


def order(mid, user, when, order_id, sku, qty):
    return {
        "type": "track",
        "messageId": mid,
        "userId": user,
        "event": "Order Completed",
        "timestamp": when,
        "properties": {
            "order_id": order_id,
            "products": [{"sku": sku, "price": 100 if sku == "S1" else 50, "quantity": qty}],
        },
    }


@pytest.fixture
def small_business(workspace, tracker):
    """Three people over two months with hand-computable KPIs (see test_kpis.py)."""
    (loc,) = upsert_locations(workspace, [{"code": "L1", "name": "Austin"}])
    upsert_products(
        workspace,
        [{"sku": "S1", "price": 100, "unit_cost": 40}, {"sku": "S2", "price": 50, "unit_cost": 10}],
    )
    brand = upsert_campaign(workspace, "brand", "paid_search")
    record_spend(
        workspace,
        [
            {
                "day": date(2026, 1, 10),
                "channel": "paid_search",
                "amount": 300,
                "campaign": brand,
                "location": loc,
            },
            {
                "day": date(2026, 2, 10),
                "channel": "paid_search",
                "amount": 100,
                "campaign": brand,
                "location": loc,
            },
        ],
    )
    response = tracker.batch(
        [
            {
                "type": "page",
                "messageId": "a1",
                "anonymousId": "anon-a",
                "timestamp": "2026-01-05T09:00:00Z",
                "context": BRAND,
            },
            {
                "type": "identify",
                "messageId": "a2",
                "anonymousId": "anon-a",
                "userId": "A",
                "timestamp": "2026-01-05T09:05:00Z",
                "traits": {"email": "a@x.com", "location": "L1"},
            },
            {
                "type": "page",
                "messageId": "b1",
                "anonymousId": "anon-b",
                "timestamp": "2026-01-07T09:00:00Z",
                "context": BRAND,
            },
            {
                "type": "identify",
                "messageId": "b2",
                "anonymousId": "anon-b",
                "userId": "B",
                "timestamp": "2026-01-08T09:00:00Z",
                "traits": {"email": "b@x.com", "location": "L1"},
            },
            order("a3", "A", "2026-01-20T12:00:00Z", "o1", "S1", 1),
            {
                "type": "page",
                "messageId": "c1",
                "anonymousId": "anon-c",
                "timestamp": "2026-02-03T09:00:00Z",
                "context": {"page": {"url": "https://s.test/"}},
            },
            order("b3", "B", "2026-02-02T12:00:00Z", "o2", "S1", 2),
            order("a4", "A", "2026-02-15T12:00:00Z", "o3", "S2", 1),
        ]
    )
    assert response.json()["accepted"] == 8
    return {"location": loc}
