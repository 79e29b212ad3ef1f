"""The demo's teams: targets, a review and simulated NPS answers, loaded once."""

import pytest

from pacer.demo.loader import load_business
from pacer.demo.teams import TARGETS, load_teams
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.simulate.experience import survey_answers
from pacer.teams.models import KpiTarget, ReviewItem, SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_demo_loads_targets_a_review_and_answers_once(workspace, admin):
    business = generate(SimConfig(contacts=600, months=3))
    load_business(workspace, business)
    loaded = load_teams(workspace, business)
    simulated = survey_answers(business)
    assert loaded["answers"] == len(simulated.score) > 0
    assert sorted(SurveyResponse.objects.values_list("score", flat=True)) == sorted(
        simulated.score.tolist()
    )
    assert KpiTarget.objects.count() == 3 * sum(len(t) for t in TARGETS.values())
    assert ReviewItem.objects.count() == 2
    assert load_teams(workspace, business) == {"answers": 0}
    assert (KpiTarget.objects.count(), ReviewItem.objects.count()) == (21, 2)
    assert SurveyResponse.objects.count() == loaded["answers"]
