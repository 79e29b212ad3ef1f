"""Routing rules on when a lead arrived, in its location's time zone and opening hours:
the weekday, an hour range (one crossing midnight too), inside or outside the opening
hours, with the location (territory); each through the action, the REST API and the rule
editor, refusals naming the field and writing nothing."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.leads.models import LocationHours, RoutingRule
from pacer.leads.rules import rule_rows, set_rules
from pacer.people.actions import upsert_locations
from tests.api_client import ApiClient
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"
NEW_YORK_WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def desk(workspace, north):
    """North in New York (open Mon-Fri 09:00-17:00) with its agent nia; a night team
    (owl) for every location."""
    upsert_locations(workspace, [{"code": "south", "name": "South"}])
    LocationHours.objects.create(
        workspace=workspace,
        location_id=north.pk,
        timezone="America/New_York",
        weekly=NEW_YORK_WEEKDAYS,
    )
    nia, owl = member(workspace, "nia"), member(workspace, "owl")
    agent(workspace, nia, north)
    agent(workspace, owl, None, team="night", max_open=1000)
    return {"nia": nia, "owl": owl}


def owner_at(workspace, clock_at, moment, n) -> str:
    return lead_at(workspace, moment, clock_at, n).owner.username


# New York: EST (UTC-5) until Sunday 8 March 2026 02:00, then EDT (UTC-4)
@pytest.mark.parametrize(
    ("rule", "moment", "owner"),
    [
        # 18-22: Friday 6 March 23:00 UTC is 18:00 EST (in); 22:59 UTC is 17:59 (out)
        ({"hour_from": 18, "hour_to": 22}, datetime(2026, 3, 6, 23, 0, tzinfo=UTC), "owl"),
        ({"hour_from": 18, "hour_to": 22}, datetime(2026, 3, 6, 22, 59, tzinfo=UTC), "nia"),
        # 21:59 EST in, 22:00 out (the range ends before its last hour)
        ({"hour_from": 18, "hour_to": 22}, datetime(2026, 3, 7, 2, 59, tzinfo=UTC), "owl"),
        ({"hour_from": 18, "hour_to": 22}, datetime(2026, 3, 7, 3, 0, tzinfo=UTC), "nia"),
        # after the change: 22:00 UTC on Monday 9 March is 18:00 EDT (in); in winter it
        # would be 17:00 (out)
        ({"hour_from": 18, "hour_to": 22}, datetime(2026, 3, 9, 22, 0, tzinfo=UTC), "owl"),
        ({"hour_from": 18, "hour_to": 22}, datetime(2026, 3, 2, 22, 0, tzinfo=UTC), "nia"),
        # 22 to 6 crosses midnight: 01:00 EST in, 06:00 out
        ({"hour_from": 22, "hour_to": 6}, datetime(2026, 3, 4, 6, 0, tzinfo=UTC), "owl"),
        ({"hour_from": 22, "hour_to": 6}, datetime(2026, 3, 4, 11, 0, tzinfo=UTC), "nia"),
        # weekday in the zone: Saturday 7 March 03:00 UTC is still Friday 22:00 in New York
        ({"weekdays": ["sat", "sun"]}, datetime(2026, 3, 7, 3, 0, tzinfo=UTC), "nia"),
        ({"weekdays": ["sat", "sun"]}, datetime(2026, 3, 7, 5, 0, tzinfo=UTC), "owl"),
        ({"weekdays": ["sat", "sun"]}, datetime(2026, 3, 9, 3, 59, tzinfo=UTC), "owl"),
        ({"weekdays": ["sat", "sun"]}, datetime(2026, 3, 9, 4, 0, tzinfo=UTC), "nia"),
        # outside opening hours: 17:00 EST closed, 16:59 open; Saturday noon closed
        ({"arrived": "closed"}, datetime(2026, 3, 6, 22, 0, tzinfo=UTC), "owl"),
        ({"arrived": "closed"}, datetime(2026, 3, 6, 21, 59, tzinfo=UTC), "nia"),
        ({"arrived": "closed"}, datetime(2026, 3, 7, 17, 0, tzinfo=UTC), "owl"),
        ({"arrived": "open"}, datetime(2026, 3, 6, 21, 59, tzinfo=UTC), "owl"),
        # the location: North matches "north", not "south"
        ({"territory": ["south"], "arrived": "closed"}, datetime(2026, 3, 7, 17, 0), "nia"),
        (
            {"territory": ["north", "south"], "weekdays": ["sat"]},
            datetime(2026, 3, 7, 17, 0),
            "owl",
        ),
    ],
)
def test_each_arrival_condition_in_the_locations_zone(
    workspace, desk, clock_at, rule, moment, owner
):
    set_rules(workspace, [{"name": "Nights", "team": "night", **rule}])
    assert owner_at(workspace, clock_at, moment.replace(tzinfo=UTC), 1) == owner


@pytest.mark.parametrize(
    ("rule", "errors"),
    [
        ({"hour_from": 24, "hour_to": 6}, {"rules[0].hour_from": "must be between 0 and 23"}),
        ({"hour_from": 2, "hour_to": 0}, {"rules[0].hour_to": "must be between 1 and 24"}),
        ({"hour_from": 18}, {"rules[0].hour_to": "give both hours (from and to) or neither"}),
        ({"hour_to": 18}, {"rules[0].hour_from": "give both hours (from and to) or neither"}),
        (
            {"hour_from": 0, "hour_to": 24},
            {"rules[0].hour_to": "must differ from the first hour (22 to 6 crosses midnight)"},
        ),
        ({"hour_from": "late", "hour_to": 6}, {"rules[0].hour_from": "must be a whole hour"}),
        ({"hour_from": True, "hour_to": 6}, {"rules[0].hour_from": "must be a whole hour"}),
        (
            {"weekdays": ["sat", "Sunday"]},
            {"rules[0].weekdays": "'Sunday' is not one of mon, tue, wed, thu, fri, sat, sun"},
        ),
        (
            {"arrived": "night"},
            {"rules[0].arrived": "must be one of open, closed (or empty: any time)"},
        ),
    ],
)
def test_bad_arrival_conditions_name_their_field_and_write_nothing(workspace, desk, rule, errors):
    set_rules(workspace, [{"name": "Kept", "team": "night"}])
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        set_rules(workspace, [{"name": "Nights", "team": "night", **rule}])
    assert refused.value.errors == errors
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["Kept"]
    assert AuditEntry.objects.count() == audits


def test_the_api_takes_and_returns_the_arrival_conditions(workspace, desk, admin):
    api = ApiClient(workspace, admin)

    def put(rules):
        return api.put("leads/settings/routing", {"rules": rules})

    rule = {"name": "Late", "team": "night", "weekdays": ["sun", "sat"], "hour_from": 18}
    refused = put([{**rule}])
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "rules[0].hour_to": "give both hours (from and to) or neither"
    }
    assert put([{**rule, "hour_from": 25, "hour_to": 6}]).status_code == 422
    assert not RoutingRule.objects.exists()
    saved = put([{**rule, "hour_to": 22, "arrived": "closed", "territory": ["north"]}])
    assert saved.status_code == 200
    assert saved.json()["rules"] == [
        {
            "name": "Late",
            "team": "night",
            "territory": ["north"],
            "products": [],
            "sources": [],
            "min_score": None,
            "weekdays": ["sat", "sun"],
            "hour_from": 18,
            "hour_to": 22,
            "arrived": "closed",
        }
    ]


def test_the_rule_editor_sets_shows_and_refuses_the_arrival_conditions(workspace, desk, admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    refused = client.post(
        "/leads/routing/rules/new/",
        {"name": "Weekend nights", "team": "night", "hour_from": "18", "arrived": "x"},
    )
    page = refused.content.decode()
    assert refused.status_code == 422
    assert 'id="field-hour_to-error"><p>give both hours (from and to) or neither</p>' in page
    assert 'id="field-arrived-error"><p>must be one of open, closed' in page
    assert not RoutingRule.objects.exists()
    response = client.post(
        "/leads/routing/rules/new/",
        {
            "name": "Weekend nights",
            "team": "night",
            "weekdays": ["sat", "sun"],
            "hour_from": "18",
            "hour_to": "22",
            "arrived": "closed",
        },
    )
    assert response.status_code == 302
    assert rule_rows(workspace)[0] | {"name": ""} == {
        "name": "",
        "team": "night",
        "territory": [],
        "products": [],
        "sources": [],
        "min_score": None,
        "weekdays": ["sat", "sun"],
        "hour_from": 18,
        "hour_to": 22,
        "arrived": "closed",
    }
    listing = client.get("/leads/routing/").content.decode()
    assert "arriving Sat, Sun; between 18:00 and 22:00; arriving outside opening hours" in listing
    form = client.get("/leads/routing/rules/0/").content.decode()
    assert 'name="weekdays" value="sat" checked' in form
    assert 'name="hour_to"' in form and 'value="22"' in form
