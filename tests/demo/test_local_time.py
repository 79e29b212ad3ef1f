"""The demo's locations keep their cities' clocks (``SimConfig.local_time``, as ``pacer
demo`` runs it): each location's opening hours and staff shifts are in its zone, every
lead goes to someone on shift there, and its deadline reads in that zone."""

from datetime import UTC, datetime

import pytest

from pacer.demo.leads import load_leads
from pacer.demo.loader import load_business
from pacer.leads.hours import from_json, is_open
from pacer.leads.models import Agent, Lead, LocationHours
from pacer.leads.notices import local_deadline
from pacer.people.models import Location
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

pytestmark = pytest.mark.django_db
CONFIG = SimConfig(seed=5, contacts=900, months=2, locations=3, start="2026-01-05", local_time=True)
ZONES = {"LOC01": "America/Chicago", "LOC02": "America/New_York", "LOC03": "America/Chicago"}


def test_each_location_works_on_its_citys_clock_and_its_leads_read_in_it(workspace):
    business = generate(CONFIG)
    end = datetime.fromtimestamp(business.start + CONFIG.weeks * 7 * 86_400, UTC)
    load_business(workspace, business)
    load_leads(workspace, business, now=end, fit_score=False, staff_password="pw-demo-1")
    assert dict(Location.objects.values_list("code", "time_zone")) == ZONES
    codes = dict(Location.objects.values_list("id", "code"))
    opening = LocationHours.objects.values_list("location_id", "timezone")
    assert {codes[location]: zone for location, zone in opening} == ZONES
    agents = {agent.user_id: agent for agent in Agent.objects.all()}
    assert {agent.shift.get("timezone") for agent in agents.values() if agent.shift} == set(
        ZONES.values()
    )
    assigned = list(Lead.objects.filter(owner__isnull=False).select_related("workspace"))
    assert len(assigned) > 100
    for lead in assigned:  # given to someone on shift there when it was answered
        assert is_open(lead.assigned_at, from_json(agents[lead.owner_id].shift)), lead.pk
    # January: standard time; each deadline reads in its location's zone
    deadlines = {codes[lead.location_id]: local_deadline(lead) for lead in assigned}
    assert deadlines["LOC01"].endswith(" CST") and deadlines["LOC02"].endswith(" EST")
