"""The next touch after each response, per stage: exact deadlines in working minutes
(North: London, Mon-Fri 09:00-17:00) across a closed evening, a weekend and the start of
British summer time; the next touch cancels the previous one's timers (no notice sent);
a stage move brings it forward, never later; a closed lead owes none; each timer fires
once under a double run of the timer task; the SLA page and API set it."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import faults
from pacer.core.models import AuditEntry, OutboxEmail
from pacer.leads import actions, sla
from pacer.leads.followup import log_activity
from pacer.leads.models import FollowUpTask, LocationHours, Notice, SlaPolicy, Timer
from pacer.leads.timers import fire_due_timers
from tests.api_client import ApiClient
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in UTC (London keeps GMT until Sunday the 29th)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def desk(workspace, north):
    """North's hours; Ann takes its leads, Mia (a manager) hears of missed touches."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS_9_TO_5
    )
    ann, mia = member(workspace, "ann"), member(workspace, "mia")
    for user in (ann, mia):
        user.email = f"{user.username}@x.test"
        user.save(update_fields=["email"])
    agent(workspace, ann, north, max_open=10)
    agent(workspace, mia, north, weight=0, is_manager=True)
    return ann, mia


def policy(workspace, stage, respond, remind, reassign, next_touch):
    sla.save_policy(
        workspace,
        {
            "stage": stage,
            "location": "",
            "respond_minutes": respond,
            "remind_minutes": remind,
            "reassign_minutes": reassign,
            "next_touch_minutes": next_touch,
        },
    )


def touch_timers(lead, *, pending=True) -> list[tuple]:
    found = Timer.objects.filter(lead=lead, kind__in=("touch", "touch-late"))
    if pending:
        found = found.filter(fired_at__isnull=True, cancelled_at__isnull=True)
    return sorted(found.values_list("kind", "step", "due_at"))


def next_touch_task(lead) -> tuple:
    (task,) = FollowUpTask.objects.filter(lead=lead, key="next-touch")
    return task.due_at, task.assignee.username, task.done_at


def test_each_response_sets_the_next_touch_across_an_evening_a_weekend_and_dst(
    workspace, desk, clock_at
):
    policy(workspace, "lead", 60, 30, 60, 480)  # next touch within one working day
    lead = lead_at(workspace, t(5, 15), clock_at, 1)  # Thursday 15:00
    log_activity(workspace, lead.pk, "call", at=t(5, 16), outcome="reached")
    lead.refresh_from_db()
    # 60 minutes on Thursday, the evening closed, 420 on Friday
    assert (lead.next_touch_by, lead.touch_round) == (t(6, 16), 1)
    assert touch_timers(lead) == [("touch", 1, t(6, 15, 30)), ("touch-late", 1, t(6, 16))]
    assert next_touch_task(lead) == (t(6, 16), "ann", None)

    log_activity(workspace, lead.pk, "note", at=t(6, 10), outcome="not a touch")
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (t(6, 16), 1)

    log_activity(workspace, lead.pk, "email", at=t(6, 15), outcome="sent the brochure")
    lead.refresh_from_db()
    # 120 minutes on Friday, the weekend closed, 360 on Monday
    assert (lead.next_touch_by, lead.touch_round) == (t(9, 15), 2)
    assert touch_timers(lead) == [("touch", 2, t(9, 14, 30)), ("touch-late", 2, t(9, 15))]
    cancelled = Timer.objects.filter(lead=lead, step=1, kind__in=("touch", "touch-late"))
    assert list(cancelled.values_list("cancelled_at", "fired_at")) == [(t(6, 15), None)] * 2
    assert next_touch_task(lead) == (t(9, 15), "ann", None)

    log_activity(workspace, lead.pk, "meeting", at=t(27, 15), outcome="visited")
    lead.refresh_from_db()
    # Friday 27th 15:00 GMT: 120 minutes, then Monday 30th opens 09:00 BST (08:00 UTC)
    assert (lead.next_touch_by, lead.touch_round) == (t(30, 14), 3)
    assert touch_timers(lead) == [("touch", 3, t(30, 13, 30)), ("touch-late", 3, t(30, 14))]
    assert FollowUpTask.objects.filter(lead=lead, key="next-touch").count() == 1


def test_a_timer_of_a_touch_does_not_fire_after_the_next_touch(workspace, desk, clock_at):
    ann, mia = desk
    policy(workspace, "lead", 15, 5, 30, 60)
    lead = lead_at(workspace, t(9, 10), clock_at, 1)  # Monday 10:00
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 5), outcome="reached")
    lead.refresh_from_db()
    assert touch_timers(lead) == [("touch", 1, t(9, 11)), ("touch-late", 1, t(9, 11, 5))]
    log_activity(workspace, lead.pk, "sms", at=t(9, 10, 50), outcome="texted")
    clock_at(t(9, 11, 10))
    # round 1's reminder (11:00) and escalation (11:05) are due, but the SMS came first
    assert fire_due_timers(t(9, 11, 10)) == 0
    assert not Notice.objects.filter(key__startswith="touch").exists()
    assert not OutboxEmail.objects.filter(key__contains=":touch").exists()
    assert touch_timers(lead) == [("touch", 2, t(9, 11, 45)), ("touch-late", 2, t(9, 11, 50))]

    clock_at(t(9, 11, 45))
    assert fire_due_timers(t(9, 11, 45)) == 1
    (reminder,) = Notice.objects.filter(key__startswith="touch")
    assert (reminder.key, reminder.to_user, reminder.subject) == (
        "touch:2",
        ann,
        f"Lead #{lead.pk}: next touch by Mon 9 Mar 11:50 GMT",
    )
    clock_at(t(9, 11, 50))
    assert fire_due_timers(t(9, 11, 50)) == 1
    late = Notice.objects.filter(key__startswith="touch-late")
    assert list(late.values_list("key", "to_user", "subject", "body")) == [
        (
            f"touch-late:2:0:{mia.pk}",
            mia.pk,
            f"Lead #{lead.pk} missed its next touch (due Mon 9 Mar 11:50 GMT)",
            f"Lead #{lead.pk} was due its next touch by Mon 9 Mar 11:50 GMT and has had none "
            "since.\n",
        )
    ]
    assert sorted(
        OutboxEmail.objects.filter(key__contains=":touch").values_list("to_email", flat=True)
    ) == ["ann@x.test", "mia@x.test"]


def test_each_touch_timer_fires_once_under_a_double_run_of_the_timer_task(
    workspace, desk, clock_at
):
    ann, _ = desk
    policy(workspace, "lead", 15, 5, 30, 60)
    lead = lead_at(workspace, t(9, 10), clock_at, 1)
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 5), outcome="reached")
    clock_at(t(9, 11, 1))
    inner, started = [], []

    def second_run():  # another worker fires what this run has listed, before it claims
        if not started:
            started.append(True)
            inner.append(fire_due_timers(t(9, 11, 2)))

    with faults.hooked("leads.timer.listed", second_run):
        outer = fire_due_timers(t(9, 11, 1))
    assert (inner, outer) == ([1], 0)
    (reminder,) = Timer.objects.filter(lead=lead, kind="touch")
    assert reminder.fired_at == t(9, 11, 2)  # the second run's claim, not overwritten
    assert list(Notice.objects.filter(key__startswith="touch").values_list("key", "to_user")) == [
        ("touch:1", ann.pk)
    ]
    assert OutboxEmail.objects.filter(key__contains=":touch").count() == 1
    assert fire_due_timers(t(9, 11, 3)) == 0


def test_a_stage_move_brings_the_next_touch_forward_never_later(workspace, desk, clock_at):
    policy(workspace, "lead", 60, 30, 60, 480)
    policy(workspace, "sql", 60, 10, 30, 60)
    policy(workspace, "mql", 60, 10, 30, 960)
    lead = lead_at(workspace, t(9, 10), clock_at, 1)  # Monday 10:00
    actions.move_stage(workspace, lead.pk, "mql", at=t(9, 10, 2))  # unanswered: no touch yet
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (None, 0)
    actions.move_stage(workspace, lead.pk, "lead", at=t(9, 10, 3))
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 10), outcome="reached")
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (t(10, 10, 10), 1)  # 410 + 70 minutes

    actions.move_stage(workspace, lead.pk, "sql", at=t(9, 11))
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (t(9, 12), 2)
    assert touch_timers(lead) == [("touch", 2, t(9, 11, 50)), ("touch-late", 2, t(9, 12))]
    assert Timer.objects.filter(lead=lead, step=1, cancelled_at=t(9, 11)).count() == 2
    assert next_touch_task(lead) == (t(9, 12), "ann", None)
    (entry,) = AuditEntry.objects.filter(action="leads.timers.next_touch")
    assert (entry.before, entry.after) == (
        {"next_touch_by": t(10, 10, 10).isoformat()},
        {"why": "stage: sql", "round": 2, "next_touch_by": t(9, 12).isoformat()},
    )

    actions.move_stage(workspace, lead.pk, "mql", at=t(9, 11, 30))  # 960 minutes: later
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (t(9, 12), 2)
    assert touch_timers(lead) == [("touch", 2, t(9, 11, 50)), ("touch-late", 2, t(9, 12))]

    actions.move_stage(workspace, lead.pk, "disqualified", at=t(9, 11, 40), reason="moved away")
    lead.refresh_from_db()
    assert (lead.next_touch_by, touch_timers(lead)) == (None, [])
    assert next_touch_task(lead) == (t(9, 12), "ann", t(9, 11, 40))
    assert fire_due_timers(t(9, 12, 30)) == 0  # closed: nothing fires
    assert not Notice.objects.filter(key__startswith="touch").exists()

    actions.move_stage(workspace, lead.pk, "sql", at=t(9, 13))  # reopened, answered before
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (t(9, 14), 3)
    assert next_touch_task(lead) == (t(9, 14), "ann", None)


def test_a_stage_without_a_next_touch_clears_it_at_the_next_response(workspace, desk, clock_at):
    policy(workspace, "lead", 60, 30, 60, 480)
    policy(workspace, "sql", 60, 10, 30, None)
    lead = lead_at(workspace, t(9, 10), clock_at, 1)
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 10), outcome="reached")
    actions.move_stage(workspace, lead.pk, "sql", at=t(9, 10, 20))  # none in sql: kept
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round) == (t(10, 10, 10), 1)
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 30), outcome="booked")
    lead.refresh_from_db()
    assert (lead.next_touch_by, lead.touch_round, touch_timers(lead)) == (None, 2, [])
    assert next_touch_task(lead) == (t(10, 10, 10), "ann", t(9, 10, 30))


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


def _policies():
    return (
        list(SlaPolicy.objects.values_list("stage", "next_touch_minutes")),
        AuditEntry.objects.filter(action__startswith="leads.sla").count(),
    )


def test_the_sla_page_sets_the_next_touch_and_shows_a_refusal_at_its_field(
    workspace, north, logged_in
):
    typed = {"stage": "sql", "location": "", "respond_minutes": "60", "remind_minutes": "10"}
    refused = logged_in.post(
        "/leads/sla/", {**typed, "reassign_minutes": "30", "next_touch_minutes": "10"}
    )
    assert refused.status_code == 422 and _policies() == ([], 0)
    html = refused.content.decode()
    assert (
        'id="field-next_touch_minutes-error"><p>must be more than the reminder&#x27;s 10 minutes '
        "(the reminder comes before the next touch is due), or blank for none</p>"
    ) in html
    assert 'href="#field-next_touch_minutes"' in html
    saved = logged_in.post(
        "/leads/sla/", {**typed, "reassign_minutes": "30", "next_touch_minutes": "480"}
    )
    assert saved.status_code == 302
    assert _policies() == ([("sql", 480)], 1)
    listed = logged_in.get("/leads/sla/").content.decode()
    assert "Next touch within (min)" in listed and ">480<" in listed


def test_the_api_sets_the_next_touch_and_refuses_by_field(workspace, north, admin):
    api = ApiClient(workspace, admin)

    def put(body):
        return api.put("leads/settings/sla", body)

    body = {"stage": "sql", "respond_minutes": 60, "remind_minutes": 10}
    for bad, reason in (
        (
            10,
            "must be more than the reminder's 10 minutes (the reminder comes before the "
            "next touch is due), or blank for none",
        ),
        (0, None),
    ):
        refused = put({**body, "next_touch_minutes": bad})
        assert refused.status_code == 422 and _policies() == ([], 0)
        if reason:
            assert refused.json()["errors"] == {"next_touch_minutes": reason}
    saved = put({**body, "next_touch_minutes": 480})
    assert saved.status_code == 200
    assert saved.json()["next_touch_minutes"] == 480 and _policies() == ([("sql", 480)], 1)
    cleared = put({**body, "next_touch_minutes": None})
    assert cleared.json()["next_touch_minutes"] is None
    assert _policies()[0] == [("sql", None)]


def test_the_lead_page_and_api_show_the_next_touch(workspace, desk, admin, clock_at):
    policy(workspace, "lead", 60, 30, 60, 480)
    lead = lead_at(workspace, t(5, 15), clock_at, 1)
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/api/leads/{lead.pk}", **auth).json()["next_touch_by"] is None
    logged = client.post(
        f"/api/leads/{lead.pk}/activities",
        {"kind": "call", "outcome": "reached"},
        content_type="application/json",
        **auth,
    )
    assert logged.status_code == 200
    lead.refresh_from_db()
    assert logged.json()["next_touch_by"] == lead.next_touch_by.isoformat().replace("+00:00", "Z")
    client.force_login(admin)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    expected = lead.next_touch_by.strftime("%Y-%m-%d %H:%M")
    assert f"<dt>Next touch by</dt><dd>{expected}</dd>" in page
