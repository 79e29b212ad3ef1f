import pytest

from pacer.core import clock
from pacer.demo.work import load_work
from tests.web import test_layout as layout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_shots(browser, live_server, workspace, admin):
    load_work(workspace, now=clock.now())
    found = []
    for width in layout.WIDTHS:
        context, page, problems = layout._context(browser, width, "ada", live_server.url)
        page.goto(live_server.url + "/work/boards/brand-board/settings/")
        found += layout._check(page, "work-board-settings", width, problems)
        if width == 1440:
            page.fill("[id$='-wip_limit']", "0")
            page.locator("form[id$='-form'] button[type=submit]").first.click()
            found += layout._check(page, "work-board-settings-refused", width, problems)
            page.goto(live_server.url + "/work/boards/brand-board/settings/")
            page.locator("a[data-modal-open]").nth(1).click()
            found += layout._check(page, "work-board-settings-remove", width, problems)
        context.close()
    assert found == []
