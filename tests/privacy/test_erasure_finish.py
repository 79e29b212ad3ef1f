"""The worker's ``privacy-finish`` loop completes erasures left ``warehouse_pending``: it
deletes the contacts' warehouse rows, rebuilds what is derived, adds the warehouse counts
to the request and closes it; it skips its turn while a sync holds the lock. (The killed
erasure it finishes is in test_erasure_crash.py, which mutation runs leave out.)"""

import pytest
from django.utils import timezone

from pacer.metrics.cube import CUBE_TABLE
from pacer.privacy import lake
from pacer.privacy.actions import finish_erasures
from pacer.privacy.models import PrivacyRequest
from pacer.warehouse.sync import default_store
from tests.privacy.test_erasure import warehouse_rows

pytestmark = pytest.mark.django_db


def pending(workspace, contact_ids, counts) -> PrivacyRequest:
    """An erasure whose database step committed and whose warehouse step did not."""
    return PrivacyRequest.objects.create(
        workspace=workspace,
        kind="erase",
        status="warehouse_pending",
        actor_label="system",
        counts=counts,
        pending_contact_ids=contact_ids,
        requested_at=timezone.now(),
    )


def orders_in_cube(workspace) -> float:
    rows = default_store().arrow(CUBE_TABLE).to_pylist()
    return sum(
        r["orders"] for r in rows if r["workspace_id"] == workspace.pk and r["grain"] == "month"
    )


def test_the_loop_finishes_each_pending_erasure_and_adds_the_warehouse_counts(workspace, people):
    store = default_store()
    held = {
        f"warehouse.{name}": len(found)
        for name, found in lake.read_person(store, people.erin).items()
    }
    assert held["warehouse.events"] == 7 and held["warehouse.contacts"] == 2  # the premise
    survivor, merged = people.erin
    others = warehouse_rows({people.quinn, people.rae})
    assert orders_in_cube(workspace) == 2  # Erin's order and Quinn's
    first = pending(workspace, [survivor], {"contacts": 1, "warehouse.events": 1})
    second = pending(workspace, [merged], {"contacts": 1})
    done = PrivacyRequest.objects.create(
        workspace=workspace,
        kind="erase",
        status="done",
        actor_label="system",
        counts={"contacts": 5},
        requested_at=timezone.now(),
    )

    assert finish_erasures() == 2

    by_request = {}
    for request in (first, second):
        request.refresh_from_db()
        assert (request.status, request.pending_contact_ids) == ("done", [])
        assert request.finished_at is not None
        by_request[request.pk] = request.counts
    # each request's own counts kept, the warehouse's added (to the 1 already there)
    added = {
        key: by_request[first.pk].get(key, 0) + by_request[second.pk].get(key, 0) for key in held
    }
    assert added == {**held, "warehouse.events": held["warehouse.events"] + 1}
    assert by_request[first.pk]["contacts"] == by_request[second.pk]["contacts"] == 1
    # she is gone from every warehouse table, the derived cube no longer counts her order,
    # the others are untouched, and the finished request was left alone
    assert all(found == [] for found in lake.read_person(store, people.erin).values())
    assert orders_in_cube(workspace) == 1
    assert warehouse_rows({people.quinn, people.rae}) == others
    done.refresh_from_db()
    assert (done.counts, done.finished_at) == ({"contacts": 5}, None)
    assert finish_erasures() == 0


def test_the_loop_skips_its_turn_while_a_sync_holds_the_lock(workspace, people):
    request = pending(workspace, people.erin, {"contacts": 2})
    before = warehouse_rows(set(people.erin))
    with default_store().lock():
        assert finish_erasures() == 0
    request.refresh_from_db()
    assert (request.status, request.pending_contact_ids) == ("warehouse_pending", people.erin)
    assert request.counts == {"contacts": 2} and request.finished_at is None
    assert warehouse_rows(set(people.erin)) == before
    assert finish_erasures() == 1
