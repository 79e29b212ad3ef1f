"""The Location settings page in headless Chromium at phone and desktop widths: a zone
chosen from the list is saved and shown, a refused field is shown beside it, no serious
axe violations, no sideways scrolling. Screenshots go to ``$PACER_SCREENSHOTS``."""

import pytest

from pacer.people.actions import upsert_locations
from pacer.people.models import Location
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_locations_time_zone_is_chosen_on_its_page_in_a_browser(
    browser, live_server, workspace, admin
):
    upsert_locations(workspace, [{"code": "n", "name": "North", "city": "Leeds"}])
    url, found = live_server.url, []
    for width, zone in ((390, "Asia/Tokyo"), (1440, "Europe/London")):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/settings/locations/")
        page.click("#locations tbody a")
        page.select_option("#field-time_zone", zone)
        page.click("#location-form button[type=submit]")
        page.wait_for_url(f"{url}/settings/locations/")
        rows = page.eval_on_selector_all(
            "#locations tbody tr", "rows => rows.map(r => r.innerText.replace(/\\s+/g, ' '))"
        )
        assert [row.strip() for row in rows] == [f"North n Leeds {zone}"]
        found += _check(page, "people-locations", width, problems)
        page.fill("#field-code", "s")
        page.click("#location-form button[type=submit]")
        page.wait_for_selector("#field-name-error")
        assert "must not be empty" in page.inner_text("#field-name-error")
        found += _check(page, "people-locations-refused", width, problems)
        context.close()
    assert found == [], "\n".join(found)
    assert list(Location.objects.values_list("code", "time_zone")) == [("n", "Europe/London")]
