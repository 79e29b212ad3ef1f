"""Accepted events are durable at once and resolved to contacts by the processing step."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pacer.ingest.models import Event
from pacer.ingest.processing import ChunkPlan, process_pending
from pacer.people.models import Account, Consent, Contact, Identity, Order
from tests.conftest import database_url
from tests.ingest.test_tracking_api import IDENTIFY, ORDER, PAGE

CONSENT = {
    "type": "track",
    "messageId": "m-consent",
    "userId": "u-42",
    "event": "Consent Updated",
    "properties": {"channel": "email", "purpose": "marketing", "granted": True},
    "timestamp": "2026-03-01T10:06:00Z",
}


@pytest.mark.django_db
def test_acknowledged_batch_is_stored_pending_and_processed_exactly_once(tracker):
    response = tracker.batch([PAGE, IDENTIFY, ORDER, CONSENT], process=False)
    assert response.json()["accepted"] == 4
    assert list(Event.objects.values_list("pending", "contact_id")) == [(True, None)] * 4
    assert (Contact.objects.count(), Identity.objects.count(), Order.objects.count()) == (0, 0, 0)
    assert Consent.objects.count() == 0

    assert process_pending() == 4
    ada = Contact.objects.get()
    assert list(Event.objects.values_list("pending", "contact_id")) == [(False, ada.pk)] * 4
    assert ada.order_count == 1 and ada.revenue == Decimal("27.50")
    assert ada.email == "ada@example.com" and ada.lifecycle_stage == "customer"
    assert Consent.objects.get().contact == ada

    assert process_pending() == 0
    ada.refresh_from_db()
    assert ada.order_count == 1 and ada.revenue == Decimal("27.50")
    assert (Contact.objects.count(), Order.objects.count(), Consent.objects.count()) == (1, 1, 1)


@pytest.mark.django_db
def test_processing_in_small_chunks_gives_the_same_person(tracker, workspace):
    later_page = {**PAGE, "messageId": "ajs-page-2", "timestamp": "2026-03-03T08:00:00Z"}
    tracker.batch([PAGE, IDENTIFY, ORDER, later_page], process=False)
    assert process_pending(workspace, chunk=1) == 4
    ada = Contact.objects.get()
    assert ada.first_seen_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert ada.last_seen_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert ada.acquisition_channel == "paid_search" and ada.order_count == 1
    assert not Event.objects.filter(pending=True).exists()


@pytest.mark.django_db
def test_duplicates_of_pending_events_are_reported_and_not_stored(tracker):
    tracker.batch([PAGE], process=False)
    response = tracker.batch([PAGE], process=False)
    assert response.json()["results"][0]["status"] == "duplicate"
    assert Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_processes_events_the_api_accepted(tracker):
    env = {**os.environ, "PACER_DATABASE_URL": database_url()}
    worker = subprocess.Popen(
        [sys.executable, "-m", "pacer.cli", "worker", "--no-schedule"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        tracker.batch([PAGE, IDENTIFY, ORDER], process=False)
        deadline = time.monotonic() + 60
        while Event.objects.filter(pending=True).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Event.objects.filter(pending=True).exists(), "the worker left events pending"
        ada = Contact.objects.get()
        assert ada.email == "ada@example.com" and ada.order_count == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.django_db
def test_a_plan_read_before_a_concurrent_change_is_made_again_under_the_lock(tracker, workspace):
    tracker.batch([PAGE, IDENTIFY])
    ada = Contact.objects.get()
    tracker.batch([ORDER], process=False)
    untouched = ChunkPlan.read(workspace.pk, 100)
    assert untouched.current()

    plan = ChunkPlan.read(workspace.pk, 100)
    # another writer (say a CSV import of an earlier order) changes Ada meanwhile
    Contact.objects.filter(pk=ada.pk).update(order_count=1, revenue=Decimal("10.00"))
    assert not plan.current()
    assert process_pending(workspace) == 1
    ada.refresh_from_db()
    assert (ada.order_count, ada.revenue) == (2, Decimal("37.50"))


@pytest.mark.django_db
def test_a_plan_whose_events_were_processed_meanwhile_writes_nothing(tracker, workspace):
    tracker.batch([PAGE, IDENTIFY, ORDER], process=False)
    plan = ChunkPlan.read(workspace.pk, 100)
    assert process_pending(workspace) == 3
    assert not plan.current()
    assert process_pending(workspace) == 0
    ada = Contact.objects.get()
    assert (ada.order_count, Order.objects.count()) == (1, 1)


@pytest.mark.django_db
def test_a_plan_read_before_an_account_changed_is_made_again(tracker, workspace):
    group = {
        "type": "group",
        "messageId": "m-group",
        "userId": "u-42",
        "groupId": "acme",
        "traits": {"name": "Acme", "industry": "tools"},
        "timestamp": "2026-03-01T10:07:00Z",
    }
    tracker.batch([IDENTIFY, group])
    later = {**group, "messageId": "m-group-2", "traits": {"employees": 40}}
    tracker.batch([later], process=False)
    plan = ChunkPlan.read(workspace.pk, 100)
    Account.objects.filter(group_id="acme").update(traits={"name": "Acme", "tier": "gold"})
    assert not plan.current()
    assert process_pending(workspace) == 1
    acme = Account.objects.get()
    assert acme.traits == {"name": "Acme", "tier": "gold", "employees": 40}
    assert Contact.objects.get().account == acme
