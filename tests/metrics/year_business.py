"""A year of a two-location business whose per-person numbers are worked out by hand.

Customers (user, home location, order days in 2025; a second order on the same day is
the same purchase day):

    P1  North  10 Jan, 20 Feb, 15 Mar
    P2  North  25 Jan
    P3  South  5 Feb, 5 Feb (two orders, one day)
    P4  South  28 Feb, 2 Apr
    P5  North  10 Mar, 1 May, 30 Jun
    P6  South  15 Jun
    P7  North  20 Dec 2024, 3 Jan 2025   (first order before 2025)
    P8  South  28 Dec 2025, 5 Jan 2026   (repeats only after 2025)

Spend: 1,000 on North and 500 on South on 1 Jan 2025 (paid search), 400 on TV on
1 Feb 2025 (North). Data runs from 20 Dec 2024 to 5 Jan 2026.
"""

from datetime import date

from pacer.people.actions import upsert_locations, upsert_products
from pacer.planning.actions import record_spend

CUSTOMERS = {
    "P1": ("N", ["2025-01-10", "2025-02-20", "2025-03-15"]),
    "P2": ("N", ["2025-01-25"]),
    "P3": ("S", ["2025-02-05", "2025-02-05"]),
    "P4": ("S", ["2025-02-28", "2025-04-02"]),
    "P5": ("N", ["2025-03-10", "2025-05-01", "2025-06-30"]),
    "P6": ("S", ["2025-06-15"]),
    "P7": ("N", ["2024-12-20", "2025-01-03"]),
    "P8": ("S", ["2025-12-28", "2026-01-05"]),
}
SEARCH = {"page": {"url": "https://s.test/?utm_source=google&utm_medium=cpc&utm_campaign=brand"}}


def build_year_business(workspace, tracker) -> dict:
    north, south = upsert_locations(
        workspace, [{"code": "N", "name": "North"}, {"code": "S", "name": "South"}]
    )
    upsert_products(workspace, [{"sku": "S1", "price": 100, "unit_cost": 40}])
    record_spend(
        workspace,
        [
            {"day": date(2025, 1, 1), "channel": "paid_search", "amount": 1000, "location": north},
            {"day": date(2025, 1, 1), "channel": "paid_search", "amount": 500, "location": south},
            {"day": date(2025, 2, 1), "channel": "tv", "amount": 400, "location": north},
        ],
    )
    messages = []
    for user, (location, days) in CUSTOMERS.items():
        first = days[0]
        messages.append(
            {
                "type": "page",
                "messageId": f"{user}-page",
                "anonymousId": f"anon-{user}",
                "timestamp": f"{first}T08:00:00Z",
                "context": SEARCH,
            }
        )
        messages.append(
            {
                "type": "identify",
                "messageId": f"{user}-id",
                "anonymousId": f"anon-{user}",
                "userId": user,
                "timestamp": f"{first}T08:05:00Z",
                "traits": {"email": f"{user.lower()}@x.com", "location": location},
            }
        )
        for index, day in enumerate(days):
            messages.append(
                {
                    "type": "track",
                    "messageId": f"{user}-o{index}",
                    "userId": user,
                    "event": "Order Completed",
                    "timestamp": f"{day}T12:{index:02d}:00Z",
                    "properties": {
                        "order_id": f"{user}-{index}",
                        "products": [{"sku": "S1", "price": 100, "quantity": 1}],
                    },
                }
            )
    response = tracker.batch(messages)
    assert response.json()["accepted"] == len(messages), response.json()
    return {"north": north, "south": south}
