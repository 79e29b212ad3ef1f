"""The team target and ratings import forms refused in headless Chromium at phone and
desktop widths: the reason under the field, the typed target kept, no serious axe
violations, no sideways scrolling. Screenshots go to ``$PACER_SCREENSHOTS``."""

import pytest

from pacer.people.actions import upsert_locations
from pacer.teams.models import KpiTarget, ReviewRating
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_refused_targets_and_ratings_show_the_reason_at_the_field(
    browser, live_server, workspace, admin, tmp_path
):
    upsert_locations(workspace, [{"code": "n", "name": "North"}])
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("location,source,external_id,rating,date\nzz,google,g1,9,2026-04-01\n")
    url, found = live_server.url, []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/teams/cx/?month=2026-04")
        page.select_option("#field-metric", "nps")
        page.fill("#field-target", "very high")
        page.click("#target-form button[type=submit]")
        page.wait_for_selector("#field-target-error")
        assert "must be a number" in page.inner_text("#field-target-error")
        assert page.input_value("#field-target") == "very high"
        assert page.input_value("#field-metric") == "nps"
        found += _check(page, "teams-target-refused", width, problems)

        page.goto(f"{url}/experience/")
        page.set_input_files("#ratings-file", str(ratings))
        page.click("#ratings-form button[type=submit]")
        page.wait_for_selector("#ratings-file-error")
        reasons = page.inner_text("#ratings-file-error")
        assert "row 1, location: no location with code 'zz'" in reasons
        assert "row 1, rating: must be a number from 1 to 5" in reasons
        found += _check(page, "teams-ratings-refused", width, problems)
        context.close()
    assert found == [], "\n".join(found)
    assert not KpiTarget.objects.exists() and not ReviewRating.objects.exists()
