"""The follow-up time of a lead no SLA policy gives a deadline is the workspace's own
setting (the SLA page and ``/api/leads/settings/follow-up``): refused by name for 0, a
negative or an absurd number, with nothing written; a change applies to leads whose clock
starts after it, open leads keeping theirs. Such a lead past its follow-up time is late:
the inbox's "Overdue" view lists and counts it apart from the SLA breaches, labelled as
a missed follow-up, and the locations page counts it ("Missed follow-up")."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry, Role
from pacer.leads import selectors, sla, todo
from pacer.leads.models import FollowUpTask, Lead, LeadSettings, LocationHours, SlaPolicy, Timer
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in London (BST)
ONE_DAY_ON = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # 480 working minutes: Wed 10:00 BST


@pytest.fixture
def hours(workspace, north):
    LocationHours.objects.create(
        workspace=workspace,
        location_id=north.pk,
        timezone="Europe/London",
        weekly={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    )


@pytest.fixture
def api(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    client = Client()

    def call(method, body=None):
        return getattr(client, method)(
            "/api/leads/settings/follow-up",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return call


@pytest.mark.parametrize("minutes", [0, -30, 10_081, 10**12])
def test_a_follow_up_time_out_of_range_is_refused_by_name_and_nothing_written(
    workspace, admin, api, minutes
):
    refused = api("put", {"follow_up_minutes": minutes})
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["follow_up_minutes"]
    client = Client()
    client.force_login(admin)
    page = client.post("/leads/sla/", {"form": "follow-up", "follow_up_minutes": str(minutes)})
    assert page.status_code == 422
    assert (
        "Follow up within (minutes): must be between 15 and 10080 minutes" in page.content.decode()
    )
    assert f'value="{minutes}"' in page.content.decode()  # re-shown as typed
    assert not LeadSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="leads.follow_up").exists()
    assert api("get").json() == {"follow_up_minutes": 480}


def test_the_follow_up_time_is_set_on_the_page_and_over_the_api(workspace, admin, api):
    client = Client()
    client.force_login(admin)
    assert 'value="480"' in client.get("/leads/sla/").content.decode()  # the default
    saved = client.post("/leads/sla/", {"form": "follow-up", "follow_up_minutes": " 90 "})
    assert saved.status_code == 302
    assert sla.follow_up_minutes(workspace) == 90
    assert api("put", {"follow_up_minutes": 120}).json() == {"follow_up_minutes": 120}
    assert api("get").json() == {"follow_up_minutes": 120}
    assert api("put", {"follow_up_minutes": 120}).status_code == 200  # unchanged: no audit
    changes = AuditEntry.objects.filter(action="leads.follow_up").order_by("id")
    assert [(e.before, e.after) for e in changes] == [
        ({"follow_up_minutes": 480}, {"follow_up_minutes": 90}),
        ({"follow_up_minutes": 90}, {"follow_up_minutes": 120}),
    ]
    assert LeadSettings.objects.get(workspace=workspace).follow_up_minutes == 120


def test_staff_may_not_set_the_follow_up_time(workspace):
    sam = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=sam)
    client = Client()
    refused = client.put(
        "/api/leads/settings/follow-up",
        {"follow_up_minutes": 60},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert refused.status_code == 403
    client.force_login(sam)
    assert (
        client.post("/leads/sla/", {"form": "follow-up", "follow_up_minutes": "60"}).status_code
        == 403
    )
    assert not LeadSettings.objects.exists()


def test_a_new_follow_up_time_applies_to_new_leads_and_open_ones_keep_theirs(
    workspace, north, hours, clock_at
):
    agent(workspace, member(workspace, "ann"), north)
    before = lead_at(workspace, ARRIVED, clock_at, 1)
    sla.save_follow_up(workspace, {"follow_up_minutes": 120})
    after = lead_at(workspace, ARRIVED + timedelta(hours=1), clock_at, 2)  # 11:00 BST
    two_hours_on = ARRIVED + timedelta(hours=3)  # 13:00 BST
    for lead, due in ((before, ONE_DAY_ON), (after, two_hours_on)):
        (timer,) = Timer.objects.filter(lead=lead)
        task = FollowUpTask.objects.get(lead=lead, key=todo.FIRST_RESPONSE)
        assert (timer.kind, timer.due_at, task.due_at) == ("remind", due, due)
    clock_at(two_hours_on)
    assert fire_due_timers(two_hours_on) == 1  # the new lead's reminder only
    assert Timer.objects.get(lead=after).fired_at == two_hours_on
    assert Timer.objects.get(lead=before).fired_at is None


def _text(html: str) -> str:
    return re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "", html).strip()


def _rows(page: str, table_id: str) -> list[list[str]]:
    table = page[page.index(f'id="{table_id}"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_overdue_view_lists_and_counts_missed_follow_ups_apart_from_breaches(
    workspace, north, hours, clock_at, admin
):
    """Four open leads: one without a deadline past its follow-up time (late), one
    without a deadline not yet due (not late), one past its SLA deadline (late), one
    answered after its follow-up time passed (not late)."""
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    missed = lead_at(workspace, ARRIVED, clock_at, 1, first_name="Missy")
    lead_at(workspace, ARRIVED + timedelta(hours=4), clock_at, 2, first_name="Nora")
    answered = lead_at(workspace, ARRIVED, clock_at, 3, first_name="Anna")
    Lead.objects.filter(pk=answered.pk).update(first_response_at=ARRIVED + timedelta(days=2))
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    breached = lead_at(workspace, ARRIVED + timedelta(hours=4), clock_at, 4, first_name="Bea")
    now = ONE_DAY_ON + timedelta(hours=2, minutes=5)  # Wed 12:05 BST
    clock_at(now)
    assert breached.respond_by == ARRIVED + timedelta(hours=4, minutes=15)
    assert selectors.late_counts(workspace, now) == selectors.Late(1, 1, 0)
    late = selectors.inbox(workspace, view="overdue", user_id=admin.pk, now=now)
    assert sorted(late.values_list("pk", flat=True)) == sorted([missed.pk, breached.pk])
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/?view=overdue").content.decode()
    counted = "Overdue: 1 past their SLA deadline, 1 missed follow-up (no deadline)"
    assert f'<p class="muted" id="lead-late">{counted}</p>' in page  # shown above the list
    rows = {row[0]: row[1] for row in _rows(page, "lead-inbox")}
    assert rows == {
        "Missy": "follow-up missed by 2 h 05 min",  # Wed 10:00 to 12:05 BST
        "Bea": "overdue by 21 h 50 min",  # Tue 14:15 to Wed 12:05 BST
    }
    assert "follow-up missed by 2 h 05 min" in client.get(f"/leads/{missed.pk}/").content.decode()
    queues = client.get("/leads/locations/").content.decode()
    header = re.findall(r"<th[^>]*>(.*?)</th>", queues[queues.index('id="lead-queues"') :])
    assert [_text(h) for h in header][6:8] == [
        "Overdue (SLA)",
        "Missed follow-up",
    ]
    ((location, *counts),) = _rows(queues, "lead-queues")
    assert (location, counts[:7]) == ("North", ["4", "0", "0", "0", "2", "1", "1"])


def test_the_inbox_queues_a_lead_without_a_deadline_at_its_follow_up_time(
    workspace, north, hours, clock_at, admin
):
    """Not at its arrival: a lead due a response in 15 minutes comes before one that
    arrived earlier but is only due its follow-up tomorrow."""
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    tomorrow = lead_at(workspace, ARRIVED, clock_at, 1)
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    soon = lead_at(workspace, ARRIVED + timedelta(hours=1), clock_at, 2)
    found = selectors.inbox(workspace, view="open", user_id=admin.pk, now=ARRIVED)
    queue = list(found.order_by("queue_at").values_list("pk", "queue_at"))
    assert queue == [
        (soon.pk, ARRIVED + timedelta(hours=1, minutes=15)),
        (tomorrow.pk, ONE_DAY_ON),
    ]
