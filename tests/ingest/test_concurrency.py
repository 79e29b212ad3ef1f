"""Concurrent writers hit at the exact moment between planning and writing.

A ``pacer.core.faults`` hook runs another connection's change (in a thread: Django gives
each thread its own connection) when processing or acceptance reaches a point, so the
branches that handle it (plan again under the lock, retry after a unique-key conflict)
really run.
"""

import logging
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from pacer.core import faults
from pacer.core.models import ChangeBatch
from pacer.ingest.actions import accept
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.people.models import Contact, Order, OrderLine, Product
from tests.ingest.test_tracking_api import IDENTIFY, ORDER, PAGE

pytestmark = pytest.mark.django_db(transaction=True)


def from_another_connection(change) -> None:
    """Run ``change`` on another database connection and wait until it has committed."""
    errors = []

    def run():
        try:
            change()
        except Exception as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the concurrent change never finished"
    assert not errors, errors


def once(change):
    """A hook that makes ``change`` the first time only."""
    done = []

    def hook():
        if not done:
            done.append(True)
            from_another_connection(change)

    return hook


def test_a_contact_changed_between_plan_and_write_keeps_both_changes(tracker, workspace, caplog):
    tracker.batch([PAGE, IDENTIFY])
    ada = Contact.objects.get()
    tracker.batch([ORDER], process=False)

    def import_an_earlier_order():
        Contact.objects.filter(pk=ada.pk).update(order_count=1, revenue=Decimal("10.00"))

    with (
        faults.hooked("process.planned", once(import_an_earlier_order)),
        caplog.at_level(logging.INFO, logger="pacer.ingest.processing"),
    ):
        assert process_pending(workspace) == 1
    assert "changed while planned; planning again" in caplog.text
    ada.refresh_from_db()
    assert (ada.order_count, ada.revenue) == (2, Decimal("37.50"))


def test_a_product_created_by_another_writer_after_the_plan_makes_processing_retry(
    tracker, workspace
):
    tracker.batch([PAGE, IDENTIFY])
    tracker.batch([ORDER], process=False)

    def catalogue_import():
        # processing's re-check under the lock does not cover the catalogue: the
        # product's unique key stops the write, and the retry plans with the new product
        Product.objects.create(workspace=workspace, sku="45790-32", name="Monopoly (catalogue)")

    with faults.hooked("process.planned", once(catalogue_import)):
        assert process_pending(workspace) == 1
    product = Product.objects.get(sku="45790-32")
    assert product.name == "Monopoly (catalogue)"
    assert OrderLine.objects.get(sku="45790-32").product == product
    assert Order.objects.count() == 1 and not Event.objects.filter(pending=True).exists()
    assert Event.objects.filter(quarantined_at__isnull=False).count() == 0
    assert ChangeBatch.objects.filter(source="events").count() == 2  # one per processing


@pytest.mark.skipif(
    "connection.vendor == 'sqlite'",
    reason="SQLite takes its write lock at BEGIN, so no other batch can insert between the "
    "duplicate check and the insert",
)
def test_a_message_stored_by_a_concurrent_batch_after_the_check_is_reported_duplicate(
    workspace,
):
    assert connection.vendor == "postgresql"

    def same_message_from_a_retrying_sdk():
        results = accept(workspace, [PAGE], received_at=timezone.now())
        assert results[0].status == "accepted"

    with faults.hooked("accept.checked", once(same_message_from_a_retrying_sdk)):
        results = accept(
            workspace, [PAGE, {**PAGE, "messageId": "new"}], received_at=timezone.now()
        )
    assert [r.status for r in results] == ["duplicate", "accepted"]
    assert sorted(Event.objects.values_list("message_id", flat=True)) == ["ajs-page-1", "new"]
