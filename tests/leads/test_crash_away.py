"""The hand-over of an away member's leads survives kills: a real ``hand_over_all_away``
process (the ``lead-away`` loop) is killed with SIGKILL before a lead's move commits.

The guarantee: each lead moves with its audit entry, notice, tasks and timers together
or not at all, and once. After a kill at the first lead nothing changed; after a kill at
the second the first stays moved and the second is as it was; a rerun moves what is
left, each once, ending as an undisturbed run does; a further run moves nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.models import AuditEntry
from pacer.leads.models import Agent, FollowUpTask, Lead, Notice, Timer
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
