"""What the other privacy tests left unchecked in ``pacer.privacy.actions`` (found by
mutation testing, docs/testing.md): who a request is logged as, when it finished, the
erasure's change-feed batch and suppressions, the export document's own fields, and an
erasure whose warehouse step fails in-process."""

import logging

import pytest

from pacer.core import faults
from pacer.core.models import AuditEntry, ChangeBatch
from pacer.metrics.cube import CUBE_TABLE
from pacer.privacy.actions import as_json, erase_person, export_person, finish_erasures
from pacer.privacy.identifiers import key_id
from pacer.privacy.models import PrivacyRequest, Suppression
from pacer.warehouse.sync import default_store, refresh_derived
from tests.privacy.conftest import ERIN_ANONS, ERIN_EMAIL, ERIN_USER

pytestmark = pytest.mark.django_db


def test_an_erasure_by_no_one_is_the_systems_and_tells_the_feed_and_suppressions(
    workspace, people_in_db
):
    request = erase_person(workspace, {"email": ERIN_EMAIL})

    request.refresh_from_db()
    assert (request.actor, request.actor_label) == (None, "system")
    assert (request.kind, request.status) == ("erase", "done")
    assert request.finished_at is not None and request.finished_at >= request.requested_at
    # the change feed hears which contacts went, under the erasure's own source
    batch = ChangeBatch.objects.filter(workspace=workspace).latest("id")
    assert (batch.source, batch.contact_ids) == ("privacy.erase", sorted(people_in_db.erin))
    # each suppression names the request, the current key and its time
    suppressions = list(Suppression.objects.filter(workspace=workspace))
    assert len(suppressions) == 5
    assert {(s.request_id, s.key_id) for s in suppressions} == {(request.pk, key_id())}
    assert all(request.requested_at <= s.created_at <= request.finished_at for s in suppressions)
    assert AuditEntry.objects.get(action="person.erase").after["suppressed_identifiers"] == 5

    again = erase_person(workspace, {"user_id": ERIN_USER})
    entry = AuditEntry.objects.filter(action="person.erase").latest("id")
    assert entry.object_id == str(again.pk) and entry.after["suppressed_identifiers"] == 0
    assert ChangeBatch.objects.filter(source="privacy.erase").count() == 1  # nobody went


def test_a_request_by_a_user_carries_their_name(workspace, people_in_db, admin):
    request = erase_person(workspace, {"user_id": ERIN_USER}, actor=admin)
    request.refresh_from_db()
    assert (request.actor, request.actor_label) == (admin, admin.get_username())


def test_an_export_is_finished_when_asked_and_says_so_in_its_document(workspace, people):
    document = export_person(workspace, {"anonymous_id": ERIN_ANONS[0]})

    request = PrivacyRequest.objects.get(kind="export")
    assert (request.actor, request.actor_label, request.status) == (None, "system", "done")
    assert request.finished_at == request.requested_at
    assert document["generated_at"] == request.requested_at
    assert document["request_id"] == request.pk
    assert document["identifiers"] == [
        {"kind": "anonymous_id", "value": ERIN_ANONS[0]},
        {"kind": "anonymous_id", "value": ERIN_ANONS[1]},
        {"kind": "email", "value": "erin.erased@example.org"},
        {"kind": "phone", "value": "+15550100999"},
        {"kind": "user_id", "value": ERIN_USER},
    ]
    assert request.counts["warehouse.orders"] == 1 == len(document["warehouse"]["orders"])


def test_an_export_keeps_a_name_readable_in_utf_8():
    # the person reads the file: "Zoë", not "Zo\\u00eb"
    assert as_json({"first_name": "Zoë"}) == '{\n  "first_name": "Zoë"\n}'.encode()


def test_an_erasure_whose_warehouse_step_fails_stays_pending_and_is_logged(
    workspace, people, caplog
):
    def fail():
        raise OSError("disk full")

    # the warehouse step fails when it rebuilds the derived tables
    with (
        faults.hooked("warehouse.replace.before_commit", fail),
        caplog.at_level(logging.ERROR, logger="pacer.privacy.actions"),
    ):
        request = erase_person(workspace, {"email": ERIN_EMAIL})

    request.refresh_from_db()
    assert (request.status, request.finished_at) == ("warehouse_pending", None)
    assert request.pending_contact_ids == people.erin
    assert "warehouse.events" not in request.counts
    [record] = caplog.records
    assert record.getMessage() == (
        f"privacy request {request.pk}: warehouse erasure failed; will retry"
    )
    assert record.exc_info[0] is OSError
    # the database step stands: she is suppressed and her contacts are gone
    assert Suppression.objects.filter(request=request).count() == 5

    assert finish_erasures() == 1
    request.refresh_from_db()
    assert (request.status, request.pending_contact_ids) == ("done", [])
    assert default_store().exists(CUBE_TABLE)


def test_an_erasure_that_failed_after_deleting_rebuilds_the_derived_tables_on_retry(
    workspace, people
):
    """The first attempt deletes her warehouse rows, then dies before the derived tables
    (the cube among them) are rebuilt; the retry deletes nothing, yet must rebuild them,
    or the cube goes on counting her until the next sync."""

    def fail():
        raise OSError("killed before the rebuild")

    store = default_store()
    cube_before = store.arrow(CUBE_TABLE)
    with faults.hooked("privacy.erase.derived", fail):
        request = erase_person(workspace, {"email": ERIN_EMAIL})
    request.refresh_from_db()
    assert request.status == "warehouse_pending"
    assert store.arrow(CUBE_TABLE).equals(cube_before)  # not rebuilt yet: still counts her

    assert finish_erasures() == 1
    after_retry = _sorted(store.arrow(CUBE_TABLE))
    refresh_derived(store)  # what a rebuild from the erased lake gives
    assert after_retry.equals(_sorted(store.arrow(CUBE_TABLE)))
    assert not after_retry.equals(_sorted(cube_before))


def _sorted(table):
    return table.sort_by([(name, "ascending") for name in table.column_names])
