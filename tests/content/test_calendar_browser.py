"""A crowded day stays readable in the browser at 390 and 1440 px: ten campaigns running
at once (as in the demo) are one "10 campaigns running" summary, the day's item sits
right under it, and the summary opens the list by keyboard (screenshots under
$PACER_SCREENSHOTS, closed and open)."""

from datetime import UTC, date, datetime

import pytest

from pacer.content import actions
from pacer.planning import actions as planning
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
DAY = 'section[data-day="2026-03-11"]'


@pytest.fixture
def crowded_site(live_server, workspace, admin, team):
    for n in range(10):
        planning.create_campaign(
            workspace,
            f"spring-{n}",
            "email",
            name=f"Spring 2026 campaign number {n}",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 29),
        )
    actions.create_theme(
        workspace, name="Spring sale", starts_on="2026-03-01", ends_on="2026-03-31"
    )
    actions.create_item(
        workspace,
        title="Busy day post",
        kind="social_post",
        scheduled_for=datetime(2026, 3, 11, 9, tzinfo=UTC),
    )
    return live_server.url


@pytest.mark.parametrize("width", [390, 1440])
def test_a_day_with_ten_campaigns_shows_one_summary_that_opens_their_list(
    browser, crowded_site, width
):
    url = crowded_site
    context, page, problems = _context(browser, width, "ada", url)
    page.goto(f"{url}/content/calendar/?day=2026-03-11")
    found = _check(page, "content-calendar-crowded", width, problems)
    day = page.locator(DAY)
    summary = day.locator("summary")
    # read aloud with its day
    assert " ".join(summary.text_content().split()) == "10 campaigns running on 11 March"
    assert day.locator(".cal-running li").first.is_hidden()
    # the day's item right under its date, the theme and the summary
    top = day.bounding_box()["y"]
    assert page.locator(f"{DAY} .cal-item").bounding_box()["y"] - top < 80
    summary.focus()
    page.keyboard.press("Enter")
    names = day.locator(".cal-running li a")
    names.first.wait_for(state="visible")
    assert names.count() == 10
    assert names.first.inner_text() == "Spring 2026 campaign number 0"
    found += _check(page, "content-calendar-crowded-open", width, problems)
    assert found == [], "\n".join(found)
    context.close()
