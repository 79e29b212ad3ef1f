"""Erasure: the person is gone from every operational table and every warehouse file,
the others are untouched, the suppression holds their identifiers (hashed), and the
erasure is audited without them."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.apps import apps

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.ingest.models import Event
from pacer.people.models import Consent, Contact, Identity, Order, OrderLine
from pacer.privacy.actions import WarehouseBusy, erase_person
from pacer.privacy.models import PrivacyRequest, Suppression
from pacer.privacy.selectors import is_suppressed
from pacer.warehouse.sync import default_store, sync
from tests.privacy.conftest import ERIN_ANONS, ERIN_EMAIL, ERIN_PHONE, ERIN_TRACES, ERIN_USER

pytestmark = pytest.mark.django_db


def database_traces(traces=ERIN_TRACES) -> dict[str, set[str]]:
    """For every model, which of ``traces`` appear in any column of any row."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        columns = [field.attname for field in model._meta.concrete_fields]
        for row in model._default_manager.values_list(*columns).iterator():
            text = " ".join(str(value) for value in row).lower()
            hits = {trace for trace in traces if trace in text}
            if hits:
                found.setdefault(model._meta.label, set()).update(hits)
    return found


def warehouse_traces(root: Path, traces=ERIN_TRACES) -> dict[str, set[str]]:
    """For every file under the warehouse, which of ``traces`` it holds: in its bytes
    (log JSON, and Parquet text that compression left readable) or, for Parquet, in any
    decoded value."""
    found: dict[str, set[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().lower().decode("latin-1")
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            text += " ".join(str(v) for column in table.columns for v in column.to_pylist())
        hits = {trace for trace in traces if trace in text.lower()}
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def warehouse_rows(contact_ids) -> dict[str, list[dict]]:
    """The warehouse rows of these contacts, per table, in a stable order."""
    store = default_store()
    rows = {}
    for name, column in (("events", "contact_id"), ("orders", "contact_id"), ("contacts", "id")):
        table = store.arrow(name).to_pylist()
        rows[name] = sorted(
            (r for r in table if r[column] in contact_ids), key=lambda r: (r["id"], str(r))
        )
    return rows


def others(people) -> dict:
    """What the tests compare before and after: the other people's rows in both stores."""
    ids = [people.quinn, people.rae]
    return {
        "contacts": list(Contact.objects.filter(id__in=ids).order_by("id").values()),
        "identities": list(Identity.objects.filter(contact_id__in=ids).order_by("id").values()),
        "events": list(Event.objects.filter(contact_id__in=ids).order_by("id").values()),
        "orders": list(Order.objects.filter(contact_id__in=ids).order_by("id").values()),
        "lines": list(OrderLine.objects.filter(order__contact_id__in=ids).values()),
        "warehouse": warehouse_rows(set(ids)),
    }


def test_erasure_leaves_no_trace_in_any_table_or_file_and_spares_the_others(
    workspace, people, admin, warehouse_dir
):
    # The scans can see her: in the database and in the warehouse's files, both Parquet
    # and the log's statistics.
    assert set(database_traces()) >= {"people.Contact", "people.Identity", "ingest.Event"}
    assert "experiments.Exposure" in database_traces()
    before = warehouse_traces(warehouse_dir)
    assert any(name.endswith(".parquet") for name in before)
    assert any("_delta_log" in name and name.endswith(".json") for name in before)
    assert AuditEntry.objects.filter(action="contact.merge").count() == 1
    spared = others(people)
    counts = {m: m.objects.count() for m in (Contact, Identity, Event, Order, Consent)}
    store = default_store()
    cursors = {name: store.cursor(name) for name in ("events", "orders")}
    assert all(cursors.values())

    request = erase_person(workspace, {"email": " ERIN.erased@example.org "}, actor=admin)

    assert request.status == "done" and request.pending_contact_ids == []
    assert database_traces() == {}
    assert warehouse_traces(warehouse_dir) == {}
    assert warehouse_rows(set(people.erin)) == {"events": [], "orders": [], "contacts": []}
    # exactly her rows went: 2 contacts, her 5 identifiers, 6 events, 1 order, 1 consent
    assert request.counts["people.contact"] == 2
    assert {m: counts[m] - m.objects.count() for m in counts} == {
        Contact: 2, Identity: 5, Event: 7, Order: 1, Consent: 1
    }  # fmt: skip
    assert request.counts["warehouse.events"] == 7
    assert others(people) == spared
    # audit entries about her are kept, redacted; the erasure is audited
    merge = AuditEntry.objects.get(action="contact.merge")
    assert merge.before == merge.after == {"redacted": "personal data erased"}
    erased = AuditEntry.objects.get(action="person.erase")
    assert erased.actor == admin and erased.object_id == str(request.pk)
    assert erased.after["counts"]["ingest.event"] == 7
    # every identifier she had is suppressed, hashed; the others' are not
    assert Suppression.objects.count() == 5
    for key in [("email", ERIN_EMAIL), ("phone", ERIN_PHONE), ("user_id", ERIN_USER)] + [
        ("anonymous_id", a) for a in ERIN_ANONS
    ]:
        assert is_suppressed(workspace, [key]), key
    assert not is_suppressed(workspace, [("user_id", "user-quinn")])
    # the warehouse's sync cursors survived the rewrite, so the next sync copies nothing
    # twice and the warehouse still matches the database
    assert {name: store.cursor(name) for name in cursors} == cursors
    run = sync()
    assert run.rows["events"] == 0 and run.rows["orders"] == 0
    assert sorted(store.arrow("events").column("id").to_pylist()) == sorted(
        Event.objects.values_list("id", flat=True)
    )


def everything_counted() -> dict:
    models = (Contact, Identity, Event, Order, Consent, Suppression, PrivacyRequest, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.parametrize(
    ("identifiers", "errors"),
    [
        ({}, {"identifiers": "give at least one of email, phone, user_id, anonymous_id"}),
        ({"email": "not-an-address"}, {"email": "'not-an-address' is not an email address"}),
        (
            {"phone": "call me", "user_id": "x" * 201},
            {"phone": "is empty once normalised (a phone number needs digits)",
             "user_id": "is longer than 200 characters"},
        ),
        ({"user_id": 42}, {"user_id": "must be a string"}),
    ],
)  # fmt: skip
def test_bad_identifiers_are_refused_with_their_field_and_nothing_changes(
    workspace, people_in_db, identifiers, errors
):
    before = everything_counted()
    with pytest.raises(ValidationFailed) as refused:
        erase_person(workspace, identifiers)
    assert refused.value.errors == errors
    assert everything_counted() == before


def test_erasure_waits_for_a_running_sync_then_gives_up_changing_nothing(workspace, people_in_db):
    before = everything_counted()
    with default_store().lock() as held:
        assert held
        with pytest.raises(WarehouseBusy, match="nothing was changed"):
            erase_person(workspace, {"user_id": ERIN_USER}, wait_seconds=0.3)
    assert everything_counted() == before
    assert not is_suppressed(workspace, [("user_id", ERIN_USER)])


def test_erasing_again_finds_nothing_and_only_logs_the_request(workspace, people_in_db):
    first = erase_person(workspace, {"anonymous_id": ERIN_ANONS[1]})
    assert first.counts["people.contact"] == 2  # found through the merged-away session
    assert Suppression.objects.count() == 5
    again = erase_person(workspace, {"phone": "+15550100999"})
    assert again.status == "done"
    assert again.counts["people.contact"] == 0 and sum(again.counts.values()) == 0
    assert Suppression.objects.count() == 5
    assert PrivacyRequest.objects.filter(kind="erase").count() == 2
    assert AuditEntry.objects.filter(action="person.erase").count() == 2


def test_erasure_in_another_workspace_touches_nothing_here(workspace, people_in_db):
    from pacer.core.actions import create_workspace

    other = create_workspace("Other", slug="other")
    before = everything_counted()
    done = erase_person(other, {"user_id": ERIN_USER})
    assert done.counts["people.contact"] == 0
    after = everything_counted()
    assert after.pop("Suppression") == before.pop("Suppression") + 1  # suppressed there
    assert after.pop("PrivacyRequest") == before.pop("PrivacyRequest") + 1
    assert after.pop("AuditEntry") == before.pop("AuditEntry") + 1
    assert after == before
    assert not is_suppressed(workspace, [("user_id", ERIN_USER)])
    assert is_suppressed(other, [("user_id", ERIN_USER)])


def test_her_unprocessed_events_go_and_a_shared_devices_events_of_someone_else_stay(
    workspace, people_in_db, tracker
):
    # Quinn signs in on Erin's first device: his event is his, though it carries her
    # anonymous id
    tracker.batch(
        [{"type": "track", "messageId": "shared", "userId": "user-quinn",
          "anonymousId": ERIN_ANONS[0], "event": "Viewed"}]
    )  # fmt: skip
    assert Event.objects.get(message_id="shared").contact_id == people_in_db.quinn
    tracker.batch(
        [{"type": "page", "messageId": "late-1", "userId": ERIN_USER},
         {"type": "page", "messageId": "late-2", "anonymousId": ERIN_ANONS[1]}],
        process=False,
    )  # fmt: skip
    assert Event.objects.filter(pending=True).count() == 2

    erase_person(workspace, {"email": ERIN_EMAIL})
    assert not Event.objects.filter(message_id__in=["late-1", "late-2"]).exists()
    assert Event.objects.get(message_id="shared").contact_id == people_in_db.quinn
