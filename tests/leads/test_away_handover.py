"""Time off: it is the person's (every location they serve), and when it starts their
open, unanswered leads go to someone available by the location's routing, keeping the
SLA clock, audited, with a notice to the new owner; nobody available: they stay and the
location's queue counts them; idempotent; a lead answered meanwhile is not moved."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pacer.core import actions as core_actions
from pacer.core import faults
from pacer.core.models import AuditEntry
from pacer.leads import actions, handover, selectors, staff
from pacer.leads.followup import log_activity
from pacer.leads.models import Agent, FollowUpTask, Lead, Notice, Timer
from pacer.leads.timers import fire_due_timers
from pacer.people.actions import upsert_locations
from tests.ingest.test_import_wizard import run_queued_tasks
from tests.leads.test_followup import agent, lead_at, member, sla

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in London (BST)
AWAY_AT = NOW + timedelta(minutes=2)
BACK = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
DUE = NOW + timedelta(minutes=15)
JSON = {"content_type": "application/json"}


@pytest.fixture
def team(workspace, north, clock_at):
    """ann and ben take North's leads; ann owns leads 0 and 2 (2 answered), ben lead 1."""
    sla(workspace, north)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    rows = {"ann": agent(workspace, ann, north), "ben": agent(workspace, ben, north)}
    leads = [lead_at(workspace, NOW, clock_at, n) for n in range(3)]
    assert [lead.owner for lead in leads] == [ann, ben, ann]
    log_activity(workspace, leads[2].pk, "call", at=NOW + timedelta(minutes=1), actor=ann)
    clock_at(AWAY_AT)
    return {"rows": rows, "leads": leads, "ann": ann, "ben": ben}


def _set_away(workspace, row, until, capture, actor=None):
    """Save the time off, then run the hand-over task it queued (as db_worker does)."""
    with capture(execute=True):
        staff.save_agent(workspace, {"away_until": until}, agent_id=row.pk, actor=actor)
    run_queued_tasks()


def _state(lead):
    lead = Lead.objects.get(pk=lead.pk)
    timers = {
        f"{t.kind}:{t.step}": t.due_at
        for t in Timer.objects.filter(lead=lead, assignment_round=lead.assignment_round)
    }
    return lead.owner.username, lead.assignment_round, lead.respond_by, timers


def test_an_away_agents_unanswered_leads_go_to_someone_available_clock_kept(
    workspace, team, admin, django_capture_on_commit_callbacks
):
    first, _, answered = team["leads"]
    before = AuditEntry.objects.filter(action="leads.assign").count()
    _set_away(workspace, team["rows"]["ann"], BACK, django_capture_on_commit_callbacks, admin)
    assert _state(first) == (
        "ben",
        2,
        DUE,
        {
            "remind:0": NOW + timedelta(minutes=10),
            "breach:0": DUE,
            "reassign:0": DUE + timedelta(minutes=30),
        },
    )
    assert not Timer.objects.filter(lead=first, assignment_round=1).exists()
    assert _state(answered)[:2] == ("ann", 1)  # answered: hers to keep
    (moved,) = AuditEntry.objects.filter(action="leads.assign").order_by("id")[before:]
    assert moved.object_id == str(first.pk)
    assert moved.after == {
        "owner": team["ben"].pk,
        "reason": f"owner away until {BACK.isoformat()}: weighted rotation among 1 of the "
        "location's agents (weight 1, lead 2 of theirs)",
        "respond_by": DUE.isoformat(),
    }
    notice = Notice.objects.get(lead=first, key="assigned:2")
    assert (notice.to_user, notice.to_email) == (team["ben"], "")
    assert notice.subject == f"Lead #{first.pk} is yours, respond by Tue 31 Mar 09:15 BST"
    task = FollowUpTask.objects.get(lead=first, key="first-response")
    assert (task.assignee, task.due_at, task.done_at) == (team["ben"], DUE, None)
    # the clock runs on for the new owner: the reminder at the old time, to ben
    assert fire_due_timers(NOW + timedelta(minutes=10)) == 2  # and ben's own lead 1's
    assert Notice.objects.get(lead=first, key="remind:2").to_user == team["ben"]
    # again: nothing more moves, nothing more is written
    counts = (AuditEntry.objects.count(), Notice.objects.count(), Timer.objects.count())
    assert handover.hand_over_away(workspace, team["ann"].pk, AWAY_AT) == handover.HandedOver(
        [], []
    )
    assert (AuditEntry.objects.count(), Notice.objects.count(), Timer.objects.count()) == counts


def test_with_nobody_available_the_leads_stay_and_the_queue_shows_them_unattended(
    workspace, north, team, admin, django_capture_on_commit_callbacks, clock_at
):
    first, second, _ = team["leads"]
    team["rows"]["ben"].away_until = BACK
    team["rows"]["ben"].save()
    assigned = AuditEntry.objects.filter(action="leads.assign").count()
    _set_away(workspace, team["rows"]["ann"], BACK, django_capture_on_commit_callbacks)
    assert _state(first)[:3] == ("ann", 1, DUE)
    assert handover.hand_over_away(workspace, team["ann"].pk, AWAY_AT) == handover.HandedOver(
        [], [first.pk]
    )
    assert AuditEntry.objects.filter(action="leads.assign").count() == assigned
    assert not Notice.objects.filter(key__startswith="assigned:").exists()
    (queue,) = selectors.queues(workspace, NOW - timedelta(days=30), AWAY_AT)
    assert (queue.open, queue.unassigned, queue.unattended) == (3, 0, 2)  # lead 0 and 1
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/locations/").content.decode()
    assert "Owner away" in page
    # once someone is back, running it again moves the lead
    cat = member(workspace, "cat")
    agent(workspace, cat, north)
    assert handover.hand_over_away(workspace, team["ann"].pk, AWAY_AT) == handover.HandedOver(
        [first.pk], []
    )
    assert _state(first)[:3] == ("cat", 2, DUE)
    (queue,) = selectors.queues(workspace, NOW - timedelta(days=30), AWAY_AT)
    assert queue.unattended == 1  # ben's own lead 1 (ben is away, nobody is free for it)


def test_a_lead_answered_while_the_hand_over_runs_is_not_moved(
    workspace, team, django_capture_on_commit_callbacks
):
    first = team["leads"][0]
    answered_at = AWAY_AT + timedelta(seconds=1)

    def answer_first():
        if Lead.objects.get(pk=first.pk).first_response_at is None:
            log_activity(workspace, first.pk, "call", at=answered_at, actor=team["ann"])

    with faults.hooked("leads.away.before_lock", answer_first):
        _set_away(workspace, team["rows"]["ann"], BACK, django_capture_on_commit_callbacks)
    lead = Lead.objects.get(pk=first.pk)
    assert (lead.owner, lead.assignment_round, lead.first_response_at) == (
        team["ann"],
        1,
        answered_at,
    )
    assert not Notice.objects.filter(key__startswith="assigned:").exists()


def test_the_workers_sweep_finishes_a_hand_over_that_did_not_run(workspace, team):
    """Time off saved, then the process died before the hand-over after commit: the
    "lead-away" loop moves the lead; its next run moves nothing."""
    Agent.objects.filter(pk=team["rows"]["ann"].pk).update(away_until=BACK)
    assert handover.hand_over_all_away(AWAY_AT) == 1
    assert _state(team["leads"][0])[:3] == ("ben", 2, DUE)
    assert Notice.objects.filter(key="assigned:2").count() == 1
    assert handover.hand_over_all_away(AWAY_AT) == 0
    assert handover.hand_over_all_away(BACK) == 0  # back: nobody is away
    assert Notice.objects.filter(key__startswith="assigned:").count() == 1


def test_nothing_moves_when_the_time_off_is_over_or_cleared(
    workspace, team, django_capture_on_commit_callbacks
):
    _set_away(workspace, team["rows"]["ann"], AWAY_AT, django_capture_on_commit_callbacks)
    _set_away(workspace, team["rows"]["ann"], None, django_capture_on_commit_callbacks)
    assert _state(team["leads"][0])[:2] == ("ann", 1)
    assert handover.hand_over_away(workspace, team["ann"].pk, AWAY_AT) == handover.HandedOver(
        [], []
    )


@pytest.fixture
def two_places(workspace, north, clock_at):
    """ann serves North and South; bob only South."""
    (south,) = upsert_locations(workspace, [{"code": "south", "name": "South"}])
    ann, bob = member(workspace, "ann"), member(workspace, "bob")
    clock_at(NOW)
    return {
        "north": agent(workspace, ann, north),
        "south": agent(workspace, ann, south),
        "bob": agent(workspace, bob, south),
        "ann": ann,
        "bob_user": bob,
        "south_location": south,
    }


def _until(row):
    row.refresh_from_db()
    return row.away_until


def test_time_off_set_on_one_location_applies_at_every_location_of_the_person(
    workspace, admin, two_places, clock_at, django_capture_on_commit_callbacks
):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/leads/settings/agents/{two_places['north'].pk}"
    with django_capture_on_commit_callbacks(execute=True):
        put = api.put(url, {"location": "north", "away_until": BACK.isoformat()}, **JSON)
    assert put.status_code == 200, put.content
    assert (_until(two_places["north"]), _until(two_places["south"])) == (BACK, BACK)
    assert _until(two_places["bob"]) is None
    entry = AuditEntry.objects.filter(action="leads.agent").latest("id")
    assert entry.after["away_also_for_agents"] == [two_places["south"].pk]
    listed = {
        (r["user"], r["location"]): r["away_until"]
        for r in api.get("/api/leads/settings/agents").json()
    }
    assert listed[("ann", "south")] == listed[("ann", "north")] == "2026-04-02T08:00:00Z"
    # a South lead skips her there too
    lead = lead_at(workspace, NOW, clock_at, 0, location="south")
    assert lead.owner == two_places["bob_user"]
    # the pages show it on both rows, and once per person where people are listed
    client = Client()
    client.force_login(admin)
    routing = client.get("/leads/routing/").content.decode()
    assert routing.count("Thu 2 Apr 08:00 UTC") == 2
    south_page = client.get(f"/leads/routing/agents/{two_places['south'].pk}/").content
    assert b'value="2026-04-02T08:00"' in south_page
    assert staff.away(workspace, NOW)[0]["location_ids"] == [
        two_places["north"].location_id,
        two_places["south"].location_id,
    ]
    queues = client.get("/leads/locations/").content.decode()
    assert "North, South" in queues
    # a new location of hers takes her time off; clearing it on one clears it everywhere
    (east,) = upsert_locations(workspace, [{"code": "east", "name": "East"}])
    added = staff.save_agent(workspace, {"user": "ann", "location": "east"})
    assert added.away_until == BACK
    with django_capture_on_commit_callbacks(execute=True):
        assert api.put(url, {"location": "north", "away_until": None}, **JSON).status_code == 200
    assert [_until(row) for row in (two_places["north"], two_places["south"], added)] == [None] * 3
    assert AuditEntry.objects.filter(action="leads.agent").latest("id").after[
        "away_also_for_agents"
    ] == sorted([two_places["south"].pk, added.pk])


def test_the_migration_gives_each_person_the_latest_time_off_of_their_rows(workspace, two_places):
    migration = importlib.import_module("pacer.leads.migrations.0011_time_off_per_person")
    Agent.objects.filter(pk=two_places["north"].pk).update(away_until=BACK)
    Agent.objects.filter(pk=two_places["south"].pk).update(away_until=NOW)
    migration.one_time_off_per_person(apps, None)
    rows = (two_places["north"], two_places["south"], two_places["bob"])
    assert [_until(row) for row in rows] == [BACK, BACK, None]


def test_a_refused_time_off_changes_no_row_of_the_person(workspace, two_places):
    two_places["south"].away_until = BACK
    two_places["south"].save()
    audited = AuditEntry.objects.count()
    with pytest.raises(Exception, match="away_until"):
        staff.save_agent(workspace, {"away_until": "soon"}, agent_id=two_places["north"].pk)
    assert (_until(two_places["north"]), _until(two_places["south"])) == (None, BACK)
    assert AuditEntry.objects.count() == audited


def test_the_sweep_reads_only_open_leads_a_closed_one_keeps_its_owner(workspace, team):
    """ann's only unanswered lead is closed (lost): the "lead-away" sweep leaves it, with
    no audit entry or notice, and reads the away owner's leads once, open stages only
    (it used to read every unanswered lead and then hand over nothing)."""
    first = team["leads"][0]
    actions.move_stage(workspace, first.pk, "disqualified", at=AWAY_AT, reason="spam")
    Agent.objects.filter(pk=team["rows"]["ann"].pk).update(away_until=BACK)
    audited, notices = AuditEntry.objects.count(), Notice.objects.count()
    with CaptureQueriesContext(connection) as queries:
        assert handover.hand_over_all_away(AWAY_AT) == 0
    lead = Lead.objects.get(pk=first.pk)
    assert (lead.owner, lead.stage, lead.assignment_round) == (team["ann"], "disqualified", 1)
    assert (AuditEntry.objects.count(), Notice.objects.count()) == (audited, notices)
    leads_table = f'"{Lead._meta.db_table}"'
    (read,) = [q["sql"] for q in queries if leads_table in q["sql"]]
    assert '"stage" IN' in read and "disqualified" not in read
