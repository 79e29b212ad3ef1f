"""In Chromium: a refused HTMX request's 422 answer is swapped in place (the layout's
``htmx-config``; HTMX 2 swaps no 4xx by default), and an error answer other than 422
is still not swapped. The segment builder's live count, its rules made incomplete."""

import pytest

from tests.browser_pages import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_count_shows_its_reason_in_place_and_a_404_is_not_swapped(
    browser, live_server, admin
):
    context, page = signed_in(browser, live_server.url, 1440)
    page.goto(f"{live_server.url}/segments/new/")
    page.wait_for_selector("#preview-count")
    page.evaluate("window.marker = 1")  # gone if the page reloads
    page.select_option("select[name='add-kind.r']", "trait")
    with page.expect_response(lambda r: r.url.endswith("/segments/preview/")) as counted:
        page.click("button[value='add:r']")  # the builder comes back, then its count
    assert counted.value.status == 200
    page.fill("input[name='r.1.key']", "")
    with page.expect_response(lambda r: r.url.endswith("/segments/preview/")) as answer:
        page.dispatch_event("input[name='r.1.key']", "change")
    assert answer.value.status == 422
    alert = page.wait_for_selector("#preview .alert")
    assert [line for line in alert.inner_text().splitlines() if line] == [
        "The rules are not complete yet",
        "Condition 2: key: String should have at least 1 character",
    ]
    assert page.evaluate("window.marker") == 1
    # any other error answer leaves the page as it was
    page.evaluate("() => htmx.ajax('GET', '/no-such-page/', {target: '#preview'})")
    assert page.inner_text("#preview .alert-title") == "The rules are not complete yet"
    assert page.locator("#preview h1").count() == 0
    context.close()
