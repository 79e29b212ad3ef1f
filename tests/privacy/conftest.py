"""A workspace with three people and a synced warehouse. Erin is the one the tests
erase: two anonymous sessions merged into one contact, a user id, an email, a phone,
an order with lines, consent, an experiment exposure and audit entries about her."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from pacer.experiments.actions import assign_unit, create_experiment, set_status
from pacer.metrics.cube import refresh_cube
from pacer.people.models import Contact, Identity
from pacer.warehouse.sync import sync

UTM = {"page": {"url": "https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=spring"}}
ERIN_EMAIL = "Erin.Erased@Example.org"
ERIN_PHONE = "+1 (555) 010-0999"
ERIN_USER = "user-erin-7f3"
ERIN_ANONS = ("anon-erin-1", "anon-erin-2")
# How each of Erin's identifiers could appear anywhere, lowercased.
ERIN_TRACES = (
    "erin.erased@example.org",
    "5550100999",
    "(555) 010-0999",
    ERIN_USER,
    *ERIN_ANONS,
)


def order(mid: str, user: str, order_id: str, when: str, quantity: int) -> dict:
    return {
        "type": "track",
        "messageId": mid,
        "userId": user,
        "event": "Order Completed",
        "timestamp": when,
        "properties": {
            "order_id": order_id,
            "products": [{"sku": "SKU-1", "price": 40, "quantity": quantity}],
        },
    }


@dataclass
class People:
    erin: list[int]  # her contact ids: the survivor first, then the merged-away one
    quinn: int
    rae: int


def load_people(workspace, tracker, *, warehouse: bool) -> People:
    tracker.batch(
        [
            {"type": "page", "messageId": "e1", "anonymousId": ERIN_ANONS[0],
             "timestamp": "2026-02-01T09:00:00Z", "context": UTM},
            {"type": "page", "messageId": "e2", "anonymousId": ERIN_ANONS[1],
             "timestamp": "2026-02-01T09:01:00Z"},
            {"type": "page", "messageId": "q1", "anonymousId": "anon-quinn",
             "timestamp": "2026-02-01T09:02:00Z", "context": UTM},
            {"type": "identify", "messageId": "q2", "anonymousId": "anon-quinn",
             "userId": "user-quinn", "timestamp": "2026-02-01T09:03:00Z",
             "traits": {"email": "quinn@example.com", "firstName": "Quinn"}},
            {"type": "page", "messageId": "r1", "anonymousId": "anon-rae",
             "timestamp": "2026-02-01T09:04:00Z"},
        ]
    )  # fmt: skip
    tracker.batch(
        [
            {"type": "identify", "messageId": "e3", "anonymousId": ERIN_ANONS[0],
             "userId": ERIN_USER, "timestamp": "2026-02-02T10:00:00Z",
             "traits": {"email": ERIN_EMAIL, "phone": ERIN_PHONE, "firstName": "Erin"}},
            # her second session gives the same email: the two contacts merge
            {"type": "identify", "messageId": "e4", "anonymousId": ERIN_ANONS[1],
             "timestamp": "2026-02-02T10:05:00Z", "traits": {"email": ERIN_EMAIL}},
            order("e5", ERIN_USER, "ORD-ERIN", "2026-02-03T11:00:00Z", 2),
            {"type": "track", "messageId": "e6", "userId": ERIN_USER, "event": "Consent Updated",
             "timestamp": "2026-02-03T11:01:00Z",
             "properties": {"channel": "email", "purpose": "marketing", "granted": True}},
            order("q3", "user-quinn", "ORD-QUINN", "2026-02-04T12:00:00Z", 1),
            {"type": "track", "messageId": "r2", "anonymousId": "anon-rae",
             "event": "Viewed Product", "timestamp": "2026-02-04T12:05:00Z",
             "properties": {"sku": "SKU-1"}},
        ]
    )  # fmt: skip
    experiment = create_experiment(
        workspace,
        key="checkout",
        name="Checkout",
        variants=[{"key": "control", "weight": 1}, {"key": "new", "weight": 1}],
        metric="conversion",
    )
    experiment = set_status(experiment, "running", now=timezone.now())
    for unit in (ERIN_USER, ERIN_ANONS[1], "user-quinn", "anon-rae"):
        assign_unit(experiment, unit, now=timezone.now())
    if warehouse:
        sync(after_sync=refresh_cube)
    # A later identify synced on its own: a Delta file (and its log statistics) holding
    # only Erin's rows.
    tracker.batch(
        [{"type": "identify", "messageId": "e7", "userId": ERIN_USER,
          "timestamp": "2026-02-05T08:00:00Z", "traits": {"email": ERIN_EMAIL, "plan": "gold"}}]
    )  # fmt: skip
    if warehouse:
        sync(after_sync=refresh_cube)

    def holder(kind: str, value: str) -> int:
        return Identity.objects.get(workspace=workspace, kind=kind, value=value).contact_id

    survivor = holder("user_id", ERIN_USER)
    merged = list(Contact.objects.filter(merged_into_id=survivor).values_list("id", flat=True))
    assert len(merged) == 1, "the fixture must merge Erin's two sessions"
    return People(
        erin=[survivor, *merged],
        quinn=holder("user_id", "user-quinn"),
        rae=holder("anonymous_id", "anon-rae"),
    )


@pytest.fixture
def people(workspace, tracker) -> People:
    """The three people, in the database and in a synced warehouse."""
    return load_people(workspace, tracker, warehouse=True)


@pytest.fixture
def people_in_db(workspace, tracker) -> People:
    """The three people in the database only (for tests of refusals and permissions)."""
    return load_people(workspace, tracker, warehouse=False)
