"""A location may have its own follow-up time for its leads no SLA policy gives a deadline
(blank: the workspace's), set on the SLA page and at
``/api/leads/settings/follow-up/locations/<code>``: it applies to the location's leads
whose clock starts after it, open leads and other locations keeping theirs; a bad
location or time is refused by name with nothing written."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry, Role
from pacer.leads import sla, todo
from pacer.leads.models import FollowUpTask, LocationFollowUp, Timer
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # open all day (no opening hours set)
PATH = "/api/leads/settings/follow-up/locations"


@pytest.fixture
def south(workspace):
    (location,) = upsert_locations(workspace, [{"code": "south", "name": "South"}])
    return location


@pytest.fixture
def api(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    client = Client()

    def call(method, path="", body=None):
        return getattr(client, method)(
            PATH + path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return call


def _follow_up(lead) -> datetime:
    """The lead's follow-up: its reminder's time, which its first-response task shares."""
    (timer,) = Timer.objects.filter(lead=lead, assignment_round=lead.assignment_round)
    task = FollowUpTask.objects.get(lead=lead, key=todo.FIRST_RESPONSE)
    assert (timer.kind, task.due_at) == ("remind", timer.due_at)
    return timer.due_at


def test_a_locations_own_follow_up_time_applies_to_its_leads_from_then_on(
    workspace, north, south, admin, api, clock_at
):
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    agent(workspace, ann, south)
    first = lead_at(workspace, ARRIVED, clock_at, 1)  # North, before the change
    client = Client()
    client.force_login(admin)
    saved = client.post(
        "/leads/sla/", {"form": "follow-up", "location": "north", "follow_up_minutes": " 60 "}
    )
    assert saved.status_code == 302
    assert api("get").json() == [
        {"location": "north", "follow_up_minutes": 60, "applies_minutes": 60}
    ]
    page = client.get("/leads/sla/").content.decode()
    assert "Locations with their own follow-up time" in page and ">North</a></td>" in page
    north_lead = lead_at(workspace, ARRIVED + timedelta(hours=1), clock_at, 2)
    south_lead = lead_at(workspace, ARRIVED + timedelta(hours=1), clock_at, 3, location="south")
    assert _follow_up(first) == ARRIVED + timedelta(minutes=480)  # kept its own
    assert _follow_up(north_lead) == ARRIVED + timedelta(minutes=60 + 60)
    assert _follow_up(south_lead) == ARRIVED + timedelta(minutes=60 + 480)  # the workspace's
    cleared = api("put", "/north", {"follow_up_minutes": None})  # blank: the workspace's
    assert cleared.json() == {
        "location": "north",
        "follow_up_minutes": None,
        "applies_minutes": 480,
    }
    assert api("get").json() == [] and sla.follow_up_minutes(workspace) == 480
    later = lead_at(workspace, ARRIVED + timedelta(hours=2), clock_at, 4)
    assert _follow_up(later) == ARRIVED + timedelta(minutes=120 + 480)
    assert _follow_up(north_lead) == ARRIVED + timedelta(minutes=120)  # kept its own
    changes = AuditEntry.objects.filter(action="leads.follow_up").order_by("id")
    assert [(entry.before, entry.after) for entry in changes] == [
        (
            {"location": "north", "follow_up_minutes": None},
            {"location": "north", "follow_up_minutes": 60},
        ),
        (
            {"location": "north", "follow_up_minutes": 60},
            {"location": "north", "follow_up_minutes": None},
        ),
    ]


def test_a_bad_location_or_time_is_refused_by_name_and_nothing_written(
    workspace, north, admin, api
):
    unknown = api("put", "/nowhere", {"follow_up_minutes": 60})
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == {"location": "no location 'nowhere' in this workspace"}
    for minutes in (0, 10_081):
        refused = api("put", "/north", {"follow_up_minutes": minutes})
        assert refused.status_code == 422
        assert list(refused.json()["errors"]) == ["follow_up_minutes"]
    client = Client()
    client.force_login(admin)
    page = client.post(
        "/leads/sla/", {"form": "follow-up", "location": "nowhere", "follow_up_minutes": "60"}
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "no location &#x27;nowhere&#x27; in this workspace" in html
    page = client.post(
        "/leads/sla/", {"form": "follow-up", "location": "north", "follow_up_minutes": "ten"}
    )
    assert page.status_code == 422
    html = page.content.decode()
    field = html[html.index('id="follow-up-follow_up_minutes"') - 600 :]
    assert 'value="ten"' in field and "must be a whole number of minutes" in field
    assert '<option value="north" selected' in html  # the location chosen, kept
    sam = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    _, token = core_actions.issue_api_key(workspace, "personal", "sam", user=sam)
    forbidden = Client().put(
        PATH + "/north",
        {"follow_up_minutes": 60},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert forbidden.status_code == 403
    assert not LocationFollowUp.objects.exists()
    assert not AuditEntry.objects.filter(action="leads.follow_up").exists()


def _minutes_field(html: str) -> str:
    """The follow-up form's minutes input, as rendered."""
    form = html[html.index('id="follow-up-form"') :]
    start = form.index('id="follow-up-follow_up_minutes"')
    return form[form.rindex("<input", 0, start) : form.index(">", start) + 1]


def test_the_form_shows_the_chosen_locations_own_time_blank_without_one(
    workspace, north, south, admin
):
    sla.save_follow_up(workspace, {"follow_up_minutes": 120})
    sla.save_follow_up(workspace, {"location": "north", "follow_up_minutes": 45})
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/sla/?form=follow-up&location=north").content.decode()
    assert 'value="45"' in _minutes_field(page)  # its own, not the workspace's 120
    assert '<option value="north" selected' in page
    page = client.get("/leads/sla/").content.decode()  # the workspace's
    assert 'value="120"' in _minutes_field(page)
    assert 'href="?form=follow-up&amp;location=north#follow-up-form"' in page  # the table's
    assert 'hx-trigger="change from:#follow-up-location"' in page
    page = client.get("/leads/sla/?form=follow-up&location=south").content.decode()
    assert 'value=""' in _minutes_field(page)  # none of its own: blank (the workspace's)
    assert '<option value="south" selected' in page
    page = client.get("/leads/sla/?form=follow-up&location=nowhere").content.decode()
    assert 'value="120"' in _minutes_field(page)  # an unknown code: the workspace's form
