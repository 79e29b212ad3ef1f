"""The demo's teams: targets, a review, simulated NPS answers and a survey sent after
orders by its trigger, loaded once."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from pacer.core import actions as core_actions
from pacer.core import selectors as core
from pacer.core.roles import Role
from pacer.demo.loader import city_zone, load_business
from pacer.demo.teams import AFTER_ORDERS, ASKED_WEEKS, SURVEY, TARGETS, load_teams
from pacer.people.selectors import locations
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.simulate.experience import survey_answers
from pacer.teams import selectors
from pacer.teams.models import KpiTarget, ReviewItem, SurveyAsk, SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_demo_loads_targets_a_review_and_answers_once(workspace, admin):
    business = generate(SimConfig(contacts=600, months=3))
    load_business(workspace, business)
    loaded = load_teams(workspace, business)
    simulated = survey_answers(business)
    assert loaded["answers"] == len(simulated.score) > 0
    first_visit = SurveyResponse.objects.filter(survey__name=SURVEY)
    assert sorted(first_visit.values_list("score", flat=True)) == sorted(simulated.score.tolist())
    assert KpiTarget.objects.count() == 3 * sum(len(t) for t in TARGETS.values())
    assert ReviewItem.objects.count() == 2
    assert load_teams(workspace, business) == {"answers": 0, "ratings": 0, "sent": 0, "answered": 0}
    assert (KpiTarget.objects.count(), ReviewItem.objects.count()) == (21, 2)
    assert first_visit.count() == loaded["answers"]
    assert SurveyResponse.objects.count() == loaded["answers"] + loaded["answered"]


def test_the_demos_survey_after_orders_asks_about_its_last_weeks_and_has_answers(workspace, admin):
    business = generate(SimConfig(contacts=600, months=3))
    load_business(workspace, business)
    loaded = load_teams(workspace, business)
    survey = next(s for s in selectors.surveys(workspace) if s.name == AFTER_ORDERS)
    assert survey.trigger.enabled and survey.trigger.delay_days == 2
    end = datetime.fromtimestamp(int(business.order_time.max()), UTC)
    asks = SurveyAsk.objects.filter(survey=survey)
    first_order = min(asks.values_list("due_at", flat=True)) - timedelta(days=3)
    assert end - timedelta(weeks=ASKED_WEEKS + 1) < first_order  # only the last weeks
    sent = dict(asks.filter(status="sent").values_list("contact_id", "location_id"))
    assert 0 < loaded["answered"] < loaded["sent"] == len(sent)
    assert asks.filter(status="skipped").exists()  # second orders, no consent
    # each answer counts for the location of the order it was asked about
    answers = dict(survey.responses.values_list("contact_id", "location_id"))
    assert len(answers) == loaded["answered"]
    assert all(sent[contact] == location for contact, location in answers.items())
    rows = selectors.trigger_by_location(survey)
    assert sum(row["sent"] for row in rows) == loaded["sent"]
    assert sum(row["answered"] for row in rows) == loaded["answered"]
    assert len([row for row in rows if row["sent"]]) > 1  # figures for several locations

    # each location keeps its city's hours: every ask is due in 09:00-18:00 there
    zones = {location.pk: location.time_zone for location in locations(workspace)}
    by_name = {loc.name: loc.time_zone for loc in locations(workspace)}
    assert all(by_name.values())
    assert {name: by_name[name] for name in ("Austin", "Boston", "El Paso", "Fresno")} == {
        "Austin": "America/Chicago",
        "Boston": "America/New_York",
        "El Paso": "America/Denver",
        "Fresno": "America/Los_Angeles",
    }
    local = [
        due.astimezone(ZoneInfo(zones[location])).time()
        for location, due in asks.values_list("location_id", "due_at")
    ]
    assert local and all(time(9) <= at < time(18) for at in local)
    assert min(local) < time(10)  # some waited for the morning there


def test_a_demo_location_past_the_list_of_cities_keeps_its_citys_zone():
    assert (city_zone("Yuma"), city_zone("Austin 2"), city_zone("Atlantis")) == (
        "America/Phoenix",
        "America/Chicago",
        "",
    )


def test_every_demo_team_has_staff_members_and_a_lead_among_them(workspace, admin):
    staff = [core_actions.create_user(workspace, f"agent{i}", "long-password-1", Role.STAFF)
             for i in range(7)]  # fmt: skip
    business = generate(SimConfig(contacts=300, months=2))
    load_business(workspace, business)
    load_teams(workspace, business)
    names = {m.pk: m.user.username for m in core.members(workspace)}
    found = {
        team.key: ([names[m.membership_id] for m in team.members.all()], names[team.lead_id])
        for team in selectors.teams(workspace)
    }
    # seven agents dealt round the five teams in name order (Brand, CX, Content, ...);
    # the admin joins the teams with targets
    assert {key: (sorted(members), lead) for key, (members, lead) in found.items()} == {
        "brand": (["agent0", "agent5"], "agent0"),
        "cx": (["ada", "agent1", "agent6"], "agent1"),
        "content": (["agent2"], "agent2"),
        "performance": (["ada", "agent3"], "agent3"),
        "product": (["agent4"], "agent4"),
    }
    assert len(staff) == 7
    load_teams(workspace, business)  # again: the members stay as they are
    assert {t.key: t.members.count() for t in selectors.teams(workspace)}["brand"] == 2
