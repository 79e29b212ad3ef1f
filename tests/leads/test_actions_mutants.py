"""What the stop-38 mutation sample of ``pacer.leads.actions`` left alive (docs/testing.md,
"pacer.leads.actions, a first sample"): the closing user on an answered lead's next-touch
task (``move_stage`` 91, 94) and an SDK lead placed by its own event's postal code
(``record_leads`` 26)."""

from datetime import UTC, datetime

import pytest

from pacer.core import feed
from pacer.ingest.actions import ingest
from pacer.leads import actions, sla
from pacer.leads.followup import log_activity
from pacer.leads.locating import configure
from pacer.leads.models import FollowUpTask, Lead, LocationHours
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_closing_an_answered_lead_marks_its_next_touch_done_by_who_closed_it(
    workspace, north, admin, clock_at
):
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS_9_TO_5
    )
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    sla.save_policy(
        workspace,
        {
            "stage": "lead",
            "location": "",
            "respond_minutes": 60,
            "remind_minutes": 30,
            "reassign_minutes": 60,
            "next_touch_minutes": 480,
        },
    )
    lead = lead_at(workspace, t(9, 10), clock_at, 1)  # Monday 10:00
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 10), outcome="reached")
    (task,) = FollowUpTask.objects.filter(lead=lead, key="next-touch")
    assert (task.done_at, task.done_by) == (None, None)

    actions.move_stage(workspace, lead.pk, "disqualified", at=t(9, 11), reason="spam", actor=admin)

    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (t(9, 11), admin)
    lead.refresh_from_db()
    assert (lead.stage, lead.next_touch_by) == ("disqualified", None)


def test_an_sdk_lead_is_placed_by_the_centroid_of_its_own_events_postal_code(workspace):
    made = upsert_locations(workspace, [{"code": "ldn", "name": "L"}, {"code": "edi", "name": "E"}])
    configure(
        workspace,
        steps=["nearest"],
        areas=[
            {"code": "ldn", "latitude": 51.5072, "longitude": -0.1276},
            {"code": "edi", "latitude": 55.9533, "longitude": -3.1883},
        ],
        centroids=[{"postal_code": "eh1 1yz", "latitude": 55.95, "longitude": -3.19}],
    )
    message = {
        "type": "track",
        "event": "Lead Created",
        "messageId": "m1",
        "userId": "u-1",
        "timestamp": t(2, 9).isoformat(),
        "properties": {"postal_code": "EH1 1YZ"},
    }
    ingest(workspace, [message], received_at=t(2, 9))
    while feed.deliver_all():
        pass

    (lead,) = Lead.objects.filter(workspace=workspace)
    assert (Contact.objects.get(pk=lead.contact_id).traits or {}).get("postalCode") is None
    edinburgh = next(loc.pk for loc in made if loc.code == "edi")
    assert (lead.location_id, lead.located_by) == (edinburgh, "nearest")
