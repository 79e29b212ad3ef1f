"""A new lead nobody can take while its location is open (everyone away or at their cap)
and with no fallback owner does not wait unowned for ever: its clock runs from its
arrival, routing tries again every 15 working minutes (an assignment timer, fired once),
and when a try still finds nobody its managers are told by email once (through a real
SMTP server) and the inbox's Overdue view shows it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.leads import selectors
from pacer.leads.followup import log_activity
from pacer.leads.models import Agent, FollowUpTask, Lead, LocationHours, Notice, SlaPolicy, Timer
from pacer.leads.routing import ASSIGN_TRIES
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at
from tests.leads.test_no_deadline import _sent_through, _with_email

pytestmark = pytest.mark.django_db
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
ARRIVED = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # Monday 11:00 in London (BST), open
FIRST_RETRY = ARRIVED + timedelta(minutes=15)
DEADLINE = ARRIVED + timedelta(minutes=60)
PASSWORD = "correct-horse-1"


def minutes(n: int) -> datetime:
    return ARRIVED + timedelta(minutes=n)


@pytest.fixture
def full(workspace, north):
    """North open Mon-Fri 09:00-17:00 in London, a 60-minute SLA; ann, its only agent, is
    at her cap; max manages it (takes no leads); no fallback owner."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS
    )
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=60, remind_minutes=5, reassign_minutes=30
    )
    ann, boss = _with_email(workspace, "ann"), _with_email(workspace, "max")
    boss.set_password(PASSWORD)
    boss.save(update_fields=["password"])
    agent(workspace, ann, north, max_open=0)
    agent(workspace, boss, north, weight=0, is_manager=True)
    return {"ann": ann, "max": boss}


def _unowned_alerts(lead) -> list[tuple[str, str]]:
    return list(
        Notice.objects.filter(lead=lead, key__startswith="unowned").values_list(
            "key", "to_user__username"
        )
    )


def _overdue(workspace, now) -> list[int]:
    return [lead.pk for lead in selectors.inbox(workspace, view="overdue", user_id=0, now=now)]


def test_nobody_free_and_no_fallback_owner_retries_then_tells_the_managers_once(
    workspace, full, clock_at, settings, smtp_sink
):
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    Notice.objects.filter(key="auto-reply").update(claimed_at=ARRIVED, sent_at=ARRIVED)
    # unowned, its clock running from the arrival, and a try set 15 working minutes on
    assert (lead.owner, lead.respond_by, lead.unowned_alerted_at) == (None, DEADLINE, None)
    (retry,) = Timer.objects.filter(lead=lead, kind="assign")
    assert (retry.step, retry.due_at, retry.fired_at) == (0, FIRST_RETRY, None)
    assert AuditEntry.objects.filter(action="leads.assign").get().after == {
        "owner": None,
        "reason": f"new: nobody free; tries again at {FIRST_RETRY.isoformat()}",
        "respond_by": DEADLINE.isoformat(),
    }
    assert _unowned_alerts(lead) == [] and _sent_through(smtp_sink, settings) == []
    assert _overdue(workspace, minutes(14)) == []  # not late yet, and nobody told

    clock_at(FIRST_RETRY)
    assert fire_due_timers(FIRST_RETRY) == 1  # the try: still nobody
    lead.refresh_from_db()
    assert (lead.owner, lead.respond_by, lead.unowned_alerted_at) == (None, DEADLINE, FIRST_RETRY)
    assert _unowned_alerts(lead) == [(f"unowned:2:{full['max'].pk}", "max")]
    assert _sent_through(smtp_sink, settings) == [(["max@x.test"], f"Lead #{lead.pk} has no owner")]
    assert Timer.objects.get(lead=lead, kind="assign", step=1).due_at == minutes(30)
    assert AuditEntry.objects.filter(action="leads.assign").latest("id").after["reason"] == (
        f"at the opening: nobody free; tries again at {minutes(30).isoformat()}; "
        "no fallback owner: managers alerted"
    )
    # in the Overdue view from now on (its deadline is still 45 minutes off)
    assert _overdue(workspace, minutes(16)) == [lead.pk]
    assert selectors.late_counts(workspace, minutes(16)) == selectors.Late(0, 0, 1)
    client = Client()
    client.login(username="max", password=PASSWORD)
    page = client.get("/leads/?view=overdue").content.decode()
    assert '<p class="muted" id="lead-late">Overdue: 1 with nobody free to take it</p>' in page
    assert f'href="/leads/{lead.pk}/"' in page.split('id="lead-inbox"', 1)[1]

    assert fire_due_timers(FIRST_RETRY) == 0  # a rerun: that try fired once
    while pending := Timer.objects.filter(lead=lead, kind="assign", fired_at=None).first():
        clock_at(pending.due_at)
        assert fire_due_timers(pending.due_at) >= 1
    lead.refresh_from_db()
    assert lead.owner is None
    assert Timer.objects.filter(lead=lead, kind="assign").count() == ASSIGN_TRIES
    assert _unowned_alerts(lead) == [(f"unowned:2:{full['max'].pk}", "max")]  # once
    every = [subject for _, subject in _sent_through(smtp_sink, settings)]  # all so far
    assert every == [
        f"Lead #{lead.pk} has no owner",
        f"Lead #{lead.pk} missed its response deadline",
    ]
    assert _overdue(workspace, minutes(200)) == [lead.pk]


def test_an_agent_free_at_a_later_try_takes_the_lead_with_its_clock(workspace, full, clock_at):
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    assert lead.owner is None
    Agent.objects.filter(user=full["ann"]).update(max_open=5)  # ann can take leads again
    clock_at(FIRST_RETRY)
    assert fire_due_timers(FIRST_RETRY) == 1
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.owner, lead.respond_by, lead.unowned_alerted_at) == (full["ann"], DEADLINE, None)
    task = FollowUpTask.objects.get(lead=lead, key="first-response")
    assert (task.assignee, task.due_at) == (full["ann"], DEADLINE)
    assert _unowned_alerts(lead) == []
    assert _overdue(workspace, minutes(16)) == []


def test_the_locations_page_counts_them_and_links_to_them_in_the_inbox(workspace, full, clock_at):
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    answered = lead_at(workspace, ARRIVED, clock_at, 2)  # nobody free either, but answered
    clock_at(FIRST_RETRY)
    assert fire_due_timers(FIRST_RETRY) == 2  # both tried: still nobody, the managers told
    log_activity(workspace, answered.pk, "call", at=FIRST_RETRY, outcome="reached")
    client = Client()
    client.login(username="max", password=PASSWORD)
    page = client.get("/leads/locations/").content.decode()
    table = page.split('id="lead-queues"', 1)[1]
    north = lead.location_id
    link = f'href="/leads/?view=unowned&amp;location={north}"'
    assert ">Nobody free<" in table and f"{link}>1</a>" in table.replace("\n", "")
    page = client.get(f"/leads/?view=unowned&location={north}").content.decode()
    inbox = page.split('id="lead-inbox"', 1)[1]
    assert f'href="/leads/{lead.pk}/"' in inbox and f'href="/leads/{answered.pk}/"' not in inbox
    assert "Location: North" in page
    page = client.get("/leads/?view=unowned&location=none").content.decode()
    assert f'href="/leads/{lead.pk}/"' not in page.split('id="lead-inbox"', 1)[1]
