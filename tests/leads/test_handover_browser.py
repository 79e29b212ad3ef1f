"""The hand-over in a real Chromium: the locations page with a hand-over under way at
phone and desktop widths (the away member's row says how far the re-assignment has got,
no sideways scrolling, no serious axe-core violations; screenshots go to
``$PACER_SCREENSHOTS``), and the page flow from the agent page's time off to the
finished hand-over. The suite runs browser tests on SQLite only; run this file on
PostgreSQL with ``scripts/with-postgres.sh .venv/bin/pytest -m browser ...``."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.leads import handover, staff
from pacer.leads.models import Agent, Handover, Lead
from pacer.leads.tasks import hand_over_leads
from tests.ingest.test_import_wizard import run_queued_tasks
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_sets_time_off_in_the_browser_and_sees_the_hand_over_through(
    live_server, browser, workspace, admin, north, clock_at, settings
):
    """The whole page flow: the agent page saves the time off (which records the
    hand-over and queues its task, moving nothing), the locations page shows the
    progress batch by batch, and the inbox's "All open" shows the new owner."""
    settings.LEAD_HANDOVER_BATCH = 2
    sla(workspace, north)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    row = agent(workspace, ann, north, weight=100)
    agent(workspace, ben, north, weight=0)
    leads = [lead_at(workspace, NOW + timedelta(seconds=n), clock_at, n) for n in range(5)]
    Agent.objects.filter(user=ben).update(weight=1)
    clock_at(NOW + timedelta(minutes=2))
    context, page, problems = _context(browser, 390, "ada", live_server.url)
    page.goto(f"{live_server.url}/leads/routing/agents/{row.pk}/")
    page.fill("input[name=away_until]", "2026-04-02T09:00")  # London time (BST)
    page.click("form#agent-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/leads/routing/")
    record = Handover.objects.get()
    assert (record.user, record.away_until, record.done) == (ann, BACK, 0)
    assert {lead.owner_id for lead in Lead.objects.all()} == {ann.pk}  # nothing moved yet
    assert hand_over_leads.call(record.pk) == {"done": 2, "total": 5, "moved": 2}
    page.goto(f"{live_server.url}/leads/locations/")
    assert "re-assigning 2 of 5" in page.inner_text("#lead-away")
    run_queued_tasks()
    page.reload()
    assert "done: 5 of 5 re-assigned" in page.inner_text("#lead-away")
    page.goto(f"{live_server.url}/leads/?view=open")
    inbox = page.inner_text("#lead-inbox")
    assert inbox.count("ben") == len(leads) and "ann" not in inbox
    context.close()
    assert problems == []
