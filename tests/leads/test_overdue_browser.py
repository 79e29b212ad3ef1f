"""The inbox's "Overdue" view and the locations page with a missed follow-up beside an
SLA breach, in a real Chromium at phone and desktop widths (no sideways scrolling, no
serious axe-core violations, no script errors; screenshots to ``$PACER_SCREENSHOTS``)."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.leads.models import LocationHours, SlaPolicy
from tests.leads.test_followup import agent, lead_at, member
from tests.web.test_layout import _check, _context

ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in London (BST)
NOW = datetime(2026, 4, 1, 11, 5, tzinfo=UTC)  # Wednesday 12:05 BST


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_overdue_view_and_the_locations_page_fit_phone_and_desktop(
    live_server, browser, workspace, admin, north, clock_at
):
    LocationHours.objects.create(
        workspace=workspace,
        location_id=north.pk,
        timezone="Europe/London",
        weekly={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    )
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    lead_at(workspace, ARRIVED, clock_at, 1, first_name="Missy")
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    lead_at(workspace, ARRIVED + timedelta(hours=4), clock_at, 2, first_name="Bea")
    clock_at(NOW)
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", live_server.url)
        page.goto(f"{live_server.url}/leads/?view=overdue")
        found += _check(page, "lead-inbox-overdue", width, problems)
        text = page.inner_text("main")
        assert page.inner_text("#lead-late") == (
            "Overdue: 1 past their SLA deadline, 1 missed follow-up (no deadline)"
        )
        assert "follow-up missed by 2 h 05 min" in text and "overdue by 21 h 50 min" in text
        page.goto(f"{live_server.url}/leads/locations/")
        found += _check(page, "lead-queues-missed", width, problems)
        assert "missed follow-up" in page.inner_text("#lead-queues").lower()
        context.close()
    assert found == [], "\n".join(found)
