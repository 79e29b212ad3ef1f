"""A survey's page with its "send after an order" trigger in headless Chromium at phone
and desktop widths: the figures by the order's location, a refused setting shown beside
its field, no serious axe violations, no sideways scrolling. Screenshots go to
``$PACER_SCREENSHOTS``."""

from datetime import UTC, datetime

import pytest

from pacer.messaging import actions as messaging
from pacer.people.actions import upsert_locations
from pacer.teams import surveys, triggers
from pacer.teams.models import SurveyAsk, SurveyResponse
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
T0 = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def test_the_survey_trigger_on_its_page_in_a_browser(browser, live_server, workspace, admin):
    upsert_locations(workspace, [{"code": "n", "name": "North"}, {"code": "s", "name": "South"}])
    sender = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test")
    survey = surveys.create_survey(workspace, name="After your order", kind="nps")
    triggers.save_trigger(survey, sender_id=sender.pk, locations=["n", "s"])
    north, south = (workspace.location_set.get(code=c).pk for c in ("n", "s"))
    for n, (location, status) in enumerate(
        [(south, "sent"), (south, "sent"), (south, "skipped"), (north, "sent")], start=1
    ):
        SurveyAsk.objects.create(
            workspace=workspace,
            survey=survey,
            contact_id=n,
            order_id=n,
            location_id=location,
            due_at=T0,
            status=status,
            asked_at=T0 if status == "sent" else None,
        )
    SurveyResponse.objects.create(
        workspace=workspace, survey=survey, contact_id=1, location_id=south, score=9, answered_at=T0
    )
    url, found = live_server.url, []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/experience/surveys/{survey.pk}/")
        rows = page.eval_on_selector_all(
            "#trigger-by-location tbody tr",
            "rows => rows.map(r => r.innerText.replace(/\\s+/g, ' ').trim())",
        )
        assert rows == ["North 1 0 0 0.0%", "South 2 1 1 50.0%"]
        assert page.input_value("#trigger-locations") == "n, s"
        found += _check(page, "teams-survey-trigger", width, problems)
        page.fill("#trigger-delay_days", "61")
        page.fill("#trigger-visit_event", "Store Visited")
        page.click("#trigger-form button[type=submit]")
        page.wait_for_selector("#trigger-delay_days-error")
        assert "from 0 to 60" in page.inner_text("#trigger-delay_days-error")
        assert page.input_value("#trigger-visit_event") == "Store Visited"
        found += _check(page, "teams-survey-trigger-refused", width, problems)
        context.close()
    assert found == [], "\n".join(found)
