"""Rule scores survive kills: a real ``rescore_open_leads`` process (the ``lead-scores``
loop) is killed with SIGKILL with a workspace's leads rescored and moved on by a new
threshold, before COMMIT.

The guarantee: a run's scores and stage moves are made together or not at all, and a
threshold moves a lead once. After the kill every lead is as it was (score, time
scored, stage, history); a rerun scores each and moves each once, what an undisturbed
run does; running again at the same hour, or later, changes no stage and adds no
history."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import clock, feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.models import Lead, ScoreRule, ScoreThreshold, StageChange
from tests.core.loop_processes import SIGKILL, run_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AT = NOW + timedelta(hours=1)
LOOP = "pacer.leads.scoring.rescore_open_leads"
LEADS = 4


def state() -> tuple[list, list]:
    leads = list(Lead.objects.order_by("id").values_list("stage", "score", "scored_at"))
    history = list(
        StageChange.objects.order_by("lead_id", "id").values_list(
            "lead_id", "from_stage", "to_stage", "by", "at"
        )
    )
    return leads, history


def test_a_killed_rescore_changes_nothing_and_the_rerun_moves_each_lead_once(
    workspace, monkeypatch
):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    ScoreRule.objects.create(
        workspace=workspace, name="named", kind="fit", field="first_name", points=5
    )
    for n in range(LEADS):
        actions.capture(
            workspace,
            {"email": f"p{n}@x.test", "first_name": f"P{n}", "submission_id": f"s{n}"},
            source="api",
            received_at=NOW,
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    # a threshold added since: the hourly loop moves every lead on
    ScoreThreshold.objects.create(workspace=workspace, from_stage="lead", to_stage="mql", score=5)
    before = state()
    assert before[0] == [("lead", 5.0, NOW)] * LEADS

    status, output = run_loop(LOOP, AT, fault="leads.scores.scored:1")
    assert status == SIGKILL, output
    assert state() == before

    assert run_loop(LOOP, AT) == (0, "0\n")
    leads, history = state()
    assert leads == [("mql", 5.0, AT)] * LEADS
    ids = list(Lead.objects.order_by("id").values_list("id", flat=True))
    assert history == sorted(
        [row for row in before[1]] + [(pk, "lead", "mql", "rule:score>=5", AT) for pk in ids]
    )
    after = state()
    assert run_loop(LOOP, AT) == (0, "0\n")  # scored at this hour: nothing to do
    assert state() == after
    later = AT + timedelta(hours=1)
    assert run_loop(LOOP, later) == (0, "0\n")
    assert state() == ([("mql", 5.0, later)] * LEADS, after[1])
