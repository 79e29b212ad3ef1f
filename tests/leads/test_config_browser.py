"""The routing, locating and SLA settings in a real Chromium at phone and desktop widths: no
sideways scrolling, no serious axe-core violations, no script errors; a refused agent,
SLA, follow-up time and fallback owner show their reasons under the field; screenshots go to
``$PACER_SCREENSHOTS``."""

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import Role
from pacer.leads import escalation, fallback, locating, rules, sla, staff
from pacer.people.actions import upsert_locations
from tests.web.test_layout import _check, _context

PASSWORD = "correct-horse-1"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_settings_pages_fit_phone_and_desktop_and_show_refusals(
    live_server, browser, workspace, admin
):
    upsert_locations(
        workspace, [{"code": "north", "name": "North Clinic"}, {"code": "south", "name": "South"}]
    )
    for name in ("sam", "kim"):
        core_actions.create_user(workspace, name, PASSWORD, Role.STAFF)
    shift = {
        "timezone": "Europe/London",
        "weekly": staff.weekly_from_text("mon-fri 09:00-17:30; sat 10:00-14:00"),
    }
    agent = staff.save_agent(
        workspace,
        {
            "user": "sam",
            "location": "north",
            "team": "senior",
            "weight": 2,
            "shift": shift,
            "phone": "+44 20 7946 0001",
        },
    )
    staff.save_agent(workspace, {"user": "kim", "location": "", "max_open": 40})
    rules.set_rules(
        workspace,
        [
            {
                "name": "Implants to the senior team",
                "team": "senior",
                "products": ["implants"],
                "min_score": 30,
            }
        ],
    )
    staff.set_hours(workspace, "north", shift)
    locating.configure(
        workspace,
        steps=["form", "postal", "nearest"],
        areas=[
            {"code": "north", "postal_codes": ["SW1A", "EC"], "latitude": 51.5, "longitude": -0.12}
        ],
    )
    for location, minutes in (("", 30), ("north", 10)):
        sla.save_policy(
            workspace,
            {
                "stage": "lead",
                "location": location,
                "respond_minutes": minutes,
                "remind_minutes": 5,
                "reassign_minutes": 60,
            },
        )
    chain = [
        {"delay_minutes": 0, "to": "managers"},
        {"delay_minutes": 15, "to": "email", "address": "desk@north.test"},
        {"delay_minutes": 45, "to": "user", "user": "kim"},
    ]
    escalation.save_chain(workspace, {"location": "north", "steps": chain})
    fallback.set_owner(workspace, "north", "kim")
    pages = [
        ("lead-sla", "/leads/sla/"),
        ("lead-routing", "/leads/routing/"),
        ("lead-agent", f"/leads/routing/agents/{agent.pk}/"),
        ("lead-rule", "/leads/routing/rules/0/"),
        ("lead-locating", "/leads/locating/"),
    ]
    found = []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", live_server.url)
        for name, path in pages:
            page.goto(live_server.url + path)
            found += _check(page, name, width, problems)
        page.goto(f"{live_server.url}/leads/routing/agents/new/")
        page.select_option("#field-user", "kim")
        page.fill("#field-weight", "-3")
        page.fill("#field-weekly", "weekdays 9-5")
        page.click("#agent-form button[type=submit]")
        page.wait_for_selector("#field-weekly-error")
        assert "is not like 'mon-fri 09:00-17:00'" in page.inner_text("#field-weekly-error")
        assert page.inner_text("#field-weight-error") == "must be between 0 and 100"
        found += _check(page, "lead-agent-refused", width, problems)
        page.goto(f"{live_server.url}/leads/sla/")
        page.select_option("#field-location", "south")
        page.fill("#field-respond_minutes", "5")
        page.fill("#field-remind_minutes", "5")
        page.click("#sla-form button[type=submit]")
        page.wait_for_selector("#field-remind_minutes-error")
        assert "must be less than the response time" in page.inner_text(
            "#field-remind_minutes-error"
        )
        found += _check(page, "lead-sla-refused", width, problems)
        page.fill("#follow-up-follow_up_minutes", "0")
        page.click("#follow-up-form button[type=submit]")
        page.wait_for_selector("#follow-up-follow_up_minutes-error")
        assert page.inner_text("#follow-up-follow_up_minutes-error") == (
            "must be between 15 and 10080 minutes"
        )
        found += _check(page, "lead-follow-up-refused", width, problems)
        page.goto(f"{live_server.url}/leads/routing/")
        page.select_option("#fallback-location", "south")
        page.select_option("#fallback-user", "")
        page.click("#fallback-form button[type=submit]")
        page.wait_for_selector("#fallback-location-error")
        assert page.inner_text("#fallback-location-error") == "has no fallback owner to remove"
        found += _check(page, "lead-fallback-refused", width, problems)
        context.close()
    assert found == [], "\n".join(found)
