"""The hand-over of an away member's leads survives kills: a real ``hand_over_all_away``
process (the ``lead-away`` loop), and a real worker running the hand-over task, are
killed with SIGKILL before a lead's move commits (and between the task's batches).

The guarantee: each lead moves with its audit entry, notice, tasks and timers together
or not at all, and once. After a kill at the first lead nothing changed; after a kill at
the second the first stays moved and the second is as it was; a rerun moves what is
left, each once, ending as an undisturbed run does; a further run moves nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.leads import staff
from pacer.leads.models import Agent, FollowUpTask, Handover, Lead, Notice, Timer
from pacer.leads.tasks import hand_over_leads
from tests.core.loop_processes import SIGKILL, run_loop
from tests.leads.test_followup import agent, lead_at, member, sla

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in London
AT = NOW + timedelta(minutes=2)
LOOP = "pacer.leads.handover.hand_over_all_away"


def state() -> tuple:
    return (
        list(Lead.objects.order_by("id").values_list("owner__username", "assignment_round")),
        sorted(Timer.objects.values_list("lead_id", "kind", "assignment_round", "due_at")),
        sorted(Notice.objects.values_list("lead_id", "key", "to_user__username")),
        sorted(FollowUpTask.objects.values_list("lead_id", "assignee__username", "due_at")),
        AuditEntry.objects.filter(action="leads.assign").count(),
    )


def test_a_killed_hand_over_moves_each_lead_whole_or_not_at_all_and_once(
    workspace, north, clock_at
):
    sla(workspace, north)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    agent(workspace, ann, north, weight=100)
    agent(workspace, ben, north, weight=0)  # takes no new leads: ann gets both
    leads = [lead_at(workspace, NOW, clock_at, n) for n in range(2)]
    assert [lead.owner for lead in leads] == [ann, ann]
    Agent.objects.filter(user=ann).update(away_until=NOW + timedelta(days=1))
    Agent.objects.filter(user=ben).update(weight=1)
    before = state()

    status, output = run_loop(LOOP, AT, fault="leads.away.moved:1")
    assert status == SIGKILL, output
    assert state() == before

    status, output = run_loop(LOOP, AT, fault="leads.away.moved:2")
    assert status == SIGKILL, output
    owners, _, notices, _, audited = state()
    assert owners == [("ben", 2), ("ann", 1)]
    assert [key for _, key, _ in notices if key.startswith("assigned")] == ["assigned:2"]
    assert audited == before[4] + 1

    assert run_loop(LOOP, AT) == (0, "1\n")
    owners, timers, notices, tasks, audited = state()
    assert owners == [("ben", 2), ("ben", 2)]
    assert sorted(key for _, key, _ in notices if key.startswith("assigned")) == [
        "assigned:2",
        "assigned:2",
    ]
    assert audited == before[4] + 2
    # the clock as it was: the same deadlines, now the second round's
    assert [(lead, kind, due) for lead, kind, _, due in timers] == [
        (lead, kind, due) for lead, kind, _, due in before[1]
    ]
    assert {round_ for _, _, round_, _ in timers} == {2}
    assert [(lead, due) for lead, _, due in tasks] == [(lead, due) for lead, _, due in before[3]]
    after = state()
    assert run_loop(LOOP, AT) == (0, "0\n")
    assert state() == after


TASKS = "tests.ingest.test_import_wizard.run_queued_tasks"


def test_a_killed_hand_over_task_is_resumed_and_each_lead_moves_once(
    workspace, north, clock_at, admin
):
    """Saving the time off records the hand-over and queues its task; the worker running
    it (batches of 2) is killed in the second lead's move, and again, re-run, after a
    batch and before it queued the next; each time the progress is exact (the locations
    page says so) and the lead-away loop finishes the rest, each lead moved once."""
    sla(workspace, north)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    row = agent(workspace, ann, north, weight=100)
    agent(workspace, ben, north, weight=0)
    leads = [lead_at(workspace, NOW, clock_at, n) for n in range(4)]
    assert {lead.owner for lead in leads} == {ann}
    Agent.objects.filter(user=ben).update(weight=1)
    clock_at(AT)
    staff.save_agent(workspace, {"away_until": NOW + timedelta(days=1)}, agent_id=row.pk)
    record = Handover.objects.get()
    before = state()
    client = Client()
    client.force_login(admin)

    def progress() -> tuple:
        record.refresh_from_db()
        owners = [owner for owner, _ in state()[0]]
        return record.done, record.moved, record.finished_at, owners

    batch = {"PACER_LEAD_HANDOVER_BATCH": "2"}
    status, output = run_loop(TASKS, AT, fault="leads.away.moved:2", **batch)
    assert status == SIGKILL, output
    assert progress() == (1, 1, None, ["ben", "ann", "ann", "ann"])
    assert "re-assigning 1 of 4" in client.get("/leads/locations/").content.decode()
    # the killed task is not run again by a worker (it stays "running")
    assert run_loop(TASKS, AT, **batch) == (0, "0\n")

    hand_over_leads.enqueue(record.pk)  # as a retry would
    status, output = run_loop(TASKS, AT, fault="leads.handover.batch_done", **batch)
    assert status == SIGKILL, output
    assert progress() == (3, 3, None, ["ben", "ben", "ben", "ann"])
    assert run_loop(TASKS, AT, **batch) == (0, "0\n")  # no next batch was queued

    assert run_loop(LOOP, AT) == (0, "1\n")  # the lead-away loop finishes it
    assert progress() == (4, 4, AT, ["ben"] * 4)
    _, timers, notices, tasks, audited = state()
    assert sorted(key for _, key, _ in notices if key.startswith("assigned")) == ["assigned:2"] * 4
    assert audited == before[4] + 4
    assert [(lead, kind, due) for lead, kind, _, due in timers] == [
        (lead, kind, due) for lead, kind, _, due in before[1]
    ]
    assert [(lead, due) for lead, _, due in tasks] == [(lead, due) for lead, _, due in before[3]]
    page = client.get("/leads/locations/").content.decode()
    assert "done: 4 of 4 re-assigned" in page
    after = state()
    assert run_loop(LOOP, AT) == (0, "0\n")
    assert hand_over_leads.call(record.pk) == {"done": 4, "total": 4, "moved": 4}
    assert state() == after
