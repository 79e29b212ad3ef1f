"""The tables ``refresh_cube`` writes beside the cube, row for row, on the merged business
of tests/metrics/test_cube_merges.py (worked out in its docstring): ``customer_days``
(each customer's distinct purchase days under the survivor, with the first and the next
purchase day, the acquisition and the customer's own location) and ``activity_bounds``."""

from datetime import date

import pytest

from pacer.metrics.cube import (
    BOUNDS_SCHEMA,
    BOUNDS_TABLE,
    CUSTOMER_DAYS_SCHEMA,
    CUSTOMER_DAYS_TABLE,
    refresh_cube,
)
from pacer.people.models import Contact
from pacer.warehouse.sync import default_store, sync
from tests.merged_business import hand_merged_business

pytestmark = pytest.mark.django_db
BRAND, SPRING = ("paid_search", "brand"), ("paid_social", "spring")


def day(iso: str) -> int:
    return (date.fromisoformat(iso) - date(1970, 1, 1)).days


@pytest.fixture
def business(workspace):
    locations = hand_merged_business(workspace, between=sync)
    sync(after_sync=refresh_cube)
    return locations


def test_customer_days_hold_each_survivors_purchase_days_with_the_first_and_next(
    workspace, business
):
    survivor = {
        c.email: c.pk for c in Contact.objects.filter(workspace=workspace, merged_into=None)
    }
    k, a, p = survivor["k@x.com"], survivor["a@x.com"], survivor["q@x.com"]
    l1, l2 = business["L1"].pk, business["L2"].pk
    # (customer, day, first day, next day, acquisition, home location): V's order at L2
    # counts on K's days at K's L1; A1's anonymous order of 12-30 is A's first day
    purchases = [
        (k, "2026-01-20", "2026-01-20", "2026-01-27", SPRING, l1),
        (k, "2026-01-27", "2026-01-20", "2026-02-15", SPRING, l1),
        (k, "2026-02-15", "2026-01-20", None, SPRING, l1),
        (a, "2025-12-30", "2025-12-30", "2026-01-20", BRAND, l2),
        (a, "2026-01-20", "2025-12-30", "2026-03-05", BRAND, l2),
        (a, "2026-03-05", "2025-12-30", None, BRAND, l2),
        (p, "2026-01-06", "2026-01-06", "2026-02-10", BRAND, l1),
        (p, "2026-02-10", "2026-01-06", None, BRAND, l1),
    ]
    expected = [
        {
            "workspace_id": workspace.pk,
            "customer": customer,
            "day": day(on),
            "first_day": day(first),
            "next_day": day(following) if following else None,
            "channel": channel,
            "campaign": campaign,
            "location_id": location,
        }
        for customer, on, first, following, (channel, campaign), location in purchases
    ]
    expected.sort(key=lambda row: (row["workspace_id"], row["day"], row["customer"]))
    table = default_store().arrow(CUSTOMER_DAYS_TABLE)
    assert table.schema == CUSTOMER_DAYS_SCHEMA
    assert table.to_pylist() == expected


def test_activity_bounds_run_from_the_first_event_to_the_last_order(workspace, business):
    """The first day is V's page of 2025-12-28 (before any order or spend), the last A's
    order of 2026-03-05 (after the last spend, 02-10, and the last identify, 02-20)."""
    table = default_store().arrow(BOUNDS_TABLE)
    assert table.schema == BOUNDS_SCHEMA
    assert table.to_pylist() == [
        {
            "workspace_id": workspace.pk,
            "first_day": day("2025-12-28"),
            "last_day": day("2026-03-05"),
        }
    ]
