"""Acceptance checks suppressions: events carrying an erased person's identifiers are
dropped (answered ``suppressed``), and neither they nor a CSV import bring them back."""

import pytest

from pacer.ingest.models import Event
from pacer.people.models import Contact, Identity
from pacer.privacy.actions import erase_person

pytestmark = pytest.mark.django_db


def test_events_with_a_suppressed_identifier_are_dropped(workspace, tracker):
    tracker.batch(
        [{"type": "identify", "messageId": "m1", "userId": "u-erin", "anonymousId": "a-erin",
          "traits": {"email": "erin@example.org"}}]
    )  # fmt: skip
    erase_person(workspace, {"email": "erin@example.org"})
    assert Event.objects.count() == Contact.objects.count() == 0

    response = tracker.batch(
        [
            {"type": "page", "messageId": "m2", "anonymousId": "a-erin"},
            {"type": "track", "messageId": "m3", "userId": "u-erin", "event": "Came Back"},
            {"type": "identify", "messageId": "m4", "anonymousId": "a-new",
             "traits": {"email": " ERIN@example.org"}},
            {"type": "page", "messageId": "m5", "anonymousId": "a-someone-else"},
        ]
    )  # fmt: skip
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == [
        "suppressed",
        "suppressed",
        "suppressed",
        "accepted",
    ]
    assert response.json()["suppressed"] == 3
    assert list(Event.objects.values_list("message_id", flat=True)) == ["m5"]
    assert list(Identity.objects.values_list("value", flat=True)) == ["a-someone-else"]


def test_a_csv_import_does_not_bring_an_erased_person_back(workspace, tracker):
    from pacer.ingest.csv_io import import_contacts, import_orders

    tracker.batch(
        [{"type": "identify", "messageId": "m1", "userId": "u-erin",
          "traits": {"email": "erin@example.org"}}]
    )  # fmt: skip
    erase_person(workspace, {"email": "erin@example.org"})
    report = import_contacts(
        workspace,
        "email,first_name\nERIN@example.org,Erin\nfay@example.org,Fay\n",
        {"email": "email", "first_name": "first_name"},
    )
    assert (report.created, report.suppressed) == (1, 1)
    assert list(Contact.objects.values_list("email", flat=True)) == ["fay@example.org"]
    orders = import_orders(
        workspace,
        "order_id,user_id,placed_at,total\no1,u-erin,2026-01-05,10\no2,u-fay,2026-01-05,20\n",
        {c: c for c in ("order_id", "user_id", "placed_at", "total")},
    )
    assert (orders.created, orders.suppressed) == (1, 1)
    assert not Identity.objects.filter(value="u-erin").exists()
