"""In Chromium: after a refused form, the page shown is at its own address again, so its
sort links, filters and reload ask the page (they answered 405 or lost the sort when
they resolved against the address the form was posted to), and the links of its error
box put the focus on the field refused."""

import pytest

from tests.web.test_layout import _check, _context
from tests.web.test_refused_pages import shop  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused_after_following(page, link_text: str) -> str:
    page.click(f".error-summary a:has-text('{link_text}')")
    return page.evaluate("document.activeElement.id")


def _refused(page, submit: str) -> None:
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click(submit)
    assert answer.value.status == 422
    page.wait_for_load_state("load")


def test_after_a_refused_form_sorting_filtering_and_error_links_work(
    live_server,
    browser,
    shop,  # noqa: F811
):
    url = live_server.url
    context, page, problems = _context(browser, 1440, "ada", url)
    found = []
    # mentions: a hostile "ids" refused; the reason links to the button
    page.goto(f"{url}/work/mentions/")
    page.evaluate(
        "() => { const i = document.createElement('input'); i.type = 'hidden';"
        " i.name = 'ids'; i.value = 'x'; document.getElementById('read-all').append(i); }"
    )
    _refused(page, "#read-all-button")
    assert page.url == f"{url}/work/mentions/"
    found += _check(page, "mentions-refused", 1440, problems)
    assert _focused_after_following(page, "Ids: must be notification ids") == "read-all-button"
    with page.expect_response(lambda r: "sort=" in r.url) as answer:
        page.click("#mentions-table th a.sort")
    assert answer.value.status == 200
    assert page.url == f"{url}/work/mentions/?sort=created_at"
    assert page.get_attribute("#mentions-table th[aria-sort]", "aria-sort") == "ascending"
    # the board: a card without a title refused, then the label filter
    page.goto(f"{url}/work/boards/brand-board/")
    page.fill("#field-title", "   ")
    _refused(page, "#new-card button[type=submit]")
    assert page.url == f"{url}/work/boards/brand-board/"
    assert _focused_after_following(page, "title:") == "field-title"
    label = page.eval_on_selector("#filter-label option:nth-child(2)", "o => o.value")
    with page.expect_response(lambda r: "label=" in r.url) as answer:
        page.select_option("#filter-label", label)
    assert answer.value.status == 200
    page.wait_for_selector("#label-filter")
    assert page.url == f"{url}/work/boards/brand-board/?label={label}"
    # budgets: a negative transfer refused, then the transfers sorted by amount
    page.goto(f"{url}/budgets/")
    source, target = shop["lines"]
    page.select_option("#transfer-source", str(source.pk))
    page.select_option("#transfer-target", str(target.pk))
    page.fill("#transfer-amount", "-5")
    page.fill("#transfer-reason", "more email")
    _refused(page, "#transfer-form button[type=submit]")
    assert page.url == f"{url}/budgets/"
    assert page.input_value("#transfer-amount") == "-5"
    found += _check(page, "budgets-refused", 1440, problems)
    assert _focused_after_following(page, "amount:") == "transfer-amount"
    with page.expect_response(lambda r: "transfers-sort=" in r.url) as answer:
        page.click("#transfers th a.sort:has-text('Amount')")
    assert answer.value.status == 200
    assert page.url == f"{url}/budgets/?transfers-sort=-amount"
    assert page.get_attribute("#transfers th[aria-sort]", "aria-sort") == "descending"
    # deciding one's own transfer: the reason links to its Approve button
    _refused(page, "#pending-transfers button[value=approve]")
    assert page.url == f"{url}/budgets/"
    assert _focused_after_following(page, "transfer:") == "pending-transfer"
    page.reload()  # asks the page, not the form's address
    assert page.url.split("#")[0] == f"{url}/budgets/" and page.is_visible("#transfer-form")
    # envelopes above the plan's: the total's reason puts the focus on the envelopes
    root, child = shop["root"], shop["child"]
    page.goto(f"{url}/plans/{root.pk}/")
    page.fill(f"#envelope-child-{child.pk}", "5000")
    _refused(page, "#envelope-form button[type=submit]")
    assert page.url == f"{url}/plans/{root.pk}/"
    assert _focused_after_following(page, "Envelopes:") == "envelope-allocations"
    # a refused switch and a refused survey send, at both widths
    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{url}/workspaces/switch/")
        page.evaluate(
            "(pk) => { const o = document.createElement('option'); o.value = pk;"
            " o.textContent = 'x'; document.getElementById('field-workspace').append(o); }",
            str(shop["stranger"].pk),
        )
        page.select_option("#field-workspace", str(shop["stranger"].pk))
        _refused(page, "#switch-workspace button[type=submit]")
        found += _check(page, "workspace-switch-refused", width, problems)
        assert _focused_after_following(page, "workspace:") == "field-workspace"
        page.goto(f"{url}/experience/surveys/{shop['survey'].pk}/")
        page.fill("#send-contact_ids", "12, Ann")
        _refused(page, "#send-form button[type=submit]")
        assert page.url == f"{url}/experience/surveys/{shop['survey'].pk}/"
        assert page.input_value("#send-contact_ids") == "12, Ann"
        found += _check(page, "survey-send-refused", width, problems)
        assert _focused_after_following(page, "Contact ids:") == "send-contact_ids"
    context.close()
    assert found == []
