"""In a real Chromium at phone and desktop widths: a lead's page with a refused stage
move and a refused task, the lead forms page with a refused form, and the SLA page with a
location's own follow-up time and a refused one: each reason under its field, what was
typed kept, no sideways scrolling, no serious axe-core violations; screenshots to
``$PACER_SCREENSHOTS``."""

from datetime import UTC, datetime

import pytest

from pacer.leads import sla
from pacer.leads.models import Activity, FollowUpTask, LeadForm, StageChange
from tests.leads.test_followup import agent, lead_at, member
from tests.web.test_layout import _check, _context

ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_refused_lead_forms_show_the_reason_at_the_field_at_both_widths(
    live_server, browser, workspace, north, admin, clock_at
):
    agent(workspace, member(workspace, "ann"), north)
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    sla.save_follow_up(workspace, {"location": "north", "follow_up_minutes": 60})
    written = (Activity.objects.count(), StageChange.objects.count(), FollowUpTask.objects.count())
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", live_server.url)
        page.goto(f"{live_server.url}/leads/{lead.pk}/")
        page.select_option("#field-stage", "disqualified")
        page.click("#stage-form button[type=submit]")
        page.wait_for_selector("#field-reason-error")
        assert page.inner_text("#field-reason-error") == (
            "is required to move a lead to 'disqualified'"
        )
        assert page.input_value("#field-stage") == "disqualified"
        found += _check(page, "lead-stage-refused", width, problems)
        page.fill("#field-title", "Call back <soon>")
        page.fill("#field-due_at", "")
        page.click("#task-form button[type=submit]")
        page.wait_for_selector("#field-due_at-error")
        assert page.inner_text("#field-due_at-error") == "is required"
        assert page.input_value("#field-title") == "Call back <soon>"
        found += _check(page, "lead-task-refused", width, problems)
        page.goto(f"{live_server.url}/leads/forms/")
        page.fill("#field-key", "Spring Offer")
        page.fill("#field-title", "Book a visit")
        page.click("#new-form button[type=submit]")
        page.wait_for_selector("#field-key-error")
        assert page.input_value("#field-key") == "Spring Offer"
        found += _check(page, "lead-forms-refused", width, problems)
        page.goto(f"{live_server.url}/leads/sla/")
        page.select_option("#follow-up-location", "north")  # the form reloads with its own
        page.wait_for_function(
            "() => document.querySelector('#follow-up-follow_up_minutes').value === '60'"
        )
        page.fill("#follow-up-follow_up_minutes", "5")
        page.click("#follow-up-form button[type=submit]")
        page.wait_for_selector("#follow-up-follow_up_minutes-error")
        assert page.input_value("#follow-up-location") == "north"
        assert "North" in page.inner_text("section[aria-labelledby=follow-up-h]")
        found += _check(page, "lead-sla-follow-up", width, problems)
        context.close()
    assert found == [], "\n".join(found)
    assert written == (
        Activity.objects.count(),
        StageChange.objects.count(),
        FollowUpTask.objects.count(),
    )
    assert not LeadForm.objects.exists()
