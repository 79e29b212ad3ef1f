"""The contact page in headless Chromium: an event ingested and processed while the page
is open appears in its timeline without a reload."""

import pytest

from tests.browser_pages import signed_in
from tests.people.test_contact_page import message, send, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_event_appears_in_the_open_timeline_without_a_reload(
    browser, live_server, workspace, admin
):
    from pacer.people.models import Contact

    send(workspace, visit("2026-03-01T10:00:00Z", "spring", user="kim"))
    kim = Contact.objects.get(workspace=workspace)
    _, page = signed_in(browser, live_server.url, 1440)
    page.goto(f"{live_server.url}/contacts/{kim.pk}/")
    rows = page.locator("#timeline tbody tr")
    assert rows.count() == 1
    page.evaluate("window.stillTheSamePage = true")

    send(
        workspace,
        message(
            "track",
            "2026-03-02T10:00:00Z",
            user="kim",
            event="Booked a Class",
            properties={"class": "spin"},
        ),
    )
    arrived = page.locator("#timeline tbody tr").first
    arrived.get_by_text("Booked a Class").wait_for(timeout=15_000)
    assert "class: spin" in arrived.inner_text()
    assert rows.count() == 2
    assert page.evaluate("window.stillTheSamePage") is True  # no reload happened
    page.context.close()
