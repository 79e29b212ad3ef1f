"""In a real Chromium at phone and desktop widths: the locations page's "Nobody free"
count links to the inbox's view of those leads at that location, whose Respond cell says
when the lead is tried next (no sideways scrolling, no serious axe-core violations, no
script errors; screenshots to ``$PACER_SCREENSHOTS``)."""

import pytest

from pacer.leads.models import LocationHours, SlaPolicy
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member
from tests.leads.test_unowned_retry import ARRIVED, FIRST_RETRY, WEEKDAYS
from tests.web.test_layout import PASSWORD, _check, _context


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_nobody_free_count_leads_to_those_leads_in_the_inbox(
    live_server, browser, workspace, admin, north, clock_at
):
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS
    )
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=60, remind_minutes=5)
    agent(workspace, member(workspace, "ann"), north, max_open=0)  # at her cap
    agent(workspace, member(workspace, "max"), north, weight=0, is_manager=True)
    lead_at(workspace, ARRIVED, clock_at, 1, first_name="Nell")
    clock_at(FIRST_RETRY)
    assert fire_due_timers(FIRST_RETRY) == 1  # still nobody: the managers told
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, None, live_server.url)
        # on a loaded machine the live server's first page can take over the 30 s default
        page.set_default_timeout(120_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "ada")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/leads/locations/")
        found += _check(page, "lead-queues-nobody-free", width, problems)
        page.click("#lead-queues a[href*='view=unowned']")
        page.wait_for_selector("#lead-location")
        found += _check(page, "lead-inbox-nobody-free", width, problems)
        assert page.inner_text("#lead-location") == "Location: North · every location"
        assert "Nell" in page.inner_text("#lead-inbox")
        assert "due Mon 12:00; next try Mon 11:30" in page.inner_text("#lead-inbox")
        context.close()
    assert found == [], "\n".join(found)
