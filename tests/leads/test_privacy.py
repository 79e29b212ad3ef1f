"""A person's export holds what Pacer keeps about them through their leads (stage
history, logged activity, notices, tasks, timers); erasing them deletes it all and
leaves another person's lead alone."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from pacer.leads import todo
from pacer.leads.followup import log_activity
from pacer.leads.models import Activity, FollowUpTask, Lead, Notice, SlaPolicy, StageChange
from pacer.leads.timers import fire_due_timers
from pacer.privacy.actions import as_json, erase_person, export_person
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)


def test_export_and_erasure_cover_the_rows_held_through_leads(workspace, north, clock_at):
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    ann = member(workspace, "ann")
    agent(workspace, ann, north, max_open=10)
    mia = lead_at(workspace, MONDAY, clock_at, 1, first_name="Mia")
    other = lead_at(workspace, MONDAY, clock_at, 2, first_name="Otto")
    fire_due_timers(MONDAY + timedelta(minutes=11))  # a reminder about each
    log_activity(workspace, mia.pk, "call", at=MONDAY + timedelta(minutes=12), outcome="booked")
    todo.add_task(
        workspace,
        mia.pk,
        title="Send Mia the quote",
        due_at=MONDAY + timedelta(days=1),
        assignee_id=None,
        at=MONDAY,
    )
    document = json.loads(as_json(export_person(workspace, {"email": "p1@x.test"})))
    ops = document["operational"]
    assert len(ops["leads.lead"]) == 1 and ops["leads.lead"][0]["id"] == mia.pk
    assert [a["outcome"] for a in ops["leads.activity"]] == ["booked"]
    assert sorted(n["key"] for n in ops["leads.notice"]) == ["auto-reply", "remind:1"]
    assert [s["to_stage"] for s in ops["leads.stagechange"]] == ["lead"]
    assert sorted(t["title"] for t in ops["leads.followuptask"]) == [
        "First response: call, email, SMS or meet",
        "Send Mia the quote",
    ]
    assert {t["lead_id"] for t in ops["leads.timer"]} == {mia.pk}
    erase_person(workspace, {"email": "p1@x.test"})
    assert list(Lead.objects.values_list("pk", flat=True)) == [other.pk]
    for model in (Activity, Notice, StageChange, FollowUpTask):
        assert set(model.objects.values_list("lead_id", flat=True)) <= {other.pk}, model
    assert Notice.objects.filter(lead=other).count() == 2
