"""The locations page with a hand-over under way, in a real Chromium at phone and desktop
widths: the away member's row says how far the re-assignment has got, no sideways
scrolling, no serious axe-core violations; screenshots go to ``$PACER_SCREENSHOTS``."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.leads import handover, staff
from pacer.leads.models import Agent, Handover
from tests.leads.test_followup import agent, lead_at, member, sla
from tests.web.test_layout import _check, _context

NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
BACK = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_locations_page_shows_a_hand_over_in_progress_at_phone_and_desktop_widths(
    live_server, browser, workspace, admin, north, clock_at
):
    sla(workspace, north)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    row = agent(workspace, ann, north, weight=100)
    agent(workspace, ben, north, weight=0)
    for n in range(5):
        lead_at(workspace, NOW + timedelta(seconds=n), clock_at, n)
    Agent.objects.filter(user=ben).update(weight=1)
    clock_at(NOW + timedelta(minutes=2))
    staff.save_agent(workspace, {"away_until": BACK}, agent_id=row.pk)
    handover.continue_handover(Handover.objects.get().pk, NOW, limit=2)
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", live_server.url)
        page.goto(live_server.url + "/leads/locations/")
        assert "re-assigning 2 of 5" in page.inner_text("#lead-away")
        found += _check(page, "lead-queues-handover", width, problems)
        context.close()
    assert found == [], "\n".join(found)
