"""Agents at their cap or away, and leads without a deadline (no SLA policy for their
stage and location), on rotation and hand-over: a reopened lead stays with an owner whose
cap it fills (it is not a lead more for them); an away owner's leads are handed over
most urgent first and those without a deadline last, on either database; an unowned
lead waiting for the opening keeps being tried past its re-assignment time (see
test_fallback_owner); a lead without a deadline is handed over and told without one."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.leads import handover
from pacer.leads.actions import move_stage
from pacer.leads.models import Agent, Handover, Lead, Notice, SlaPolicy
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import agent, lead_at, member, sla

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in London (BST)


def test_a_reopened_lead_stays_with_an_owner_whose_cap_it_fills(workspace, north, clock_at):
    sla(workspace, north)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    agent(workspace, ann, north, max_open=1)
    agent(workspace, ben, north)
    lead = lead_at(workspace, ARRIVED, clock_at)
    assert lead.owner == ann
    move_stage(workspace, lead.pk, "disqualified", at=ARRIVED, reason="spam")
    move_stage(workspace, lead.pk, "lead", at=ARRIVED + timedelta(hours=1))
    lead.refresh_from_db()
    assert (lead.owner, lead.assignment_round) == (ann, 2)  # hers: one open lead, her cap
    assert lead.respond_by == ARRIVED + timedelta(hours=1, minutes=15)
    other = lead_at(workspace, ARRIVED + timedelta(hours=2), clock_at, 1)
    assert other.owner == ben  # now she is at her cap


def test_an_away_owners_leads_go_most_urgent_first_and_those_without_a_deadline_last(
    workspace, north, clock_at, django_capture_on_commit_callbacks
):
    sla(workspace, north)  # North has a policy; South none: its leads have no deadline
    (south,) = upsert_locations(workspace, [{"code": "south", "name": "South"}])
    SlaPolicy.objects.filter(location_id__isnull=True).update(location_id=north.pk)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    for location in (north, south):
        agent(workspace, ann, location)
    agent(workspace, ben, south)
    undated = lead_at(workspace, ARRIVED, clock_at, 0, location="south")
    dated = lead_at(workspace, ARRIVED + timedelta(minutes=1), clock_at, 1)
    assert (undated.owner, undated.respond_by) == (ann, None)
    assert (dated.owner, dated.respond_by) == (ann, ARRIVED + timedelta(minutes=16))
    away = ARRIVED + timedelta(days=2)
    Agent.objects.filter(user=ann).update(away_until=away)
    with django_capture_on_commit_callbacks():
        record = handover.start_handover(workspace, ann.pk, ARRIVED + timedelta(minutes=2))
    assert record.lead_ids == [dated.pk, undated.pk]
    progress = handover.continue_handover(record.pk, ARRIVED + timedelta(minutes=2))
    assert (progress.moved, progress.unattended) == (1, 1)  # nobody else at North
    assert Lead.objects.get(pk=undated.pk).owner == ben
    (notice,) = Notice.objects.filter(lead=undated, key="assigned:2")
    assert notice.subject == f"Lead #{undated.pk} is yours"
    assert notice.body.endswith("It waits for its first response.\n")
    assert Handover.objects.get().outcome == "done"
