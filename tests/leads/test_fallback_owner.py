"""A lead nobody can take does not wait unowned silently: once its assignment tries are
spent (nobody on shift), when everyone is away or at their cap, at a re-assignment with
nobody else free, and at an away hand-over with nobody free, it goes to its location's
fallback owner (else the workspace's; one away is passed over), who is told; without
one it stays unowned and the managers (else the admins) are alerted, once. Set on the
routing page and over the API, refusals naming the field, nothing written."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.leads import fallback, handover
from pacer.leads.models import (
    Agent,
    FallbackOwner,
    FollowUpTask,
    LocationHours,
    Notice,
    SlaPolicy,
    Timer,
    TimerKind,
)
from pacer.leads.timers import fire_due_timers
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
SATURDAY_HOUR = {"timezone": "Europe/London", "weekly": {"sat": [["10:00", "11:00"]]}}
THURSDAY_EVENING = datetime(2026, 3, 26, 18, 0, tzinfo=UTC)  # London on GMT, closed
FRIDAY_OPENING = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
MONDAY = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
PASSWORD = "correct-horse-1"


@pytest.fixture
def shop(workspace, north):
    """North open Mon-Fri 09:00-17:00 in London with a 15-minute SLA; ann works only
    Saturday mornings (never on shift while it is open); max manages it but takes no
    leads."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS
    )
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )
    ann, boss = member(workspace, "ann"), member(workspace, "max")
    agent(workspace, ann, north, shift=SATURDAY_HOUR)
    agent(workspace, boss, north, weight=0, is_manager=True)
    return {"ann": ann, "max": boss, "fay": member(workspace, "fay")}


def _try_until_the_tries_are_spent(lead) -> int:
    """Fire the lead's timers in time order until no assignment try is left."""
    fired = 0
    while True:
        pending = Timer.objects.filter(
            lead=lead, kind=TimerKind.ASSIGN, fired_at=None, cancelled_at=None
        ).first()
        if pending is None:
            return fired
        fired += fire_due_timers(pending.due_at)


def test_after_the_last_try_at_the_opening_the_fallback_owner_takes_the_lead(
    workspace, north, shop, clock_at
):
    fay = shop["fay"]
    fallback.set_owner(workspace, "north", "fay")
    lead = lead_at(workspace, THURSDAY_EVENING, clock_at)
    assert lead.owner is None
    _try_until_the_tries_are_spent(lead)
    lead.refresh_from_db()
    # 8 tries from the opening, 15 working minutes apart; the clock kept from the arrival
    assert (lead.owner, lead.assigned_at) == (fay, FRIDAY_OPENING + timedelta(minutes=105))
    assert lead.respond_by == FRIDAY_OPENING + timedelta(minutes=15)
    (notice,) = Notice.objects.filter(lead=lead, key=f"assigned:{lead.assignment_round}")
    assert (notice.to_user, notice.subject) == (
        fay,
        f"Lead #{lead.pk} is yours, respond by Fri 27 Mar 09:15 GMT",
    )
    assert notice.body.startswith(f"Lead #{lead.pk} went to you as the fallback owner")
    (task,) = FollowUpTask.objects.filter(lead=lead)
    assert (task.assignee, task.due_at) == (fay, lead.respond_by)
    last = AuditEntry.objects.filter(action="leads.assign").order_by("id").last()
    assert last.after["owner"] == fay.pk
    assert last.after["reason"].endswith("; to the fallback owner")
    assert not Notice.objects.filter(lead=lead, key__startswith="unowned").exists()


def test_without_a_fallback_owner_the_managers_are_alerted_once(workspace, north, shop, clock_at):
    lead = lead_at(workspace, THURSDAY_EVENING, clock_at)
    _try_until_the_tries_are_spent(lead)
    lead.refresh_from_db()
    assert lead.owner is None
    assert lead.respond_by == FRIDAY_OPENING + timedelta(minutes=15)  # still owed, kept
    (alert,) = Notice.objects.filter(lead=lead, key__startswith="unowned")
    assert (alert.to_user, alert.subject) == (shop["max"], f"Lead #{lead.pk} has no owner")
    assert alert.body == (
        f"Lead #{lead.pk} has no owner: every agent who may take it is away, off shift or at "
        "their cap, and no fallback owner is set. Give it to someone, or set a fallback owner "
        "on the lead routing page; its first response is due Fri 27 Mar 09:15 GMT.\n"
    )
    assert fire_due_timers(FRIDAY_OPENING + timedelta(hours=5)) == 0  # nothing more


def test_everyone_at_their_cap_the_locations_owner_then_the_workspaces_then_the_admins(
    workspace, north, clock_at, admin
):
    ann, fay, gil = (member(workspace, name) for name in ("ann", "fay", "gil"))
    agent(workspace, ann, north, max_open=1)
    fallback.set_owner(workspace, "north", "fay")
    fallback.set_owner(workspace, "", "gil")
    owners = [lead_at(workspace, MONDAY + timedelta(minutes=n), clock_at, n) for n in range(2)]
    assert [lead.owner for lead in owners] == [ann, fay]
    (south,) = upsert_locations(workspace, [{"code": "south", "name": "South"}])
    agent(workspace, fay, south, away_until=MONDAY + timedelta(days=3))  # fay's time off
    assert lead_at(workspace, MONDAY + timedelta(minutes=5), clock_at, 2).owner == gil
    FallbackOwner.objects.all().delete()
    lead = lead_at(workspace, MONDAY + timedelta(minutes=6), clock_at, 3)
    assert lead.owner is None  # tried again 15 minutes on (test_unowned_retry.py)
    assert fire_due_timers(MONDAY + timedelta(minutes=21)) == 1
    # still nobody: no manager set up, the workspace's admin hears of it
    (alert,) = Notice.objects.filter(lead=lead, key__startswith="unowned")
    assert alert.to_user == admin


def test_a_re_assignment_with_nobody_else_free_goes_to_the_fallback_owner(
    workspace, north, clock_at
):
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )
    ann, fay = member(workspace, "ann"), member(workspace, "fay")
    agent(workspace, ann, north)
    fallback.set_owner(workspace, "north", "ann")  # the one it is taken from: passed over
    fallback.set_owner(workspace, "", "fay")
    lead = lead_at(workspace, MONDAY, clock_at)
    assert lead.owner == ann
    fire_due_timers(MONDAY + timedelta(minutes=45))  # remind, breach, then re-assign
    lead.refresh_from_db()
    assert (lead.owner, lead.respond_by) == (fay, MONDAY + timedelta(minutes=60))
    assert Notice.objects.filter(lead=lead, key="assigned:2", to_user=fay).exists()


def test_an_away_owners_lead_goes_to_the_fallback_owner_else_stays_and_alerts_once(
    workspace, north, clock_at
):
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )
    ann, boss, fay = member(workspace, "ann"), member(workspace, "max"), member(workspace, "fay")
    agent(workspace, ann, north)
    agent(workspace, boss, north, weight=0, is_manager=True)
    kept, moved = (lead_at(workspace, MONDAY + timedelta(minutes=n), clock_at, n) for n in (0, 1))
    Agent.objects.filter(user=ann).update(away_until=MONDAY + timedelta(days=2))
    later = MONDAY + timedelta(minutes=2)
    for _ in range(2):  # the sweep runs again: one alert
        result = handover.hand_over_away(workspace, ann.pk, later)
        assert (result.moved, result.unattended) == ([], [kept.pk, moved.pk])
    assert Notice.objects.filter(lead=kept, key__startswith="unowned").count() == 1
    alert = Notice.objects.get(lead=kept, key__startswith="unowned")
    assert (alert.to_user, alert.subject) == (
        boss,
        f"Lead #{kept.pk} waits for an owner who is away",
    )
    fallback.set_owner(workspace, "north", "fay")
    result = handover.hand_over_away(workspace, ann.pk, later)
    assert (result.moved, result.unattended) == ([kept.pk, moved.pk], [])
    moved.refresh_from_db()
    assert (moved.owner, moved.respond_by) == (fay, MONDAY + timedelta(minutes=16))


def test_the_fallback_owner_is_set_and_refused_over_the_api(workspace, north, admin):
    member(workspace, "fay")
    sam = member(workspace, "sam")
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    _, staff_token = core_actions.issue_api_key(workspace, "personal", "test", user=sam)
    client = Client()

    def call(method, body=None, query="", key=token):
        return getattr(client, method)(
            f"/api/leads/settings/fallback-owners{query}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    assert call("put", {"location": "north", "user": "fay"}).json() == {
        "location": "north",
        "user": "fay",
    }
    assert call("put", {"user": "sam"}).status_code == 200
    assert call("get").json() == [
        {"location": "", "user": "sam"},
        {"location": "north", "user": "fay"},
    ]
    before = (list(FallbackOwner.objects.values_list("location_id", "user_id")), _audits())
    for body, field, why in (
        ({"location": "west", "user": "fay"}, "location", "no location 'west' in this workspace"),
        ({"location": "north", "user": "zed"}, "user", "no member 'zed' in this workspace"),
    ):
        refused = call("put", body)
        assert refused.status_code == 422, refused.json()
        assert refused.json()["errors"] == {field: why}
    assert call("put", {"location": "north", "user": ""}).status_code == 422
    assert call("put", {"user": "fay"}, key=staff_token).status_code == 403
    assert (list(FallbackOwner.objects.values_list("location_id", "user_id")), _audits()) == before
    assert call("delete", query="?location=north").status_code == 204
    assert call("delete", query="?location=north").status_code == 404
    assert call("get").json() == [{"location": "", "user": "sam"}]


def _audits():
    return list(
        AuditEntry.objects.filter(action__startswith="leads.fallback")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_routing_page_sets_lists_and_refuses_a_fallback_owner(workspace, north, admin):
    fay = member(workspace, "fay")
    fay.first_name, fay.last_name = "Fay", "Lind"
    fay.save()
    client = Client()
    client.login(username="ada", password=PASSWORD)
    saved = client.post("/leads/routing/", {"form": "fallback", "location": "north", "user": "fay"})
    assert saved.status_code == 302 and saved["Location"] == "/leads/routing/"
    assert FallbackOwner.objects.get().location_id == north.pk
    page = client.get("/leads/routing/").content.decode()
    table = page[page.index('id="fallback-h"') : page.index('id="fallback-form"')]
    assert "North" in table and "Fay Lind" in table  # the name, not the username
    refused = client.post(
        "/leads/routing/", {"form": "fallback", "location": "west", "user": "fay"}
    )
    assert refused.status_code == 422
    assert (
        'id="fallback-location-error"><p>no location &#x27;west&#x27; in this workspace</p>'
        in refused.content.decode()
    )
    assert (
        client.post(
            "/leads/routing/", {"form": "fallback", "location": "north", "user": ""}
        ).status_code
        == 302
    )
    assert not FallbackOwner.objects.exists()
    assert _audits() == ["leads.fallback", "leads.fallback.remove"]
