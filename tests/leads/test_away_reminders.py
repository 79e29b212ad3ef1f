"""An away owner whose leads nobody else could take over gets no reminder, SMS or
owner's escalation about them while away: they go to the lead's managers (the people
alerted that it waits), said so, and the exact recipients reach a real SMTP server."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.leads import escalation, handover
from pacer.leads.models import Agent, Notice
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, sla
from tests.leads.test_no_deadline import _sent_through, _with_email

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in London (BST)
AWAY_AT = NOW + timedelta(minutes=2)
BACK = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
REMIND_AT = NOW + timedelta(minutes=10)
DUE = NOW + timedelta(minutes=15)


@pytest.fixture
def away_owner(workspace, north, clock_at):
    """ann owns a lead of North (deadline 09:15 BST), then goes away with nobody free to
    take it over; max and mia manage North (take no leads), mia is away too."""
    sla(workspace, north)
    ann, max_ = _with_email(workspace, "ann"), _with_email(workspace, "max")
    ann.first_name, ann.last_name = "Ann", "Archer"
    ann.save(update_fields=["first_name", "last_name"])
    agent(workspace, ann, north, phone="+447700900001")
    agent(workspace, max_, north, is_manager=True, max_open=0)
    mia = _with_email(workspace, "mia")  # North's other manager, away too: told nothing
    agent(workspace, mia, north, is_manager=True, max_open=0, away_until=BACK)
    escalation.save_chain(
        workspace,
        {
            "location": "",
            "steps": [{"delay_minutes": 0, "to": "owner"}, {"delay_minutes": 0, "to": "managers"}],
        },
    )
    lead = lead_at(workspace, NOW, clock_at, 1)
    assert lead.owner == ann and lead.respond_by == DUE
    Notice.objects.filter(key="auto-reply").update(claimed_at=NOW, sent_at=NOW)
    Agent.objects.filter(user=ann).update(away_until=BACK)
    clock_at(AWAY_AT)
    assert handover.hand_over_away(workspace, ann.pk, AWAY_AT).unattended == [lead.pk]
    return lead


def test_the_reminder_goes_to_the_managers_not_the_away_owner(
    workspace, away_owner, clock_at, settings, smtp_sink
):
    lead = away_owner
    clock_at(REMIND_AT)
    assert fire_due_timers(REMIND_AT) == 1
    label = f"Lead #{lead.pk}"
    assert _sent_through(smtp_sink, settings) == [
        (["max@x.test"], f"{label} waits for an owner who is away"),
        (["max@x.test"], f"{label}: respond by Tue 31 Mar 09:15 BST (its owner is away)"),
    ]
    reminder = Notice.objects.get(key__startswith="remind")
    assert reminder.key == f"remind:1:{reminder.to_user_id}"
    assert reminder.to_user.username == "max"
    assert reminder.body == (
        f"{label} is waiting for its first response (due Tue 31 Mar 09:15 BST).\n"
        "Its owner, Ann Archer, is away until Thu 2 Apr 09:00 BST and nobody else could "
        "take it over: answer it, or give it to someone.\n"
    )
    assert not Notice.objects.filter(to_user__username="ann").exists()
    assert not Notice.objects.exclude(to_phone="").exists()  # no SMS to ann's phone


def test_the_owners_escalation_step_goes_to_the_managers_while_the_owner_is_away(
    workspace, away_owner, clock_at, settings, smtp_sink
):
    lead = away_owner
    clock_at(DUE)
    assert fire_due_timers(DUE) == 3  # the reminder, the owner's step, the managers' step
    missed = f"Lead #{lead.pk} missed its response deadline"
    max_id = Agent.objects.get(is_manager=True, user__username="max").user_id
    told = Notice.objects.exclude(key="auto-reply").values_list("key", "to_user__username")
    assert sorted(told) == [
        (f"breach:1:0:{max_id}", "max"),  # the owner's step
        (f"breach:1:1:{max_id}", "max"),  # the managers' step
        (f"remind:1:{max_id}", "max"),
        (f"unowned:1:{max_id}", "max"),
    ]
    sent = _sent_through(smtp_sink, settings)
    assert [recipients for recipients, _ in sent] == [["max@x.test"]] * 4
    assert [subject for _, subject in sent].count(missed) == 2


def test_an_owner_back_from_time_off_is_reminded_again(workspace, away_owner, clock_at):
    """Back before the reminder: it is theirs again, as for any owner."""
    Agent.objects.filter(user=away_owner.owner).update(away_until=None)
    clock_at(REMIND_AT)
    assert fire_due_timers(REMIND_AT) == 1
    assert Notice.objects.get(key__startswith="remind:").to_user.username == "ann"
    assert Notice.objects.get(key="remind-sms:1").to_phone == "+447700900001"
