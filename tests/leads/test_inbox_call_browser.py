# ruff: noqa: F811 (the fixtures imported from the other inbox tests)
"""Logging a call from the inbox's Overdue view in a real Chromium at phone and desktop
widths: a refused form shows its reason at the row and the error box's link lands on
the field; a logged call swaps the live part in place (the row leaves the view, the
Overdue count drops, a toast says so) without leaving the page; no sideways scrolling,
no serious axe-core violations, no script errors; screenshots to ``$PACER_SCREENSHOTS``."""

import pytest

from pacer.leads.models import Activity
from tests.leads.test_next_touch import desk  # noqa: F401 (a fixture)
from tests.leads.test_overdue_touch import leads  # noqa: F401 (a fixture)
from tests.web.test_layout import _check, _context


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_call_logged_from_an_overdue_row_at_phone_and_desktop_width(
    live_server, browser, workspace, admin, leads
):
    found = []
    for width, name, outcome, left in (
        (390, "late", "voicemail", 1),
        (1440, "missed", "reached", 0),
    ):
        lead = leads[name]
        context, page, problems = _context(browser, width, "ada", live_server.url)
        address = f"{live_server.url}/leads/?view=overdue"
        page.goto(address)
        found += _check(page, f"lead-inbox-call-{name}", width, problems)
        row = page.locator("#lead-inbox tbody tr", has_text=name.title())
        # the live refresh holds while a row's form is being filled in, not after
        poll = "() => htmx.ajax('GET', location.href + '&fragment=1', {source: '#live'})"
        row.locator("input[name=note]").fill("half typed")
        page.locator("h1").click()  # focus leaves the form: its changed field still holds
        page.evaluate("document.querySelector('#lead-inbox').dataset.seen = 'yes'")
        page.evaluate(poll)
        assert row.locator("input[name=note]").input_value() == "half typed"
        assert page.evaluate("document.querySelector('#lead-inbox').dataset.seen") == "yes"
        row.locator("input[name=note]").fill("")
        page.locator("h1").click()
        page.evaluate(poll)
        page.wait_for_function("() => !document.querySelector('#lead-inbox').dataset.seen")
        row = page.locator("#lead-inbox tbody tr", has_text=name.title())
        row.get_by_role("button", name="Log call").click()  # no outcome chosen: refused
        page.wait_for_selector(f"#call-{lead.pk}-outcome-error")
        assert page.inner_text(f"#call-{lead.pk}-outcome-error").startswith(
            "choose how the call went"
        )
        found += _check(page, f"lead-inbox-call-refused-{name}", width, problems)
        page.click(f'.error-summary a[href="#call-{lead.pk}-outcome"]')
        assert page.evaluate("document.activeElement.id") == f"call-{lead.pk}-outcome"
        assert (
            not Activity.objects.filter(lead=lead, at__gte=lead.created_at)
            .exclude(outcome="reached")
            .exists()
        )

        row = page.locator("#lead-inbox tbody tr", has_text=name.title())
        row.locator("select[name=outcome]").select_option(outcome)
        row.locator("input[name=note]").fill("asked for a call back")
        row.get_by_role("button", name="Log call").click()
        page.wait_for_selector(".toast.success")
        assert page.url == address  # the page never left
        assert page.inner_text("#overdue-count") == f"({left})"
        shown = page.locator("#lead-inbox tbody tr", has_text=name.title())
        assert shown.count() == 0  # answered in time now: off the Overdue view
        found += _check(page, f"lead-inbox-call-done-{name}", width, problems)
        context.close()
    logged = Activity.objects.filter(kind="call", actor__username="ada")
    assert sorted(logged.values_list("lead__contact__first_name", "outcome")) == [
        ("Late", "Left a voicemail: asked for a call back"),
        ("Missed", "Reached: asked for a call back"),
    ]
    assert found == [], "\n".join(found)
