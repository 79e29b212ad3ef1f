"""Follow-up tasks: the owner's first-response task made at assignment (once), done by
the first response, handed over on re-assignment; next steps added, done and undone from
the lead page; the speed report per owner and per team."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.leads import followup, todo
from pacer.leads.followup import log_activity
from pacer.leads.models import FollowUpTask, LocationHours, SlaPolicy
from pacer.leads.report import GroupFigures, speed_report
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(workspace, north):
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    agent(workspace, ann, north, team="north-desk")
    agent(workspace, ben, north, team="north-desk", weight=0.001)  # ann first
    return ann, ben


def test_assignment_gives_the_owner_a_first_response_task_once_done_by_the_answer(
    workspace, desk, clock_at
):
    ann, _ = desk
    lead = lead_at(workspace, MONDAY, clock_at, 1)
    (task,) = FollowUpTask.objects.all()
    assert (task.key, task.assignee, task.due_at, task.done_at) == (
        "first-response",
        ann,
        MONDAY + timedelta(minutes=15),
        None,
    )
    todo.first_response_task(lead, MONDAY)  # a rerun makes no second one
    assert FollowUpTask.objects.count() == 1
    client = Client()
    client.force_login(ann)
    assert "My tasks (1)" in client.get("/leads/").content.decode()
    log_activity(workspace, lead.pk, "call", at=MONDAY + timedelta(minutes=4), actor=ann)
    task.refresh_from_db()
    assert (task.done_at, task.done_by) == (MONDAY + timedelta(minutes=4), ann)
    assert "My tasks" not in client.get("/leads/").content.decode()


def test_re_assignment_hands_the_open_tasks_to_the_new_owner(workspace, desk, clock_at):
    ann, ben = desk
    lead = lead_at(workspace, MONDAY, clock_at, 1)
    todo.add_task(
        workspace,
        lead.pk,
        title="Send the brochure",
        due_at=MONDAY + timedelta(days=1),
        assignee_id=None,
        at=MONDAY,
    )
    late = MONDAY + timedelta(minutes=46)  # past the re-assignment deadline (15 + 30)
    assert fire_due_timers(late) == 3
    lead.refresh_from_db()
    assert lead.owner == ben
    tasks = {t.title: t for t in FollowUpTask.objects.all()}
    assert {t.assignee for t in tasks.values()} == {ben}
    assert tasks["First response: call, email, SMS or meet"].due_at == lead.respond_by


def test_tasks_from_the_lead_page_in_the_locations_time_zone(workspace, desk, clock_at, north):
    ann, ben = desk
    LocationHours.objects.create(workspace=workspace, location_id=north.pk, timezone="Europe/Paris")
    lead = lead_at(workspace, MONDAY, clock_at, 1)
    client = Client()
    client.force_login(ann)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'value="2026-03-24T11:00"' in page  # tomorrow, in Paris (UTC+1)
    client.post(
        f"/leads/{lead.pk}/",
        {"action": "task", "title": "Quote", "due_at": "2026-03-24T11:00", "assignee": ben.pk},
    )
    quote = FollowUpTask.objects.get(title="Quote")
    assert (quote.assignee, quote.due_at) == (ben, datetime(2026, 3, 24, 10, tzinfo=UTC))
    # shown as typed: in Paris, as every time of the page
    shown = client.get(f"/leads/{lead.pk}/").content.decode()
    assert '2026-03-24T11:00:00+01:00">2026-03-24 11:00</time>' in shown
    assert "Times in the location's time (Europe/Paris)." in shown
    client.post(f"/leads/{lead.pk}/", {"action": "task", "title": "", "due_at": "soon"})
    assert FollowUpTask.objects.count() == 2  # refused: nothing written
    with pytest.raises(ValidationFailed) as refused:
        todo.add_task(workspace, lead.pk, title=" ", due_at=None, assignee_id=10**6, at=MONDAY)
    assert refused.value.errors == {
        "title": "must be 1-200 characters",
        "due_at": "is required",
        "assignee": "is not a member of this workspace",
    }
    client.post(f"/leads/{lead.pk}/", {"action": "done", "task": quote.pk})
    quote.refresh_from_db()
    assert (quote.done_at, quote.done_by) == (MONDAY, ann)
    client.post(f"/leads/{lead.pk}/", {"action": "undone", "task": quote.pk})
    quote.refresh_from_db()
    assert (quote.done_at, quote.done_by) == (None, None)
    other = lead_at(workspace, MONDAY, clock_at, 2)
    client.post(f"/leads/{other.pk}/", {"action": "done", "task": quote.pk})  # not its task
    quote.refresh_from_db()
    assert quote.done_at is None


def test_the_speed_report_per_owner_and_team(workspace, desk, clock_at, monkeypatch):
    ann, ben = desk
    first = lead_at(workspace, MONDAY, clock_at, 1)  # ann: answered in 5 min
    second = lead_at(workspace, MONDAY, clock_at, 2)  # ann: answered in 25 min, late
    third = lead_at(workspace, MONDAY, clock_at, 3)  # ann: never answered
    log_activity(workspace, first.pk, "call", at=MONDAY + timedelta(minutes=5))
    log_activity(workspace, second.pk, "email", at=MONDAY + timedelta(minutes=25))
    followup.log_activity(workspace, third.pk, "note", at=MONDAY + timedelta(minutes=1))
    from pacer.leads.actions import move_stage

    move_stage(workspace, first.pk, "customer", at=MONDAY + timedelta(days=1))
    # read two days on: the third lead's deadline has passed (while it is ahead, the lead
    # is neither met nor missed: test_report_waiting.py)
    report = speed_report(
        workspace,
        MONDAY - timedelta(days=1),
        MONDAY + timedelta(days=2),
        now=MONDAY + timedelta(days=2),
    )
    assert set(report.by_owner) == {ann.pk}
    assert report.by_owner[ann.pk] == GroupFigures(
        leads=3, answered=2, median_minutes=15.0, within_sla=1 / 3, conversion=1 / 3
    )
    assert report.by_team == {"north-desk": report.by_owner[ann.pk]}
    monkeypatch.setattr(clock, "now", lambda: MONDAY + timedelta(days=2))
    client = Client()
    client.force_login(ann)
    html = client.get("/leads/speed/").content.decode()
    assert 'id="speed-owners"' in html and 'id="speed-teams"' in html
    assert "North desk" in html and "north-desk" not in html and "33.3%" in html
