"""Routing rules (territory, product, source, score; first match picks a team, else the
default rotation) and agents' shifts (off shift: no new leads, in the shift's time zone,
across DST), while the SLA clock keeps the location's hours."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.leads.models import LocationHours, RoutingRule, ScoreRule, SlaPolicy
from pacer.leads.rules import set_agent, set_rules
from pacer.leads.timers import fire_due_timers
from pacer.people.models import Location
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 12, 0, tzinfo=UTC)  # GMT; summer time starts on the 29th
LONDON_MORNINGS = {"timezone": "Europe/London", "weekly": {"mon": [["09:00", "13:00"]]}}


@pytest.fixture
def desk(workspace, north):
    """North's own agent (nia), a sales team (sol, sid) and a VIP team (val)."""
    Location.objects.filter(pk=north.pk).update(region="scotland")  # no action sets it
    people = {name: member(workspace, name) for name in ("nia", "sol", "sid", "val")}
    agent(workspace, people["nia"], north)
    for name in ("sol", "sid"):
        agent(workspace, people[name], None, team="sales", max_open=100)
    agent(workspace, people["val"], None, team="vip", max_open=100)
    return people


def test_the_first_matching_rule_picks_the_team_else_the_location_rotation(
    workspace, desk, clock_at
):
    ScoreRule.objects.create(
        workspace=workspace, name="has phone", kind="fit", field="phone", points=50
    )
    set_rules(
        workspace,
        [
            {"name": "big fish", "team": "vip", "min_score": 40},
            {"name": "kitchens", "team": "sales", "products": ["kitchen"], "sources": ["form"]},
            {"name": "scots", "team": "sales", "territory": ["scotland"], "sources": ["api"]},
        ],
    )
    owner = lambda n, **data: lead_at(workspace, MONDAY, clock_at, n, **data).owner.username  # noqa: E731
    assert owner(1, phone="+44 1234 567890", product="kitchen") == "val"  # score 50: rule 1
    assert owner(2, product="kitchen") in ("sol", "sid")  # rule 2
    assert owner(3, product="kitchen") in ("sol", "sid")
    assert owner(4, product="bathroom") == "nia"  # no rule: the location's agents
    reason = AuditEntry.objects.filter(action="leads.assign").order_by("id")
    assert [r.after["reason"].split(": weighted")[0] for r in reason] == ["new"] * 4
    assert "rule 'big fish': team vip" in reason[0].after["reason"]
    assert "rule 'kitchens': team sales" in reason[1].after["reason"]
    assert "of the location's agents" in reason[3].after["reason"]


def test_a_territory_is_a_location_code_or_region(workspace, desk, clock_at, north):
    set_rules(workspace, [{"name": "scots", "team": "sales", "territory": ["scotland"]}])
    assert lead_at(workspace, MONDAY, clock_at, 1).owner.username in ("sol", "sid")
    Location.objects.filter(pk=north.pk).update(region="wales")
    assert lead_at(workspace, MONDAY, clock_at, 2).owner == desk["nia"]


def test_a_rules_team_with_nobody_on_shift_falls_through_to_the_rotation(workspace, desk, clock_at):
    set_rules(workspace, [{"name": "all to vip", "team": "vip"}])
    (val,) = [a for a in desk["val"].agent_set.all()]
    set_agent(workspace, val.pk, shift=LONDON_MORNINGS)
    assert lead_at(workspace, MONDAY - timedelta(hours=2), clock_at, 1).owner == desk["val"]
    # on shift at 10:00 in London; at 14:00 she is off, so the location's agent takes it
    afternoon = MONDAY + timedelta(hours=2)
    assert lead_at(workspace, afternoon, clock_at, 2).owner == desk["nia"]
    assert (
        "of the location's agents"
        in (AuditEntry.objects.filter(action="leads.assign").order_by("id").last().after["reason"])
    )


def test_shifts_count_in_their_own_time_zone_across_dst(workspace, desk, clock_at, north):
    set_rules(workspace, [{"name": "all to vip", "team": "vip"}])
    (val,) = desk["val"].agent_set.all()
    set_agent(workspace, val.pk, shift=LONDON_MORNINGS)
    # 08:30 UTC: 08:30 in London before the change (off), 09:30 after it (on)
    before = datetime(2026, 3, 23, 8, 30, tzinfo=UTC)
    after = datetime(2026, 3, 30, 8, 30, tzinfo=UTC)
    assert lead_at(workspace, before, clock_at, 1).owner == desk["nia"]
    assert lead_at(workspace, after, clock_at, 2).owner == desk["val"]


def test_the_sla_clock_keeps_the_locations_hours_not_the_agents_shift(
    workspace, desk, clock_at, north
):
    LocationHours.objects.create(
        workspace=workspace,
        location_id=north.pk,
        timezone="Europe/London",
        weekly={"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]},
    )
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    set_rules(workspace, [{"name": "all to vip", "team": "vip"}])
    (val,) = desk["val"].agent_set.all()
    set_agent(workspace, val.pk, shift=LONDON_MORNINGS)
    lead = lead_at(workspace, datetime(2026, 3, 23, 12, 55, tzinfo=UTC), clock_at, 1)
    assert lead.owner == desk["val"]
    assert lead.respond_by == datetime(2026, 3, 23, 13, 10, tzinfo=UTC)  # not Tuesday 09:10
    # re-assignment after the second deadline: she is off shift by then, nia takes it
    assert fire_due_timers(datetime(2026, 3, 23, 14, 0, tzinfo=UTC)) == 3
    lead.refresh_from_db()
    assert lead.owner == desk["nia"]


def test_bad_rules_and_shifts_are_refused_with_nothing_written(workspace, desk):
    set_rules(workspace, [{"name": "keep", "team": "vip"}])
    with pytest.raises(ValidationFailed) as refused:
        set_rules(
            workspace,
            [
                {"name": "", "team": "nobody", "territory": ["atlantis"]},
                {"name": "x", "team": "Bad Team", "sources": ["fax"], "min_score": "high"},
                "not a rule",
            ],
        )
    assert refused.value.errors == {
        "rules[0].name": "must be 1-100 characters",
        "rules[0].team": "no agent is in team 'nobody'",
        "rules[0].territory": "'atlantis' is no location code or region",
        "rules[1].team": "must be 1-40 lower-case letters, digits, - or _",
        "rules[1].sources": "'fax' is not one of form, api, segment, csv",
        "rules[1].min_score": "must be a number",
        "rules[2]": "must be an object",
    }
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["keep"]
    (val,) = desk["val"].agent_set.all()
    with pytest.raises(ValidationFailed) as refused:
        set_agent(
            workspace,
            val.pk,
            shift={"timezone": "Mars/Olympus", "weekly": {"mon": [["17:00", "09:00"]]}},
        )
    assert refused.value.errors == {
        "timezone": "'Mars/Olympus' is not a known time zone",
        "hours.mon[0]": "must open before it closes",
    }
    val.refresh_from_db()
    assert val.shift == {}
