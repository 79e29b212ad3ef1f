"""Follow-up SLA policies per stage and location: set, replaced and removed through the
action, the settings page and the REST API; every refusal names its field and writes
nothing; every change is audited; assignment uses the location's policy, else the
every-location one."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, Role
from pacer.leads import sla, staff
from pacer.leads.models import Lead, SlaPolicy
from pacer.leads.routing import assign
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact

pytestmark = pytest.mark.django_db
GOOD = {"stage": "lead", "location": "north", "respond_minutes": 10, "remind_minutes": 3}


@pytest.fixture
def north(workspace):
    return upsert_locations(
        workspace, [{"code": "north", "name": "North"}, {"code": "south", "name": "South"}]
    )[0]


def _state():
    return (
        sorted(
            SlaPolicy.objects.values_list(
                "stage",
                "location_id",
                "respond_minutes",
                "remind_minutes",
                "reassign_minutes",
                "next_touch_minutes",
            ),
            key=str,
        ),
        AuditEntry.objects.count(),
    )


def test_a_policy_is_set_then_replaced_for_its_stage_and_location(workspace, north, admin):
    made = sla.save_policy(workspace, {**GOOD, "reassign_minutes": 20}, actor=admin)
    again = sla.save_policy(
        workspace, {**GOOD, "respond_minutes": "30", "reassign_minutes": 45}, actor=admin
    )
    assert again.pk == made.pk and SlaPolicy.objects.count() == 1
    assert sla.policy_rows(workspace) == [
        {
            "id": made.pk,
            "stage": "lead",
            "location": "north",
            "respond_minutes": 30,
            "remind_minutes": 3,
            "reassign_minutes": 45,
            "next_touch_minutes": None,
            "touch_reassign_minutes": None,
        }
    ]
    entries = list(AuditEntry.objects.filter(action="leads.sla").order_by("id"))
    assert [e.before for e in entries] == [
        None,
        {
            "respond_minutes": 10,
            "remind_minutes": 3,
            "reassign_minutes": 20,
            "next_touch_minutes": None,
            "touch_reassign_minutes": None,
        },
    ]
    assert entries[1].after["respond_minutes"] == 30 and entries[1].actor == admin


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"stage": "customer"},
            {"stage": "must be an open stage: subscriber, lead, mql, sql, opportunity"},
        ),
        ({"stage": ""}, {"stage": "must not be empty"}),
        ({"location": "east"}, {"location": "no location 'east' in this workspace"}),
        ({"respond_minutes": 0}, {"respond_minutes": "must be between 1 and 10080 minutes"}),
        ({"respond_minutes": "ten"}, {"respond_minutes": "must be a whole number of minutes"}),
        ({"respond_minutes": 2.5}, {"respond_minutes": "must be a whole number of minutes"}),
        ({"respond_minutes": True}, {"respond_minutes": "must be a whole number of minutes"}),
        ({"remind_minutes": -1}, {"remind_minutes": "must be between 0 and 10080 minutes"}),
        (
            {"remind_minutes": 10},
            {
                "remind_minutes": "must be less than the response time "
                "(the reminder comes before the deadline)"
            },
        ),
        ({"reassign_minutes": 10081}, {"reassign_minutes": "must be between 1 and 10080 minutes"}),
        ({"next_touch_minutes": 0}, {"next_touch_minutes": "must be between 1 and 10080 minutes"}),
        (
            {"next_touch_minutes": "day"},
            {"next_touch_minutes": "must be a whole number of minutes"},
        ),
        (
            {"next_touch_minutes": 3},
            {
                "next_touch_minutes": "must be more than the reminder's 3 minutes (the reminder "
                "comes before the next touch is due), or blank for none"
            },
        ),
        (
            {"stage": 7, "location": "x" * 61, "reassign_minutes": None},
            {
                "stage": "must be text",
                "location": "must be at most 60 characters",
                "reassign_minutes": "must be a whole number of minutes",
            },
        ),
    ],
)
def test_a_refused_policy_names_each_field_and_writes_nothing(workspace, north, change, errors):
    sla.save_policy(workspace, {**GOOD, "location": "", "reassign_minutes": 30})
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        sla.save_policy(workspace, {**GOOD, "reassign_minutes": 30, **change})
    assert refused.value.errors == errors
    assert _state() == before


def test_assignment_uses_the_locations_policy_else_the_every_location_one(workspace, north):
    sla.save_policy(
        workspace,
        {
            **GOOD,
            "location": "",
            "respond_minutes": 60,
            "remind_minutes": 0,
            "reassign_minutes": 30,
        },
    )
    sla.save_policy(workspace, {**GOOD, "reassign_minutes": 30})
    ann = core_actions.create_user(workspace, "ann", "correct-horse-1", Role.STAFF)
    staff.save_agent(workspace, {"user": ann.username})  # fallback queue: any location
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    deadlines = {}
    for location in (north.pk, None):
        contact = Contact.objects.create(workspace=workspace, email=f"{location}@x.test")
        lead = Lead.objects.create(
            workspace=workspace,
            contact=contact,
            event_id=location or 0,
            created_at=at,
            source="form",
            location_id=location,
            stage="lead",
            stage_changed_at=at,
        )
        assign(lead, at, since=at)
        deadlines[location] = (lead.respond_by - at).total_seconds() / 60
        due = sorted((t.kind, (t.due_at - at).total_seconds() / 60) for t in lead.timers.all())
        deadlines[location, "timers"] = due
    assert deadlines[north.pk] == 10 and deadlines[None] == 60
    assert deadlines[north.pk, "timers"] == [("breach", 10), ("reassign", 40), ("remind", 7)]
    assert deadlines[None, "timers"] == [("breach", 60), ("reassign", 90), ("remind", 60)]


def test_removing_a_policy_is_audited_and_an_unknown_one_refused(workspace, north, admin):
    policy = sla.save_policy(workspace, {**GOOD, "reassign_minutes": 30})
    sla.remove_policy(workspace, policy.pk, actor=admin)
    assert not SlaPolicy.objects.exists()
    removed = AuditEntry.objects.get(action="leads.sla.remove")
    assert removed.before["respond_minutes"] == 10 and removed.object_id == str(policy.pk)
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        sla.remove_policy(workspace, policy.pk)
    assert refused.value.errors == {"policy_id": "no such SLA policy in this workspace"}
    assert _state() == before


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


def test_the_page_sets_a_policy_and_shows_each_refusal_under_its_field(workspace, north, logged_in):
    page = logged_in.get("/leads/sla/")
    assert page.status_code == 200 and b"No SLA policies." in page.content
    before = _state()
    refused = logged_in.post(
        "/leads/sla/",
        {
            "stage": "lead",
            "location": "north",
            "respond_minutes": "5",
            "remind_minutes": "9",
            "reassign_minutes": "abc",
        },
    )
    assert refused.status_code == 422 and _state() == before
    html = refused.content.decode()
    assert "must be less than the response time" in html
    assert "must be a whole number of minutes" in html
    assert 'value="abc"' in html  # what was typed stays in the form
    saved = logged_in.post(
        "/leads/sla/",
        {
            "stage": "lead",
            "location": "north",
            "respond_minutes": "5",
            "remind_minutes": "2",
            "reassign_minutes": "15",
        },
    )
    assert saved.status_code == 302 and saved["Location"] == "/leads/sla/"
    policy = SlaPolicy.objects.get()
    assert (policy.location_id, policy.respond_minutes, policy.reassign_minutes) == (
        north.pk,
        5,
        15,
    )
    listed = logged_in.get("/leads/sla/").content.decode()
    assert "North" in listed and "Remove Lead · North" in listed
    assert logged_in.post(f"/leads/sla/{policy.pk}/delete/").status_code == 302
    assert not SlaPolicy.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="leads.sla").count() == 2


def test_the_rest_api_sets_lists_and_removes_policies_and_refuses_by_field(workspace, north, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    sam = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    _, staff_token = core_actions.issue_api_key(workspace, "personal", "t", user=sam)
    client = Client()

    def call(method, path, body=None, bearer=token):
        return getattr(client, method)(
            f"/api/leads/settings/{path}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {bearer}",
        )

    put = call("put", "sla", {"stage": "lead", "location": "north", "respond_minutes": 20})
    assert put.status_code == 200, put.json()
    policy_id = put.json()["id"]
    expected = {
        "id": policy_id,
        "stage": "lead",
        "location": "north",
        "respond_minutes": 20,
        "remind_minutes": 5,
        "reassign_minutes": 30,
        "next_touch_minutes": None,
        "touch_reassign_minutes": None,
    }
    assert put.json() == expected and call("get", "sla").json() == [expected]
    before = _state()
    refused = call("put", "sla", {"stage": "lead", "respond_minutes": 5, "remind_minutes": 5})
    assert refused.status_code == 422 and _state() == before
    assert refused.json()["errors"] == {
        "remind_minutes": "must be less than the response time "
        "(the reminder comes before the deadline)"
    }
    bounded = call("put", "sla", {"stage": "lead", "respond_minutes": 10081})
    assert bounded.status_code == 422 and _state() == before
    assert call("delete", f"sla/{policy_id}", bearer=staff_token).status_code == 403
    assert (
        call("put", "sla", {**expected, "respond_minutes": 1}, bearer=staff_token).status_code
        == 403
    )
    assert _state() == before
    assert call("delete", f"sla/{policy_id}").status_code == 204
    assert call("delete", f"sla/{policy_id}").status_code == 404
    assert call("get", "sla").json() == []
