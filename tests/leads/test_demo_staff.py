"""The demo's lead staff: agents per location on the simulator's shifts, and every
simulated lead given to an agent of its location who was on shift at that moment."""

from datetime import UTC, datetime

import pytest

from pacer.core.models import AuditEntry
from pacer.demo.leads import load_leads
from pacer.leads.hours import from_json, is_open
from pacer.leads.models import Agent, Lead, LocationHours
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
        assert lead.respond_by is None  # history gets no deadlines, so no reminder fires
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
