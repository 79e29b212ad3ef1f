"""Agents, their shifts and opening hours set through ``pacer.leads.staff``: exact state
after each write, every refusal named by its field with nothing written, and the audit."""

from datetime import UTC, datetime

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, Role
from pacer.leads import rules, staff
from pacer.leads.models import Agent, Lead, LocationHours
from pacer.leads.routing import candidates
from pacer.people.actions import upsert_locations

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture
def shop(workspace):
    north, south = upsert_locations(
        workspace,
        [{"code": "north", "name": "North"}, {"code": "south", "name": "South", "region": "s"}],
    )
    sam = core_actions.create_user(workspace, "sam", PASSWORD, Role.STAFF)
    kim = core_actions.create_user(workspace, "kim", PASSWORD, Role.STAFF)
    return north, south, sam, kim


def _state():
    return (
        sorted(
            Agent.objects.values_list("user__username", "location_id", "weight", "team"), key=str
        ),
        list(LocationHours.objects.values_list("location_id", "timezone", "weekly", "holidays")),
        AuditEntry.objects.count(),
    )


def test_weekly_text_reads_day_ranges_lists_and_several_intervals():
    assert staff.weekly_from_text("mon-wed 9:00-12:00, 13:00-17:30; fri,sun 10:00-14:00") == {
        "mon": [["09:00", "12:00"], ["13:00", "17:30"]],
        "tue": [["09:00", "12:00"], ["13:00", "17:30"]],
        "wed": [["09:00", "12:00"], ["13:00", "17:30"]],
        "fri": [["10:00", "14:00"]],
        "sun": [["10:00", "14:00"]],
    }
    assert staff.weekly_text(staff.weekly_from_text("sat 10:00-12:00; mon 09:00-17:00")) == (
        "mon 09:00-17:00; sat 10:00-12:00"
    )


@pytest.mark.parametrize(
    "text, reason",
    [
        ("monday 09:00-17:00", "is not like 'mon-fri 09:00-17:00'"),
        ("fri-mon 09:00-17:00", "'fri-mon' runs backwards"),
        ("mon 9-17", "'9-17' is not like 09:00-17:00"),
        ("xyz 09:00-17:00", "'xyz': days are mon, tue, wed, thu, fri, sat, sun"),
    ],
)
def test_weekly_text_refusals_name_the_part(text, reason):
    with pytest.raises(ValidationFailed) as refused:
        staff.weekly_from_text(text)
    assert list(refused.value.errors) == ["weekly"]
    assert refused.value.errors["weekly"].endswith(reason)


def test_an_agent_is_added_with_their_shift_and_audited(workspace, shop, admin):
    north, _, sam, _ = shop
    agent = staff.save_agent(
        workspace,
        {
            "user": "sam",
            "location": "north",
            "weight": "2.5",
            "max_open": "10",
            "team": "senior",
            "phone": "+44 20 7946 0000",
            "is_manager": True,
            "shift": {
                "timezone": "Europe/London",
                "weekly": {"mon": [["09:00", "17:00"]]},
                "holidays": ["2026-12-25", "2026-12-25"],
            },
        },
        actor=admin,
    )
    agent.refresh_from_db()
    assert (agent.user_id, agent.location_id, agent.weight, agent.max_open) == (
        sam.pk,
        north.pk,
        2.5,
        10,
    )
    assert (agent.team, agent.phone, agent.is_manager) == ("senior", "+44 20 7946 0000", True)
    assert agent.shift == {
        "timezone": "Europe/London",
        "weekly": {"mon": [["09:00", "17:00"]]},
        "holidays": ["2026-12-25"],
    }
    entry = AuditEntry.objects.get(action="leads.agent")
    assert entry.actor_id == admin.pk and entry.after["team"] == "senior"


def test_a_changed_agent_keeps_what_was_not_given(workspace, shop):
    agent = staff.save_agent(workspace, {"user": "sam", "location": "north", "weight": 3})
    staff.save_agent(workspace, {"team": "evening", "shift": {}}, agent_id=agent.pk)
    agent.refresh_from_db()
    assert (agent.weight, agent.team, agent.shift, agent.max_open) == (3.0, "evening", {}, 25)


@pytest.mark.parametrize(
    "data, errors",
    [
        ({"user": "nobody"}, {"user": "no member 'nobody' in this workspace"}),
        ({"user": "sam", "location": "east"}, {"location": "no location 'east' in this workspace"}),
        ({"user": "sam", "weight": "heavy"}, {"weight": "must be a number"}),
        ({"user": "sam", "weight": -1}, {"weight": "must be between 0 and 100"}),
        ({"user": "sam", "max_open": "2.5"}, {"max_open": "must be a whole number"}),
        ({"user": "sam", "max_open": 0}, {"max_open": "must be between 1 and 10000"}),
        (
            {"user": "sam", "team": "Big Team"},
            {"team": "must be 1-40 lower-case letters, digits, - or _"},
        ),
        (
            {"user": "sam", "phone": "call me"},
            {"phone": "needs at least 6 digits (at most 40 characters)"},
        ),
        (
            {
                "user": "sam",
                "shift": {"timezone": "Mars/Base", "weekly": {"mon": [["17:00", "09:00"]]}},
            },
            {
                "shift.timezone": "'Mars/Base' is not a known time zone",
                "shift.mon[0]": "must open before it closes",
            },
        ),
        (
            {"user": "sam", "weight": 200, "shift": {"timezone": "UTC", "weekly": "mon 9"}},
            {
                "weight": "must be between 0 and 100",
                "shift.weekly": "'9' is not like 09:00-17:00",
            },
        ),
        (
            {"user": "sam", "shift": {"timezone": "UTC", "holidays": ["christmas"]}},
            {"shift.holidays": "must be dates like 2026-12-25"},
        ),
    ],
)
def test_a_refused_agent_names_each_field_and_writes_nothing(workspace, shop, data, errors):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        staff.save_agent(workspace, data)
    assert refused.value.errors == errors
    assert _state() == before


def test_a_member_is_an_agent_of_a_location_once(workspace, shop):
    staff.save_agent(workspace, {"user": "sam", "location": "north"})
    staff.save_agent(workspace, {"user": "sam", "location": ""})  # and in the fallback queue
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        staff.save_agent(workspace, {"user": "sam", "location": "north"})
    assert refused.value.errors == {"location": "this member is already an agent of that location"}
    assert _state() == before


def test_the_last_agent_of_a_team_a_rule_names_cannot_leave_it(workspace, shop):
    sam_agent = staff.save_agent(workspace, {"user": "sam", "location": "north", "team": "vip"})
    rules.set_rules(workspace, [{"name": "VIP", "team": "vip", "min_score": 50}])
    before = _state()
    refusal = {"agent_id": "routing rule 'VIP' sends leads to team 'vip', its last agent"}
    with pytest.raises(ValidationFailed) as refused:
        staff.remove_agent(workspace, sam_agent.pk)
    assert refused.value.errors == refusal
    with pytest.raises(ValidationFailed) as refused:
        staff.save_agent(workspace, {"team": ""}, agent_id=sam_agent.pk)
    assert refused.value.errors == {"team": refusal["agent_id"]}
    assert _state() == before
    staff.save_agent(workspace, {"user": "kim", "location": "south", "team": "vip"})
    staff.remove_agent(workspace, sam_agent.pk)
    assert list(Agent.objects.values_list("user__username", flat=True)) == ["kim"]
    assert AuditEntry.objects.filter(action="leads.agent.remove").count() == 1


def test_an_added_agent_takes_the_locations_leads(workspace, shop):
    north, _, sam, _ = shop
    staff.save_agent(workspace, {"user": "sam", "location": "north"})
    lead = Lead(workspace=workspace, location_id=north.pk, stage="lead", source="form", score=0)
    scope, pool = candidates(workspace, lead, datetime(2026, 3, 2, 10, tzinfo=UTC))
    assert (scope, [a.user_id for a in pool]) == ("the location's agents", [sam.pk])


def test_opening_hours_are_set_per_location_and_replaced(workspace, shop, admin):
    north = shop[0]
    staff.set_hours(
        workspace,
        "north",
        {"timezone": "Europe/Paris", "weekly": {"tue": [["08:00", "12:00"]]}},
        actor=admin,
    )
    staff.set_hours(
        workspace,
        "north",
        {
            "timezone": "Europe/Paris",
            "weekly": {"mon": [["09:00", "18:00"]]},
            "holidays": ["2026-05-01"],
        },
    )
    staff.set_hours(workspace, "", {"timezone": "UTC"})
    assert sorted(
        LocationHours.objects.values_list("location_id", "timezone", "weekly", "holidays"),
        key=str,
    ) == sorted(
        [
            (north.pk, "Europe/Paris", {"mon": [["09:00", "18:00"]]}, ["2026-05-01"]),
            (None, "UTC", {}, []),
        ],
        key=str,
    )
    assert AuditEntry.objects.filter(action="leads.hours").count() == 3


@pytest.mark.parametrize(
    "location, hours, errors",
    [
        ("east", {"timezone": "UTC"}, {"location": "no location 'east' in this workspace"}),
        ("north", {}, {"hours": "give a timezone and the weekly hours"}),
        (
            "north",
            {"timezone": "Nowhere"},
            {"hours.timezone": "'Nowhere' is not a known time zone"},
        ),
        (  # a name too long for a file: zoneinfo's OSError was a 500 (hostile-input walk)
            "north",
            {"timezone": "x" * 5000},
            {"hours.timezone": f"'{'x' * 60}' is not a known time zone"},
        ),
        (
            "north",
            {"timezone": "UTC", "weekly": {"funday": [["09:00", "10:00"]]}},
            {"hours.funday": "must be one of mon, tue, wed, thu, fri, sat, sun"},
        ),
    ],
)
def test_refused_hours_write_nothing(workspace, shop, location, hours, errors):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        staff.set_hours(workspace, location, hours)
    assert refused.value.errors == errors
    assert _state() == before
