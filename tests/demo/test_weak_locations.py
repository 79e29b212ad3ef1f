"""The demo plants locations of poor service (``POOR_SERVICE_LOCATIONS``): their customers'
NPS answers and public review ratings come out low, so the location scoreboard shows them
apart from the rest; each review is imported once."""

from datetime import UTC, date, datetime, timedelta

import pytest

from pacer.demo.cli import POOR_SERVICE_LOCATIONS
from pacer.demo.loader import load_business
from pacer.demo.teams import REVIEW_DAYS, REVIEW_RATE, REVIEW_STREAM, load_teams, star_rating
from pacer.people import selectors as people
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.simulate.experience import survey_answers
from pacer.teams import cx
from pacer.teams.models import ReviewRating

pytestmark = pytest.mark.django_db


def test_the_demos_poor_service_locations_get_low_review_ratings_once(workspace, admin):
    config = SimConfig(contacts=1500, months=3, poor_service_locations=POOR_SERVICE_LOCATIONS)
    business = generate(config)
    assert business.truth["poor_service_locations"] == ["LOC05", "LOC11"]
    load_business(workspace, business)
    loaded = load_teams(workspace, business)
    written = survey_answers(business, answer_rate=REVIEW_RATE, seed=REVIEW_STREAM)
    assert loaded["ratings"] == len(written.score) == ReviewRating.objects.count() > 0
    expected = sorted(
        (
            business.location_codes[business.contact_location[contact]],
            f"demo-{int(contact)}",
            star_rating(int(score)),
            datetime.fromtimestamp(int(at), UTC).date() + timedelta(days=REVIEW_DAYS),
        )
        for contact, score, at in zip(written.contact, written.score, written.time, strict=True)
    )
    codes = {location.pk: location.code for location in people.locations(workspace)}
    found = sorted(
        (codes[r.location_id], r.external_id, int(r.rating), r.reviewed_on)
        for r in ReviewRating.objects.all()
    )
    assert found == expected
    assert {r.source for r in ReviewRating.objects.all()} == {"google"}
    # the scoreboard's figures (per location; too few reviews at one to rank them one by
    # one): the poor locations' reviews together average well below the others'
    figures = cx.by_location(workspace, date(2000, 1, 1), date(2100, 1, 1))
    poor_ids = {pk for pk, code in codes.items() if code in ("LOC05", "LOC11")}

    def mean(ids) -> float:
        rows = [figures[pk] for pk in ids if pk in figures and figures[pk]["ratings"]]
        return sum(r["rating"] * r["ratings"] for r in rows) / sum(r["ratings"] for r in rows)

    assert mean(poor_ids) + 1 < mean(set(figures) - poor_ids)
    assert load_teams(workspace, business)["ratings"] == 0
    assert ReviewRating.objects.count() == len(written.score)
