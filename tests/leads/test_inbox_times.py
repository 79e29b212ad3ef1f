"""The inbox's "My tasks" writes due times as the leads pages do, in the lead's
location's zone; the speed report's Teams table names teams, not their keys."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import clock
from pacer.leads.followup import log_activity
from pacer.leads.models import Agent, LocationHours, SlaPolicy
from pacer.teams.models import Team
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT)


@pytest.fixture
def desk(workspace, north):
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="America/New_York"
    )
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    agent(workspace, ann, north, team="north-desk")
    agent(workspace, ben, north, team="late-shift", weight=0.001)  # ann first

    return ann, ben


def test_my_tasks_say_when_they_are_due_in_the_locations_time(workspace, desk, clock_at):
    ann, _ = desk
    lead_at(workspace, MONDAY, clock_at, 1)
    client = Client()
    client.force_login(ann)
    html = client.get("/leads/").content.decode()
    mine = html.split('id="tasks-h"', 1)[1].split("</ul>", 1)[0]
    assert 'due <time datetime="2026-03-23T14:15:00+00:00">Mon 23 Mar 10:15 EDT</time>' in mine
    assert "p.m." not in mine and "a.m." not in mine


def test_the_speed_reports_teams_are_named(workspace, desk, clock_at, monkeypatch):
    ann, ben = desk
    Team.objects.create(workspace=workspace, key="north-desk", name="North front desk")
    first = lead_at(workspace, MONDAY, clock_at, 1)  # ann's
    log_activity(workspace, first.pk, "call", at=MONDAY + timedelta(minutes=5))
    ben_agent = Agent.objects.get(user=ben)
    Agent.objects.filter(user=ann).update(max_open=1)  # ann is full: ben takes the next
    assert lead_at(workspace, MONDAY, clock_at, 2).owner_id == ben_agent.user_id
    monkeypatch.setattr(clock, "now", lambda: MONDAY + timedelta(days=2))
    client = Client()
    client.force_login(ann)
    html = client.get("/leads/speed/").content.decode()
    teams = html.split('id="speed-teams"', 1)[1].split("</table>", 1)[0]
    assert "North front desk" in teams and "north-desk" not in teams
    assert "Late shift" in teams and "late-shift" not in teams  # no team with that key
