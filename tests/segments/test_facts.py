"""The facts the change feed's evaluation reads through the driver (``core.bulk.
fetch_values`` in the people and ingest selectors) are what the ORM gave: only processed,
unquarantined track events of the names asked, consent decisions as booleans, the
latest decision by (time, id), a line's SKU else its product's, live contacts only."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pacer.ingest import selectors as events
from pacer.ingest.models import Event
from pacer.people import selectors as people
from pacer.people.models import Consent, Contact, Location, Order, OrderLine, Product

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_events_read_for_the_feed_are_processed_unquarantined_track_events(workspace):
    ann = Contact.objects.create(workspace=workspace, email="ann@x.io")
    for n, (kind, name, pending, quarantined) in enumerate(
        [
            ("track", "Viewed", False, None),
            ("track", "Viewed", True, None),
            ("track", "Viewed", False, NOW),
            ("page", "Viewed", False, None),
            ("track", "Other", False, None),
        ]
    ):
        Event.objects.create(
            workspace=workspace,
            message_id=f"m{n}",
            contact=ann,
            type=kind,
            event=name,
            timestamp=NOW - timedelta(days=n),
            received_at=NOW,
            pending=pending,
            quarantined_at=quarantined,
            properties={"n": n},
        )
    assert events.track_events_of(workspace.pk, [ann.pk], ["Viewed"]) == [
        (ann.pk, "Viewed", NOW, {"n": 0})
    ]


def test_profiles_consents_and_orders_read_for_the_feed(workspace):
    nyc = Location.objects.create(workspace=workspace, code="nyc", name="New York")
    ann = Contact.objects.create(workspace=workspace, email="ann@x.io", location=nyc)
    bob = Contact.objects.create(workspace=workspace, email="bob@x.io")
    gone = Contact.objects.create(workspace=workspace, email="gone@x.io", merged_into=ann)
    found = people.profiles(workspace, [ann.pk, bob.pk, gone.pk])
    assert sorted((row["id"], row["location_code"]) for row in found) == [
        (ann.pk, "nyc"),
        (bob.pk, ""),
    ]
    for n, granted in enumerate([True, False, True]):
        Consent.objects.create(
            workspace=workspace,
            contact=ann,
            channel="email",
            purpose="marketing" if n < 2 else "news",
            granted=granted,
            source="test",
            recorded_at=NOW,  # the same time: the later id decides
        )
    assert people.latest_consents(workspace, [ann.pk, bob.pk]) == {
        ann.pk: {("email", "marketing"): False, ("email", "news"): True}
    }
    shoe = Product.objects.create(workspace=workspace, sku="SHOE", name="Shoe")
    order = Order.objects.create(workspace=workspace, contact=ann, placed_at=NOW, total="12.50")
    OrderLine.objects.create(workspace=workspace, order=order, product=shoe, unit_price=5)
    OrderLine.objects.create(workspace=workspace, order=order, sku="HAT", unit_price=5)
    assert people.orders_with_skus(workspace, [ann.pk, bob.pk]) == [
        (ann.pk, NOW, Decimal("12.50"), {"SHOE", "HAT"})
    ]
