"""A missed next touch re-assigns the lead when its policy says so
(``touch_reassign_minutes``): at its exact working minute after the missed deadline
(North: London, Mon-Fri 09:00-17:00, so across the closed evening) it goes to the next
agent free by the usual routing, never its owner, who gets the next-touch task with a
full new deadline and "Lead #N is yours"; audited with the reason; once under a double
run of the timer task; nothing moves after a touch; with nobody else free it stays and
the managers are told; off unless set; the SLA page and the API set it and refuse it by
field."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import faults
from pacer.core.models import AuditEntry
from pacer.leads import fallback, sla, todo
from pacer.leads.followup import log_activity
from pacer.leads.models import FollowUpTask, Lead, LocationHours, Notice, SlaPolicy, Timer
from pacer.leads.timers import fire_due_timers
from tests.api_client import ApiClient
from tests.leads.test_followup import agent, lead_at, member
from tests.leads.test_next_touch import WEEKDAYS_9_TO_5

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in UTC (London keeps GMT until Sunday the 29th)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def policy(workspace, touch_reassign):
    """First response within 15 minutes; the next touch within 60, re-assigned
    ``touch_reassign`` working minutes after a miss (None: never)."""
    sla.save_policy(
        workspace,
        {
            "stage": "lead",
            "location": "",
            "respond_minutes": 15,
            "remind_minutes": 5,
            "reassign_minutes": 30,
            "next_touch_minutes": 60,
            "touch_reassign_minutes": touch_reassign,
        },
    )


@pytest.fixture
def desk(workspace, north):
    """North's hours; Ann and then Ben take its leads, Mia (a manager) is told."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS_9_TO_5
    )
    people = {name: member(workspace, name) for name in ("ann", "mia", "ben")}
    for user in people.values():
        user.email = f"{user.username}@x.test"
        user.save(update_fields=["email"])
    # Ann's weight would give her the lead again: only leaving the owner out moves it
    agent(workspace, people["ann"], north, max_open=10, weight=5)
    agent(workspace, people["mia"], north, weight=0, is_manager=True)
    return people


@pytest.fixture
def ben(workspace, north, desk):
    """North's second agent (after Ann, who takes the first lead)."""
    return agent(workspace, desk["ben"], north, max_open=10)


def called_lead(workspace, clock_at) -> Lead:
    """Monday 15:00's lead, Ann's, called at 16:00: its next touch is due by 17:00 (the
    closing), its re-assignment 30 working minutes on, at Tuesday's 09:30."""
    lead = lead_at(workspace, t(9, 15), clock_at, 1)
    assert lead.owner.username == "ann"
    log_activity(workspace, lead.pk, "call", at=t(9, 16), outcome="reached")
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (t(9, 17), 1)
    return lead


def assignments(lead) -> list[dict]:
    return [
        entry.after
        for entry in AuditEntry.objects.filter(
            action="leads.assign", object_id=str(lead.pk)
        ).order_by("id")
    ]


def test_a_missed_next_touch_goes_to_the_next_free_agent_at_its_working_minute_once(
    workspace, desk, ben, clock_at
):
    ann = desk["ann"]
    policy(workspace, 30)
    lead = called_lead(workspace, clock_at)
    todo.add_task(
        workspace,
        lead.pk,
        title="Send the price list",
        due_at=t(10, 12),
        at=t(9, 16),
        assignee_id=ann.pk,
    )
    (moving,) = Timer.objects.filter(lead=lead, kind="touch-move")
    assert (moving.step, moving.due_at) == (1, t(10, 9, 30))
    fire_due_timers(t(10, 9, 30) - SECOND)  # the missed touch's escalation only
    lead.refresh_from_db()
    assert (lead.owner_id, lead.touch_round) == (ann.pk, 1)
    round_before = lead.assignment_round

    assert fire_due_timers(t(10, 9, 30)) == 1
    lead.refresh_from_db()
    assert (lead.owner_id, lead.assignment_round) == (ben.user_id, round_before + 1)
    # a full new next touch for Ben: 60 working minutes from the re-assignment, a new round
    assert (lead.next_touch_by, lead.touch_round) == (t(10, 10, 30), 2)
    # still answered, its response deadline as it was (the reports measure by it)
    assert (lead.first_response_at, lead.respond_by) == (t(9, 16), t(9, 15, 15))
    assert sorted(
        Timer.objects.filter(lead=lead, step=2, cancelled_at__isnull=True).values_list(
            "kind", "due_at"
        )
    ) == [
        ("touch", t(10, 9, 30) + timedelta(minutes=55)),
        ("touch-late", t(10, 10, 30)),
        ("touch-move", t(10, 11)),
    ]
    tasks = FollowUpTask.objects.filter(lead=lead, done_at__isnull=True)
    assert sorted(tasks.values_list("key", "assignee__username", "due_at")) == [
        ("", "ben", t(10, 12)),
        ("next-touch", "ben", t(10, 10, 30)),
    ]
    (told,) = Notice.objects.filter(lead=lead, key=f"assigned:{lead.assignment_round}")
    assert (told.to_user_id, told.to_email) == (ben.user_id, "ben@x.test")
    assert told.subject == f"Lead #{lead.pk} is yours, next touch by Tue 10 Mar 10:30 GMT"
    assert told.body == (
        f"Lead #{lead.pk} was re-assigned to you: its owner missed its next touch (due Mon 9 "
        "Mar 17:00 GMT). It has had its first response; call, email, text or meet them by "
        "Tue 10 Mar 10:30 GMT.\n"
    )
    assert assignments(lead)[-1] == {
        "owner": ben.user_id,
        "reason": "re-assigned: its next touch, due Mon 9 Mar 17:00 GMT, was missed: weighted "
        "rotation among 1 of the location's agents (weight 1, lead 1 of theirs)",
        "previous_owner": ann.pk,
    }

    audited = len(assignments(lead))
    assert fire_due_timers(t(10, 9, 30)) == 0  # a rerun: moved once
    lead.refresh_from_db()
    assert (lead.owner_id, lead.touch_round) == (ben.user_id, 2)
    assert len(assignments(lead)) == audited
    assert Notice.objects.filter(lead=lead, key__startswith="assigned:").count() == 1


def test_a_touch_before_the_reassignment_moves_nothing(workspace, desk, ben, clock_at):
    ann = desk["ann"]
    policy(workspace, 30)
    lead = called_lead(workspace, clock_at)
    audited = len(assignments(lead))
    log_activity(workspace, lead.pk, "email", at=t(10, 9, 10), outcome="sent the quote")
    assert Timer.objects.get(lead=lead, kind="touch-move", step=1).cancelled_at == t(10, 9, 10)
    assert fire_due_timers(t(10, 9, 30)) == 0
    lead.refresh_from_db()
    assert (lead.owner_id, lead.touch_round, lead.next_touch_by) == (ann.pk, 2, t(10, 10, 10))
    assert len(assignments(lead)) == audited
    assert not Notice.objects.filter(lead=lead, key__startswith="assigned:").exists()
    assert Timer.objects.get(lead=lead, kind="touch-move", step=2).due_at == t(10, 10, 40)


def test_with_nobody_else_free_the_owner_keeps_it_and_the_managers_are_told_once(
    workspace, desk, ben, clock_at
):
    ann, mia = desk["ann"], desk["mia"]
    policy(workspace, 30)
    lead = called_lead(workspace, clock_at)
    ben.away_until = t(12, 9)
    ben.save(update_fields=["away_until"])
    fire_due_timers(t(10, 9, 30) - SECOND)  # the missed touch's escalation only
    assert fire_due_timers(t(10, 9, 30)) == 1
    lead.refresh_from_db()
    assert (lead.owner_id, lead.touch_round, lead.next_touch_by) == (ann.pk, 1, t(9, 17))
    assert assignments(lead)[-1] == {
        "owner": ann.pk,
        "reason": "re-assigned: its next touch, due Mon 9 Mar 17:00 GMT, was missed; nobody "
        "else available (all away, off shift, at their cap, or none set up) and no fallback "
        "owner: kept, managers told",
    }
    kept = Notice.objects.filter(lead=lead, key__startswith="touch-kept")
    assert list(kept.values_list("key", "to_user__username", "subject")) == [
        (
            f"touch-kept:1:{mia.pk}",
            "mia",
            f"Lead #{lead.pk} missed its next touch and nobody else can take it",
        )
    ]
    assert FollowUpTask.objects.get(lead=lead, key="next-touch").assignee_id == ann.pk
    assert not Notice.objects.filter(lead=lead, key__startswith="assigned:").exists()
    assert fire_due_timers(t(10, 9, 30)) == 0
    assert kept.count() == 1


def test_a_second_run_firing_the_reassignment_meanwhile_moves_it_once(
    workspace, desk, ben, clock_at
):
    policy(workspace, 30)
    lead = called_lead(workspace, clock_at)
    fire_due_timers(t(10, 9, 30) - SECOND)
    inner, started = [], []

    def second_run():  # another worker fires what this run has listed, before it claims
        if not started:
            started.append(True)
            inner.append(fire_due_timers(t(10, 9, 30)))

    with faults.hooked("leads.timer.listed", second_run):
        outer = fire_due_timers(t(10, 9, 30))
    assert (inner, outer) == ([1], 0)
    lead.refresh_from_db()
    assert (lead.owner_id, lead.touch_round) == (ben.user_id, 2)
    moves = [a for a in assignments(lead) if a.get("previous_owner")]
    assert [a["owner"] for a in moves] == [ben.user_id]
    assert Notice.objects.filter(lead=lead, key__startswith="assigned:").count() == 1


def test_with_nobody_else_free_the_fallback_owner_takes_it(workspace, desk, ben, clock_at):
    policy(workspace, 30)
    zoe = member(workspace, "zoe")
    fallback.set_owner(workspace, "north", "zoe")
    lead = called_lead(workspace, clock_at)
    ben.away_until = t(12, 9)
    ben.save(update_fields=["away_until"])
    fire_due_timers(t(10, 9, 30) - SECOND)
    assert fire_due_timers(t(10, 9, 30)) == 1
    lead.refresh_from_db()
    assert (lead.owner_id, lead.next_touch_by, lead.touch_round) == (zoe.pk, t(10, 10, 30), 2)
    assert assignments(lead)[-1]["reason"] == (
        "re-assigned: its next touch, due Mon 9 Mar 17:00 GMT, was missed: no agent "
        "available (all away, at their cap, or none set up); to the fallback owner"
    )
    assert not Notice.objects.filter(lead=lead, key__startswith="touch-kept").exists()


def test_the_owner_is_never_their_own_fallback_the_next_one_or_nobody_takes_it(
    workspace, desk, ben, clock_at
):
    """Ann, the owner, is North's fallback owner: passed over, the lead goes to the
    workspace's (Zoe); with Ann the only fallback owner it stays hers, managers told."""
    ann = desk["ann"]
    policy(workspace, 30)
    zoe = member(workspace, "zoe")
    fallback.set_owner(workspace, "north", "ann")
    fallback.set_owner(workspace, "", "zoe")
    first = called_lead(workspace, clock_at)
    ben.away_until = t(12, 9)
    ben.save(update_fields=["away_until"])
    fire_due_timers(t(10, 9, 30) - SECOND)
    assert fire_due_timers(t(10, 9, 30)) == 1
    first.refresh_from_db()
    assert (first.owner_id, first.touch_round) == (zoe.pk, 2)
    assert assignments(first)[-1] == {
        "owner": zoe.pk,
        "reason": "re-assigned: its next touch, due Mon 9 Mar 17:00 GMT, was missed: no agent "
        "available (all away, at their cap, or none set up); to the fallback owner",
        "previous_owner": ann.pk,
    }

    fallback.set_owner(workspace, "", "")  # Ann alone is a fallback owner now
    ben.away_until = t(20, 9)
    ben.save(update_fields=["away_until"])
    second = lead_at(workspace, t(16, 15), clock_at, 2)
    assert second.owner_id == ann.pk
    log_activity(workspace, second.pk, "call", at=t(16, 16), outcome="reached")
    round_before = Lead.objects.get(pk=second.pk).assignment_round
    fire_due_timers(t(17, 9, 30) - SECOND)
    assert fire_due_timers(t(17, 9, 30)) == 1
    second.refresh_from_db()
    assert (second.owner_id, second.assignment_round) == (ann.pk, round_before)
    assert (second.touch_round, second.next_touch_by) == (1, t(16, 17))
    assert assignments(second)[-1]["reason"].endswith("and no fallback owner: kept, managers told")
    assert not Notice.objects.filter(lead=second, key__startswith="assigned:").exists()
    assert Notice.objects.filter(lead=second, key__startswith="touch-kept").count() == 1


def test_without_the_setting_a_missed_touch_moves_nothing(workspace, desk, ben, clock_at):
    ann = desk["ann"]
    policy(workspace, None)
    lead = called_lead(workspace, clock_at)
    assert not Timer.objects.filter(lead=lead, kind="touch-move").exists()
    fire_due_timers(t(13, 17))
    lead.refresh_from_db()
    assert (lead.owner_id, lead.touch_round) == (ann.pk, 1)


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.force_login(admin)
    return client


def _saved() -> list[tuple]:
    return list(SlaPolicy.objects.values_list("stage", "touch_reassign_minutes"))


def test_the_sla_page_sets_it_and_refuses_it_at_its_field(workspace, north, logged_in):
    typed = {
        "stage": "sql",
        "location": "",
        "respond_minutes": "60",
        "remind_minutes": "10",
        "reassign_minutes": "30",
    }
    for next_touch, bad, reason in (
        ("", "45", "needs a next touch time (next_touch_minutes) to count from, or blank for none"),
        ("480", "0", "must be between 1 and 10080 minutes"),
        ("480", "soon", "must be a whole number of minutes"),
    ):
        refused = logged_in.post(
            "/leads/sla/",
            {**typed, "next_touch_minutes": next_touch, "touch_reassign_minutes": bad},
        )
        assert refused.status_code == 422 and _saved() == []
        html = refused.content.decode()
        assert f'id="field-touch_reassign_minutes-error"><p>{reason}</p>' in html
        assert 'href="#field-touch_reassign_minutes"' in html
        assert f'value="{bad}"' in html  # what was typed is kept
    saved = logged_in.post(
        "/leads/sla/", {**typed, "next_touch_minutes": "480", "touch_reassign_minutes": "45"}
    )
    assert saved.status_code == 302 and _saved() == [("sql", 45)]
    listed = logged_in.get("/leads/sla/").content.decode()
    assert "Missed touch re-assigned after (min)" in listed and ">45<" in listed


def test_the_api_sets_it_and_refuses_it_by_field(workspace, north, admin):
    api = ApiClient(workspace, admin)

    def put(body):
        return api.put("leads/settings/sla", body)

    body = {"stage": "sql", "respond_minutes": 60, "remind_minutes": 10}
    refused = put({**body, "touch_reassign_minutes": 45})
    assert refused.status_code == 422 and _saved() == []
    assert refused.json()["errors"] == {
        "touch_reassign_minutes": "needs a next touch time (next_touch_minutes) to count "
        "from, or blank for none"
    }
    refused = put({**body, "next_touch_minutes": 480, "touch_reassign_minutes": 0})
    assert refused.status_code == 422 and _saved() == []
    assert "touch_reassign_minutes" in str(refused.json())
    saved = put({**body, "next_touch_minutes": 480, "touch_reassign_minutes": 45})
    assert saved.status_code == 200 and saved.json()["touch_reassign_minutes"] == 45
    assert _saved() == [("sql", 45)]
    assert put({**body, "next_touch_minutes": 480}).json()["touch_reassign_minutes"] is None
    assert _saved() == [("sql", None)]
