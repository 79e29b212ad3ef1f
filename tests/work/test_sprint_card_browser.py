"""The sprint page with its Edit and Complete forms (and once completed) and the card page
with its Move panel (and a refused move) at 1440 and 390 px: nothing scrolls sideways
and no field or button is cut off."""

import pytest

from pacer.work import actions, sprints
from tests.browser_pages import at_each_width, cut_off, looked_at
from tests.work.conftest import NOW, column

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CONTROLS = "form button, form input, form select"


def test_the_sprint_and_card_pages_fit_each_width(browser, live_server, board, admin):
    s1 = sprints.create_sprint(
        board, name="Spring launch sprint", start="2026-03-02", weeks=2, capacity=20
    )
    s2 = sprints.create_sprint(board, name="Next", start="2026-03-16", weeks=1, capacity=10)
    for title in ("a", "b"):
        actions.create_card(board, title=title, column=column(board, "Doing").pk, now=NOW)
    card = actions.create_card(
        board, title="Print the spring flyers for every franchise location", estimate=3, now=NOW
    )
    sprints.plan(card, s1)
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/work/sprints/{s1.pk}/")
        assert page.locator("#complete-form select option").all_inner_texts() == [
            "The backlog",
            "Next (2026-03-16 to 2026-03-22)",
        ]
        assert cut_off(page, CONTROLS) == []
        looked_at(page, f"work-sprint-forms-{width}")
        page.goto(f"{live_server.url}/work/cards/{card.pk}/")
        page.select_option("#move-column", str(column(board, "Doing").pk))
        page.click("#move-form button[type=submit]")
        assert "already holds 2 cards" in page.inner_text("#move-form")
        assert cut_off(page, CONTROLS) == []
        looked_at(page, f"work-card-move-refused-{width}")
    sprints.complete_sprint(s1, to=s2.pk, now=NOW)
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/work/sprints/{s1.pk}/")
        assert "Completed on 2026-03-04" in page.inner_text("#sprint-completed")
        looked_at(page, f"work-sprint-completed-{width}")
