"""A real browser: an admin finds a person on the Privacy page and erases them."""

import pytest

from pacer.people.models import Contact
from tests.browser_pages import signed_in
from tests.privacy.conftest import ERIN_EMAIL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_and_erase_with_confirmation(live_server, browser, admin, people_in_db):
    _, page = signed_in(browser, live_server.url, 1440)
    page.click("summary#nav-settings")  # its section of the navigation folds
    page.click("nav.nav >> text=Privacy")
    page.fill("#privacy-find input[name=email]", ERIN_EMAIL)
    page.click("#privacy-find button")
    assert page.inner_text("#privacy-found h2") == "Found 2 contacts"
    page.click("text=Erase…")
    page.fill("#privacy-confirm input[name=confirm]", "ERASE")
    page.click("#privacy-confirm button")
    page.wait_for_selector("text=identifiers suppressed")
    assert "/settings/privacy/" in page.url
    assert page.inner_text("#privacy-requests tbody tr:first-child td:nth-child(3)") == "Erasure"
    assert not Contact.objects.filter(id__in=people_in_db.erin).exists()
