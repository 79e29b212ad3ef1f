"""An erasure killed between the database and the warehouse is finished later."""

import os

import pytest
from django.utils import timezone

from pacer.people.models import Contact
from pacer.privacy.actions import finish_erasures
from pacer.privacy.models import PrivacyRequest
from pacer.privacy.selectors import is_suppressed
from pacer.warehouse.sync import default_store
from tests import forked
from tests.conftest import database_url
from tests.privacy.conftest import ERIN_USER
from tests.privacy.test_erasure import warehouse_rows, warehouse_traces

pytestmark = pytest.mark.django_db(transaction=True)


def test_erasure_killed_before_the_warehouse_is_finished_by_the_worker_loop(
    workspace, people, warehouse_dir
):
    env = {
        **os.environ,
        "PACER_DATABASE_URL": database_url(),
        "PACER_WAREHOUSE_DIR": str(warehouse_dir),
        "PACER_FAULT": "privacy.erase.warehouse",
    }
    command = ["privacy", "erase", "--workspace", "acme", "--user-id", ERIN_USER, "--yes"]
    killed = forked.run(["-m", "pacer.cli", *command], env=env, timeout=120)
    assert killed.returncode == -9  # SIGKILL at the fault point

    # the database part committed: she is gone there and suppressed ...
    assert not Contact.objects.filter(id__in=people.erin).exists()
    assert is_suppressed(workspace, [("user_id", ERIN_USER)])
    request = PrivacyRequest.objects.get(kind="erase")
    assert request.status == "warehouse_pending"
    assert sorted(request.pending_contact_ids) == sorted(people.erin)
    # ... while the warehouse still holds her
    assert warehouse_rows(set(people.erin))["events"]
    assert warehouse_traces(warehouse_dir)

    assert finish_erasures() == 1
    request.refresh_from_db()
    assert request.status == "done" and request.pending_contact_ids == []
    assert request.counts["warehouse.events"] == 7
    assert warehouse_rows(set(people.erin)) == {"events": [], "orders": [], "contacts": []}
    assert warehouse_traces(warehouse_dir) == {}
    assert finish_erasures() == 0


def test_the_worker_loop_skips_its_turn_while_a_sync_holds_the_lock(workspace, people_in_db):
    request = PrivacyRequest.objects.create(
        workspace=workspace,
        kind="erase",
        status="warehouse_pending",
        actor_label="system",
        pending_contact_ids=people_in_db.erin,
        requested_at=timezone.now(),
    )
    with default_store().lock():
        assert finish_erasures() == 0
    request.refresh_from_db()
    assert request.status == "warehouse_pending"
    assert finish_erasures() == 1
