"""A lead re-assigned after its deadline while nobody else is free (and no fallback owner)
does not sit unowned for ever: like an unowned new lead it is tried again every 15 working
minutes (an assignment timer naming the previous owner, fired once), its managers are
told once (through a real SMTP server), it keeps its missed deadline in the inbox's
Overdue view with its next try, and an agent free at a later try takes it with a full new
deadline, its task and a notice."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.leads import selectors
from pacer.leads.models import FollowUpTask, Lead, LocationHours, Notice, SlaPolicy, Timer
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at
from tests.leads.test_no_deadline import _sent_through, _with_email
from tests.leads.test_unowned_retry import PASSWORD, WEEKDAYS

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # Monday 11:00 in London (BST), open
DEADLINE = ARRIVED + timedelta(minutes=60)
REASSIGN = DEADLINE + timedelta(minutes=30)


def minutes(n: int) -> datetime:
    return ARRIVED + timedelta(minutes=n)


@pytest.fixture
def staff(workspace, north):
    """North open Mon-Fri 09:00-17:00 in London, a 60-minute SLA re-assigned 30 minutes
    after; ann its only agent; max manages it (takes no leads); no fallback owner."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS
    )
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=60, remind_minutes=5, reassign_minutes=30
    )
    ann, boss = _with_email(workspace, "ann"), _with_email(workspace, "max")
    boss.set_password(PASSWORD)
    boss.save(update_fields=["password"])
    agent(workspace, ann, north)
    agent(workspace, boss, north, weight=0, is_manager=True)
    return {"ann": ann, "max": boss}


def _alerts(lead) -> list[tuple[str, str]]:
    return list(
        Notice.objects.filter(lead=lead, key__startswith="unowned").values_list(
            "key", "to_user__username"
        )
    )


def test_a_reassignment_with_nobody_free_waits_and_is_tried_again(
    workspace, north, staff, clock_at, settings, smtp_sink
):
    ann, boss = staff["ann"], staff["max"]
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    Notice.objects.filter(key="auto-reply").update(claimed_at=ARRIVED, sent_at=ARRIVED)
    assert (lead.owner, lead.respond_by) == (ann, DEADLINE)
    for moment in (DEADLINE, REASSIGN):  # the escalation, then the re-assignment
        clock_at(moment)
        assert fire_due_timers(moment) >= 1

    lead.refresh_from_db()  # nobody else free, no fallback owner: unowned, tried again
    assert (lead.owner, lead.respond_by, lead.unowned_alerted_at) == (None, DEADLINE, REASSIGN)
    (retry,) = Timer.objects.filter(lead=lead, kind="assign")
    assert (retry.step, retry.due_at) == (0, minutes(105))
    assert retry.target == {"reassigned_from": ann.pk}
    assert AuditEntry.objects.filter(action="leads.assign").latest("id").after == {
        "owner": None,
        "reason": f"re-assigned after the deadline: nobody free; tries again at "
        f"{minutes(105).isoformat()}; no fallback owner: managers alerted",
        "respond_by": DEADLINE.isoformat(),
    }
    assert _alerts(lead) == [(f"unowned:{lead.assignment_round}:{boss.pk}", "max")]
    assert FollowUpTask.objects.get(lead=lead, key="first-response").assignee is None
    assert fire_due_timers(REASSIGN) == 0  # a rerun: fired once, nothing made twice
    assert Timer.objects.filter(lead=lead, kind="assign").count() == 1

    # the inbox: overdue, unowned, with its next try at the location (12:45 BST)
    assert selectors.late_counts(workspace, minutes(95)) == selectors.Late(1, 0, 0)
    client = Client()
    client.login(username="max", password=PASSWORD)
    clock_at(minutes(95))
    page = client.get("/leads/?view=overdue").content.decode()
    table = page.split('id="lead-inbox"', 1)[1]
    assert f'href="/leads/{lead.pk}/"' in table
    assert "overdue by 35 min; next try Mon 12:45" in table

    clock_at(minutes(105))  # the second try: still nobody, no second alert
    assert fire_due_timers(minutes(105)) == 1
    lead.refresh_from_db()
    assert (lead.owner, lead.respond_by) == (None, DEADLINE)
    assert Timer.objects.get(lead=lead, kind="assign", fired_at=None).due_at == minutes(120)
    assert len(_alerts(lead)) == 1

    ben = _with_email(workspace, "ben")  # someone free at the next try takes it
    agent(workspace, ben, north)
    clock_at(minutes(120))
    assert fire_due_timers(minutes(120)) == 1
    lead = Lead.objects.get(pk=lead.pk)
    new_deadline = minutes(180)  # a full new hour from the re-assignment
    assert (lead.owner, lead.respond_by, lead.unowned_alerted_at) == (ben, new_deadline, None)
    task = FollowUpTask.objects.get(lead=lead, key="first-response")
    assert (task.assignee, task.due_at) == (ben, new_deadline)
    assert Notice.objects.get(lead=lead, key=f"assigned:{lead.assignment_round}").to_user == ben
    assert not Timer.objects.filter(lead=lead, kind="assign", fired_at=None).exists()
    assert selectors.late_counts(workspace, minutes(121)) == selectors.Late(0, 0, 0)
    sent = _sent_through(smtp_sink, settings)
    assert [(to, subject) for to, subject in sent if "no owner" in subject] == [
        (["max@x.test"], f"Lead #{lead.pk} has no owner")  # once over every try
    ]
    assert (["ben@x.test"], f"Lead #{lead.pk} is yours, respond by Mon 30 Mar 14:00 BST") in sent
