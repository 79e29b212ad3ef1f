"""Score rules on when a lead arrived (weekday, hour range, outside opening hours), in
its location's time zone (its opening hours' zone, else the workspace's default hours',
else UTC): exact scores at midnight, across the DST change and in another zone; the
rules set through the action, the REST API and the scoring page, refusals naming the
field and writing nothing."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.leads import scoring
from pacer.leads.models import LocationHours, ScoreRule
from pacer.leads.score_rules import save_score_rule, score_rule_rows
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import lead_at, member

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
RULES = [
    {"name": "Weekend", "kind": "arrival", "points": 10, "weekdays": ["sat", "sun"]},
    {"name": "After hours", "kind": "arrival", "points": 5, "arrived": "closed"},
    {"name": "Night", "kind": "arrival", "points": 3, "hour_from": 22, "hour_to": 6},
]


@pytest.fixture
def places(workspace, north):
    """North in New York and Tokyo in Tokyo, both open Mon-Fri 09:00-17:00; West has no
    hours of its own (the workspace's default: London, always open); the three rules."""
    tokyo, west = upsert_locations(
        workspace, [{"code": "tokyo", "name": "Tokyo"}, {"code": "west", "name": "West"}]
    )
    for location, zone in ((north, "America/New_York"), (tokyo, "Asia/Tokyo")):
        LocationHours.objects.create(
            workspace=workspace, location_id=location.pk, timezone=zone, weekly=WEEKDAYS_9_TO_5
        )
    LocationHours.objects.create(workspace=workspace, location_id=None, timezone="Europe/London")
    for rule in RULES:
        save_score_rule(workspace, rule)


# New York: EST (UTC-5) until Sunday 8 March 2026 02:00, then EDT (UTC-4)
@pytest.mark.parametrize(
    ("moment", "location", "score"),
    [
        # the last minute of Friday, 23:59 EST: closed 5 + night 3 (not yet the weekend)
        (datetime(2026, 3, 7, 4, 59), "north", 8.0),
        # midnight, Saturday 00:00 EST: weekend 10 + closed 5 + night 3
        (datetime(2026, 3, 7, 5, 0), "north", 18.0),
        # Sunday night into Monday: 23:59 EST Sunday 18, Monday 00:00 EDT (after the
        # change) 8: no longer the weekend
        (datetime(2026, 3, 2, 4, 59), "north", 18.0),
        (datetime(2026, 3, 9, 4, 0), "north", 8.0),
        # the change day: Sunday 01:59 EST and 03:00 EDT a minute later, both the weekend
        # at night and closed
        (datetime(2026, 3, 8, 6, 59), "north", 18.0),
        (datetime(2026, 3, 8, 7, 0), "north", 18.0),
        # 10:00 UTC on a Monday: 05:00 EST in winter (night, closed) but 06:00 EDT after
        # the change (closed only: the night ends before 06:00)
        (datetime(2026, 3, 2, 10, 0), "north", 8.0),
        (datetime(2026, 3, 9, 10, 0), "north", 5.0),
        # 13:00 UTC on a Monday: 08:00 EST closed, 09:00 EDT open (no points)
        (datetime(2026, 3, 2, 13, 0), "north", 5.0),
        (datetime(2026, 3, 9, 13, 0), "north", 0.0),
        # the same instant elsewhere: Friday 15:00 UTC is Friday 10:00 in New York (open)
        # but Saturday 00:00 in Tokyo (weekend, closed, night)
        (datetime(2026, 3, 6, 15, 0), "north", 0.0),
        (datetime(2026, 3, 6, 15, 0), "tokyo", 18.0),
        # West keeps the workspace's default hours: London, always open; Saturday 23:30
        # GMT is the weekend at night
        (datetime(2026, 3, 7, 23, 30), "west", 13.0),
    ],
)
def test_arrival_points_at_the_edges_in_the_locations_zone(
    workspace, places, clock_at, moment, location, score
):
    lead = lead_at(workspace, moment.replace(tzinfo=UTC), clock_at, 1, location=location)
    assert lead.score == score
    # the score the predictive score's baseline reads, as of the arrival, agrees
    row = {"contact_id": lead.contact_id, "created_at": lead.created_at}
    row |= {"location_id": lead.location_id, "form": "", "channel": "", "source": "form"}
    assert scoring.scores_at_arrival(workspace, [row]) == [score]


def test_without_any_opening_hours_the_zone_is_utc(workspace, north, clock_at, admin):
    save_score_rule(
        workspace,
        {"name": "Late", "kind": "arrival", "points": 4, "hour_from": 22, "hour_to": 24},
    )
    late = lead_at(workspace, datetime(2026, 3, 4, 22, 0, tzinfo=UTC), clock_at, 1)
    assert late.score == 4.0
    assert lead_at(workspace, datetime(2026, 3, 4, 21, 59, tzinfo=UTC), clock_at, 2).score == 0.0
    client = Client()
    client.force_login(admin)
    page = client.get(f"/leads/{late.pk}/").content.decode()
    assert '<dd id="lead-score">4 <span class="muted">(scored 2026-03-04 22:00)</span>' in page


@pytest.mark.parametrize(
    ("rule", "errors"),
    [
        (
            {"kind": "arrival"},
            {"weekdays": "give at least one condition: weekdays, hours or opening hours"},
        ),
        (
            {"kind": "arrival", "hour_from": 24, "hour_to": 6},
            {"hour_from": "must be between 0 and 23"},
        ),
        (
            {"kind": "arrival", "hour_from": 18},
            {"hour_to": "give both hours (from and to) or neither"},
        ),
        (
            {"kind": "arrival", "weekdays": ["Sunday"]},
            {"weekdays": "'Sunday' is not one of mon, tue, wed, thu, fri, sat, sun"},
        ),
        (
            {"kind": "arrival", "arrived": "night"},
            {"arrived": "must be one of open, closed (or empty: any time)"},
        ),
        (
            {"kind": "arrival", "arrived": "closed", "points": 0},
            {"points": "must not be 0 (a rule worth nothing changes no score)"},
        ),
        ({"kind": "arrival", "arrived": "closed", "points": "ten"}, {"points": "must be a number"}),
        ({"kind": "fit"}, {"field": "must not be empty"}),
        (
            {"kind": "behaviour", "half_life_days": -1},
            {"event": "must not be empty", "half_life_days": "must be between 0.01 and 3650"},
        ),
        ({"kind": "hour"}, {"kind": "must be one of fit, behaviour, arrival"}),
        (
            {"kind": "fit", "field": "channel", "name": "Kept"},
            {"name": "a score rule named 'Kept' exists already"},
        ),
    ],
)
def test_bad_rules_name_their_field_and_write_nothing(workspace, rule, errors):
    save_score_rule(workspace, {"name": "Kept", "kind": "fit", "field": "email", "points": 1})
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        save_score_rule(workspace, {"name": "New", "points": 5} | rule)
    assert refused.value.errors == errors
    assert list(ScoreRule.objects.values_list("name", flat=True)) == ["Kept"]
    assert AuditEntry.objects.count() == audits


def test_the_api_adds_changes_lists_and_removes_score_rules(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    client, url = Client(), "/api/leads/settings/score-rules"
    refused = client.post(
        url, {"name": "Late", "kind": "arrival", "points": 5, "hour_from": 18}, **auth
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"hour_to": "give both hours (from and to) or neither"}
    assert (
        client.post(
            url,
            {"name": "Late", "kind": "arrival", "points": 5, "hour_from": 25, "hour_to": 6},
            **auth,
        ).status_code
        == 422
    )
    assert not ScoreRule.objects.exists()
    made = client.post(
        url,
        {
            "name": "Late",
            "kind": "arrival",
            "points": 5,
            "weekdays": ["sun", "sat"],
            "arrived": "closed",
        },
        **auth,
    )
    assert made.status_code == 201
    rule_id = made.json()["id"]
    expected = {
        "id": rule_id,
        "name": "Late",
        "kind": "arrival",
        "points": 5.0,
        "field": "",
        "value": "",
        "event": "",
        "half_life_days": None,
        "weekdays": ["sat", "sun"],
        "hour_from": None,
        "hour_to": None,
        "arrived": "closed",
    }
    assert made.json() == expected
    changed = client.put(
        f"{url}/{rule_id}",
        {"name": "Late", "kind": "arrival", "points": 7, "hour_from": 22, "hour_to": 6},
        **auth,
    )
    assert changed.status_code == 200
    expected |= {"points": 7.0, "weekdays": [], "arrived": "", "hour_from": 22, "hour_to": 6}
    assert changed.json() == expected
    assert client.get(url, **auth).json() == [expected]
    assert (
        client.put(
            f"{url}/{rule_id + 1}",
            {"name": "X", "kind": "fit", "field": "email", "points": 1},
            **auth,
        ).status_code
        == 404
    )
    assert client.delete(f"{url}/{rule_id}", **auth).status_code == 204
    assert not ScoreRule.objects.exists()
    assert client.delete(f"{url}/{rule_id}", **auth).status_code == 404


def test_staff_may_not_set_score_rules(workspace, admin):
    staff = member(workspace, "sam", Role.STAFF)
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=staff)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "content_type": "application/json"}
    client = Client()
    rule = {"name": "Late", "kind": "arrival", "points": 5, "arrived": "closed"}
    assert client.post("/api/leads/settings/score-rules", rule, **auth).status_code == 403
    client.login(username="sam", password=PASSWORD)
    assert client.get("/leads/scoring/").status_code == 403
    assert client.post("/leads/scoring/rules/new/", rule).status_code == 403
    assert not ScoreRule.objects.exists()


def test_the_scoring_page_sets_shows_and_refuses_rules(workspace, admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    refused = client.post(
        "/leads/scoring/rules/new/",
        {"name": "Weekend", "kind": "arrival", "points": "10", "hour_from": "18", "arrived": "x"},
    )
    page = refused.content.decode()
    assert refused.status_code == 422
    assert 'id="field-hour_to-error"><p>give both hours (from and to) or neither</p>' in page
    assert 'id="field-arrived-error"><p>must be one of open, closed' in page
    assert 'href="#field-hour_to"' in page  # the error box links to the field
    assert not ScoreRule.objects.exists()
    response = client.post(
        "/leads/scoring/rules/new/",
        {
            "name": "Weekend",
            "kind": "arrival",
            "points": "10",
            "weekdays": ["sat", "sun"],
            "hour_from": "18",
            "hour_to": "22",
            "arrived": "closed",
        },
    )
    assert response.status_code == 302
    (row,) = score_rule_rows(workspace)
    assert row | {"id": 0} == {
        "id": 0,
        "name": "Weekend",
        "kind": "arrival",
        "points": 10.0,
        "field": "",
        "value": "",
        "event": "",
        "half_life_days": None,
        "weekdays": ["sat", "sun"],
        "hour_from": 18,
        "hour_to": 22,
        "arrived": "closed",
    }
    listing = client.get("/leads/scoring/").content.decode()
    assert (
        "arriving Sat, Sun; between 18:00 and 22:00; arriving outside opening hours "
        "(location&#x27;s time)" in listing
    )
    form = client.get(f"/leads/scoring/rules/{row['id']}/").content.decode()
    assert 'name="weekdays" value="sat" checked' in form
    assert 'value="22"' in form
    assert client.post(f"/leads/scoring/rules/{row['id']}/delete/").status_code == 302
    assert not ScoreRule.objects.exists()
