"""The "Show more" page (a cell's further cards, a page of its own) with the script on: it
has no drag and drop, so each card's Move form is shown there and moves the card, at
1440 and 390 px; and the boards list fits at 390 px without scrolling sideways."""

import pytest

from pacer.work import actions
from pacer.work.models import Card
from pacer.work.selectors import CELL_SHOWN
from tests.browser_pages import at_each_width, cut_off, looked_at
from tests.work.conftest import NOW, column

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_card_moves_from_show_mores_page_with_the_script_on(browser, live_server, board, admin):
    backlog, review = column(board, "Backlog"), column(board, "Review")
    for number in range(CELL_SHOWN):
        actions.create_card(board, title=f"Shown {number}", now=NOW)
    hidden = [actions.create_card(board, title=f"Hidden {n}", now=NOW) for n in (1, 2)]
    url = live_server.url
    for (width, page), card in zip(at_each_width(browser, url), hidden, strict=True):
        page.goto(f"{url}/work/boards/brand-board/")
        assert page.evaluate("document.documentElement.classList.contains('js')")
        href = page.get_attribute(f"#more-{backlog.pk}-none a", "href")
        page.goto(f"{url}{href}")  # the page itself (opened in a tab of its own, say)
        summary = page.locator(f"#card-{card.pk} .work-move summary")
        assert summary.is_visible()
        summary.click()
        page.select_option(f"#move-{card.pk}-column", str(review.pk))
        looked_at(page, f"work-cell-page-move-{width}")
        assert cut_off(page, f"#card-{card.pk} *") == []
        page.click(f"#card-{card.pk} .work-move button[type=submit]")
        page.wait_for_url(f"{url}/work/boards/brand-board/")
        assert Card.objects.get(pk=card.pk).column == review
        assert page.locator(f'ol[data-column="{review.pk}"] #card-{card.pk}').count() == 1
    assert list(review.cards.order_by("pk").values_list("title", flat=True)) == [
        "Hidden 1",
        "Hidden 2",
    ]


def test_the_boards_list_fits_at_390_and_1440_px(browser, live_server, board, admin, workspace):
    actions.create_board(
        workspace,
        team="performance",
        slug="performance-board",
        name="Performance board",
        columns=[{"name": "Backlog", "stage": "todo"}, {"name": "Done", "stage": "done"}],
        person_wip_limit=3,
        actor=admin,
    )
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/work/boards/")
        wrap = "#boards .table-wrap"
        scrolled = page.eval_on_selector(wrap, "e => e.scrollWidth - e.clientWidth")
        looked_at(page, f"work-boards-{width}")
        assert scrolled <= 0, f"{width}: the table scrolls {scrolled} px"
        assert cut_off(page, "#boards th, #boards td") == []
