"""The workflow editor in Chromium at 390 and 1440 px: an admin adds a state in an empty
row and removes it again; the page fits the width and passes axe (screenshots under
$PACER_SCREENSHOTS)."""

import pytest
from django.test import Client

from pacer.content import selectors
from tests.web.test_layout import _check, _context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_an_admin_adds_and_removes_a_state_in_the_browser(browser, live_server, workspace, admin):
    url, found = live_server.url, []
    Client().get("/login/")  # import the URL configuration once, before the 30 s timeouts
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/content/workflow/")
        found += _check(page, "content-workflow", width, problems)
        page.fill("#state-7-key", "on_hold")
        page.fill("#state-7-label", "On hold")
        page.fill("#state-7-moves", "draft")
        page.fill("#state-7-position", "3")
        page.click("#workflow-form button[type=submit]")
        page.wait_for_url(f"{url}/content/workflow/")
        keys = [state["key"] for state in selectors.workflow(workspace).states]
        assert keys[:4] == ["idea", "draft", "on_hold", "in_review"], keys
        found += _check(page, "content-workflow-saved", width, problems)
        page.check("#state-2 input[name=remove]")
        page.click("#workflow-form button[type=submit]")
        page.wait_for_url(f"{url}/content/workflow/")
        keys = [state["key"] for state in selectors.workflow(workspace).states]
        assert "on_hold" not in keys, keys
        context.close()
    assert found == [], "\n".join(found)
