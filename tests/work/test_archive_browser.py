"""An archived card's page (banner, Restore, Delete) and the board's Archived cards page
at 1440 and 390 px: nothing scrolls sideways and no button is cut off."""

import pytest

from pacer.work import actions, archive
from tests.browser_pages import at_each_width, cut_off, looked_at
from tests.work.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_archived_card_and_the_archived_cards_page_fit_each_width(
    browser, live_server, board, admin
):
    card = actions.create_card(
        board, title="Print the spring flyers for every franchise location", now=NOW
    )
    archive.archive_card(card, now=NOW)
    for number in range(3):
        other = actions.create_card(board, title=f"Old task {number}", now=NOW)
        archive.archive_card(other, now=NOW)
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/work/cards/{card.pk}/")
        assert "Archived on 2026-03-04" in page.inner_text("#archived-banner")
        assert cut_off(page, "#archived-banner button, #archived-banner input") == []
        looked_at(page, f"work-card-archived-{width}")
        page.goto(f"{live_server.url}/work/boards/brand-board/archived/")
        assert page.locator("#archived-cards tbody tr").count() == 4
        looked_at(page, f"work-archived-cards-{width}")
