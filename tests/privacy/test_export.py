"""Export: everything both stores hold about the person, nobody else's, as JSON."""

import json

import pytest

from pacer.core.models import AuditEntry
from pacer.privacy.actions import as_json, export_person
from pacer.privacy.identifiers import digest
from pacer.privacy.models import PrivacyRequest
from tests.privacy.conftest import ERIN_ANONS, ERIN_EMAIL, ERIN_USER

pytestmark = pytest.mark.django_db


def test_export_holds_all_of_her_rows_in_both_stores_and_nobody_elses(workspace, people, admin):
    document = json.loads(as_json(export_person(workspace, {"email": ERIN_EMAIL}, actor=admin)))

    assert document["format"] == "pacer.person-export.v1"
    assert document["workspace"] == "acme"
    assert sorted(document["contact_ids"]) == sorted(people.erin)
    assert {(i["kind"], i["value"]) for i in document["identifiers"]} == {
        ("email", "erin.erased@example.org"),
        ("phone", "+15550100999"),
        ("user_id", ERIN_USER),
        ("anonymous_id", ERIN_ANONS[0]),
        ("anonymous_id", ERIN_ANONS[1]),
    }
    ops = document["operational"]
    counts = {name: len(rows) for name, rows in ops.items()}
    assert counts == {
        "people.orderline": 1,
        "leads.stagechange": 0,  # rows held through her leads (pacer.leads.privacy)
        "leads.activity": 0,
        "leads.notice": 0,
        "leads.followuptask": 0,
        "leads.timer": 0,
        "messaging.click": 0,  # her clicks as touchpoints (emails' and texts')
        "messaging.messageevent": 0,  # opens and clicks of her messages
        "messaging.message": 0,  # the outbox, keyed by contact id (pacer.messaging.privacy)
        "teams.surveyresponse": 0,  # survey answers, keyed by contact id (pacer.teams)
        "teams.surveyask": 0,  # surveys a trigger asked her after an order (pacer.teams)
        "segments.membership": 0,
        "segments.membershipchange": 0,
        "people.identity": 5,
        "people.consent": 1,
        "people.order": 1,
        "ingest.event": 7,
        "experiments.exposure": 2,
        "leads.lead": 0,  # every model with a contact is searched (she left no lead)
        "people.contact": 2,  # the merged-away contact too
        "core.auditentry": 1,  # the merge
    }
    assert {c["id"]: c["merged_into_id"] for c in ops["people.contact"]} == {
        people.erin[0]: None,
        people.erin[1]: people.erin[0],
    }
    assert ops["people.contact"][0]["first_name"] == "Erin"
    assert ops["people.order"][0]["external_id"] == "ORD-ERIN"
    assert ops["people.order"][0]["total"] == "80.00"
    assert ops["people.orderline"][0]["quantity"] == 2
    assert ops["people.consent"][0]["granted"] is True
    assert sorted(e["message_id"] for e in ops["ingest.event"]) == [f"e{i}" for i in range(1, 8)]
    assert sorted(x["unit_id"] for x in ops["experiments.exposure"]) == [ERIN_ANONS[1], ERIN_USER]
    warehouse = document["warehouse"]
    assert {name: len(rows) for name, rows in warehouse.items()} == {
        "consents": 1,
        "contact_profiles": 2,  # her two contacts (one merged), as segments read them
        "contacts": 2,
        "events": 7,
        "orders": 1,
    }
    assert warehouse["orders"][0]["total"] == 80.0
    # nobody else's data: no other contact id, identifier or message anywhere
    text = json.dumps(document)
    for other in ("quinn", "rae", "ORD-QUINN", '"q1"', '"r1"'):
        assert other not in text
    for rows in [*ops.values(), *warehouse.values()]:
        for row in rows:
            for key in ("contact_id", "canonical_id"):
                assert row.get(key) in (None, *people.erin)


def test_export_is_logged_with_hashed_identifiers_and_audited(workspace, people_in_db, admin):
    export_person(workspace, {"user_id": f"  {ERIN_USER} "}, actor=admin)
    request = PrivacyRequest.objects.get()
    assert request.kind == "export" and request.status == "done" and request.actor == admin
    assert request.digests == [digest("user_id", ERIN_USER)]
    assert ERIN_USER not in json.dumps(request.digests)
    assert request.counts["ingest.event"] == 7
    entry = AuditEntry.objects.get(action="person.export")
    assert entry.object_type == "PrivacyRequest" and entry.object_id == str(request.pk)
    assert entry.after == {"counts": request.counts}


def test_export_of_someone_unknown_is_empty_but_logged(workspace, people_in_db):
    document = export_person(workspace, {"email": "nobody@example.org"})
    assert document["contact_ids"] == []
    assert all(rows == [] for rows in document["operational"].values())
    assert all(rows == [] for rows in document["warehouse"].values())
    assert PrivacyRequest.objects.filter(kind="export").count() == 1
