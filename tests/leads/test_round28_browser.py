"""The pages changed in round 28 in a real Chromium at phone and desktop widths (no
sideways scrolling, no serious axe-core violations, no script errors; screenshots to
``$PACER_SCREENSHOTS``): the inbox and the lead page with a lead waiting for the opening
("due Fri 09:15") and its reasons by name, the routing rule with arrival conditions and
the form page with its per-address limit."""

from datetime import UTC, datetime

import pytest

from pacer.leads import rules
from pacer.leads.forms import save_form
from pacer.leads.models import Lead, LocationHours, SlaPolicy
from tests.leads.test_followup import agent, lead_at, member
from tests.web.test_layout import _check, _context

THURSDAY_EVENING = datetime(2026, 3, 26, 18, 30, tzinfo=UTC)
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_changed_lead_pages_fit_phone_and_desktop(
    live_server, browser, workspace, admin, north, clock_at
):
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS
    )
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )
    ann = member(workspace, "ann")
    shift = {"timezone": "Europe/London", "weekly": WEEKDAYS}
    agent(workspace, ann, north, shift=shift)
    agent(workspace, member(workspace, "owl"), None, team="night", shift=shift)
    save_form(
        workspace,
        {
            "key": "contact-us",
            "title": "Contact us",
            "fields": {"email": "required"},
            "max_per_address": 2,
        },
        now=THURSDAY_EVENING,
    )
    rules.set_rules(
        workspace,
        [
            {
                "name": "Weekend evenings to the night desk",
                "team": "night",
                "territory": ["north"],
                "weekdays": ["sat", "sun"],
                "hour_from": 18,
                "hour_to": 22,
                "arrived": "closed",
            }
        ],
    )
    lead = lead_at(workspace, THURSDAY_EVENING, clock_at, form="contact-us")
    assert lead.owner is None
    Lead.objects.filter(pk=lead.pk).update(
        predicted=0.21,
        predicted_reasons=[
            {"feature": "form", "value": "contact-us", "effect": -0.61},
            {"feature": "channel", "value": "paid_search", "effect": 0.42},
            {"feature": "location", "value": str(north.pk), "effect": -0.3},
        ],
    )
    pages = [
        ("lead-inbox-waiting", "/leads/?view=open"),
        ("lead-waiting", f"/leads/{lead.pk}/"),
        ("lead-routing-arrival", "/leads/routing/"),
        ("lead-rule-arrival", "/leads/routing/rules/0/"),
        ("lead-form-limits", "/leads/forms/contact-us/"),
    ]
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", live_server.url)
        for name, path in pages:
            page.goto(live_server.url + path)
            found += _check(page, name, width, problems)
            text = page.inner_text("main")
            if name == "lead-inbox-waiting":
                assert "due Fri 09:15" in text
                assert "Form: Contact us" in text
            if name == "lead-waiting":
                assert "due Fri 09:15" in text and "lowers it: Location: North" in text
        context.close()
    assert found == [], "\n".join(found)
