"""The demo's lead staff: agents per location on the simulator's shifts, and every
simulated lead given to an agent of its location who was on shift at that moment."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.demo.leads import load_leads
from pacer.leads.hours import add_working_minutes, from_json, hours_of, is_open
from pacer.leads.models import Agent, FollowUpTask, Lead, LocationHours, Notice, SlaPolicy, Timer
from pacer.people.actions import upsert_locations
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

pytestmark = pytest.mark.django_db
CONFIG = SimConfig(seed=5, contacts=600, months=2, locations=3, start="2026-01-05")


def test_the_demo_makes_staff_and_assigns_each_lead_to_someone_on_shift(workspace):
    business = generate(CONFIG)
    upsert_locations(
        workspace,
        [
            {"code": c, "name": n}
            for c, n in zip(business.location_codes, business.location_names, strict=True)
        ],
    )
    end = datetime.fromtimestamp(business.start + CONFIG.weeks * 7 * 86_400, UTC)
    counts = load_leads(workspace, business, now=end, fit_score=False, staff_password="pw-demo-1")
    agents = {a.user_id: a for a in Agent.objects.all()}
    assert counts["agents"] == len(agents) == 9 and LocationHours.objects.count() == 3
    assert sum(a.is_manager for a in agents.values()) == 3
    leads = list(Lead.objects.all())
    assigned = [lead for lead in leads if lead.owner_id is not None]
    assert counts["assigned"] == len(assigned) and len(assigned) > 0.9 * len(leads)
    for lead in assigned:
        agent = agents[lead.owner_id]
        assert agent.location_id == lead.location_id and not agent.is_manager
        assert is_open(lead.assigned_at, from_json(agent.shift)), (lead.pk, lead.assigned_at)
        # its deadline: 15 working minutes of its location after it arrived
        hours = hours_of(workspace, lead.location_id)
        assert lead.respond_by == add_working_minutes(lead.created_at, 15, hours), lead.pk
    # every deadline is past, so no timer, reminder or task was made for past weeks
    assert not Timer.objects.exists() and not Notice.objects.exclude(key="auto-reply").exists()
    assert not FollowUpTask.objects.exists()
    assert list(SlaPolicy.objects.values_list("respond_minutes", "location_id")) == [(15, None)]
    # the part-timer works Thursday to Sunday only and takes a third of those days' leads
    part = {a.user_id for a in agents.values() if a.user.username.endswith("-parttime")}
    assert {lead.assigned_at.weekday() for lead in assigned if lead.owner_id in part} <= {
        3,
        4,
        5,
        6,
    }
    owners = dict(Lead.objects.values_list("id", "owner_id"))
    again = load_leads(workspace, business, now=end, fit_score=False, staff_password="pw-demo-1")
    assert (again["agents"], again["assigned"]) == (0, 0)
    assert Agent.objects.count() == 9 and dict(Lead.objects.values_list("id", "owner_id")) == owners
    assert AuditEntry.objects.filter(action="leads.agent").count() == 9
    names = {a.user.get_full_name() for a in agents.values()}
    assert len(names) == 9 and all(" " in name for name in names), names


def _business_and_locations(workspace):
    business = generate(CONFIG)
    upsert_locations(
        workspace,
        [
            {"code": c, "name": n}
            for c, n in zip(business.location_codes, business.location_names, strict=True)
        ],
    )
    return business


def test_a_lead_whose_deadline_is_still_ahead_gets_its_timers_and_the_inbox_shows_deadlines(
    workspace,
):
    """Loaded at noon on a Wednesday, with the locations open: the leads whose deadline is
    still ahead (the last quarter-hour's unanswered ones, and those the simulation has
    after noon) have their timers, the others none; the manager's inbox shows each
    lead's deadline (never "no deadline") and its owner by name."""
    business = _business_and_locations(workspace)
    now = datetime.fromtimestamp(business.start, UTC) + timedelta(days=9, hours=12)
    assert now.weekday() == 2  # the simulation starts on a Monday
    load_leads(workspace, business, now=now, fit_score=False, staff_password="pw-demo-1")
    ahead = Lead.objects.filter(respond_by__gt=now, first_response_at__isnull=True)
    assert ahead.exists()
    timed = set(Timer.objects.filter(cancelled_at__isnull=True).values_list("lead_id", flat=True))
    assert timed == set(ahead.filter(owner__isnull=False).values_list("id", flat=True))
    assert set(FollowUpTask.objects.values_list("lead_id", flat=True)) <= timed
    manager = f"acme-{business.location_codes[0].lower()}-manager"
    client = Client()
    assert client.login(username=manager, password="pw-demo-1")
    page = client.get("/leads/?view=open").content.decode()
    assert "no deadline" not in page and ("overdue by" in page or "due in" in page)
    front = [a.user for a in Agent.objects.select_related("user") if not a.is_manager]
    assert any(user.get_full_name() in page for user in front)  # owners by name ...
    assert not [user.username for user in front if user.username in page]  # ... only


def test_two_demo_workspaces_on_one_database_each_get_their_staff(workspace):
    from django.contrib.auth import get_user_model

    from pacer.core import actions as core_actions
    from pacer.core.models import Membership
    from pacer.demo.lead_staff import load_staff

    business = generate(CONFIG)
    rows = [
        {"code": c, "name": n}
        for c, n in zip(business.location_codes, business.location_names, strict=True)
    ]
    other = core_actions.create_workspace("Second demo", slug="second")
    end = datetime.fromtimestamp(business.start + CONFIG.weeks * 7 * 86_400, UTC)
    for each in (workspace, other):
        upsert_locations(each, rows)
        assert load_staff(each, business, "pw-demo-1", end)["agents"] == 9
    for each in (workspace, other):
        agents = Agent.objects.filter(workspace=each).select_related("user")
        names = sorted(a.user.username for a in agents)
        assert len(names) == 9 and all(n.startswith(f"{each.slug}-") for n in names), names
        assert f"{each.slug}-{business.location_codes[0].lower()}-front" in names
        members = Membership.objects.filter(user__in=[a.user for a in agents])
        assert set(members.values_list("workspace_id", flat=True)) == {each.pk}
    assert get_user_model().objects.filter(agent__isnull=False).distinct().count() == 18
