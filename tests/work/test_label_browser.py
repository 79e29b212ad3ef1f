"""Labels in headless Chromium at a phone's width (390 px): a label is made on the
board's Labels page, put on a card from the board (through its card page), the board is
filtered by it through the URL, and bulk edit adds it to ticked cards and takes it off
others; no page scrolls sideways and no script fails."""

import pytest
from playwright.sync_api import expect

from pacer.work import actions
from pacer.work.models import Card, Label
from tests.browser_pages import sign_in
from tests.work.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 90_000  # ms: the live server answers slowly on a loaded machine


def _labelled(label) -> set[str]:
    return set(Card.objects.filter(labels=label).values_list("title", flat=True))


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def _shown(page) -> set[str]:
    return set(page.locator("#main .work-card-title").all_inner_texts())


def test_a_label_is_made_put_on_cards_filtered_by_and_bulk_edited_at_390px(
    browser, live_server, board, admin
):
    cards = {t: actions.create_card(board, title=t, now=NOW) for t in ("Alpha", "Beta", "Gamma")}
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(WAIT)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url)
    board_url = f"{live_server.url}/work/boards/brand-board/"

    # made on the Labels page
    page.goto(f"{board_url}labels/")
    _fits(page)
    page.fill("#label-add-name", "Urgent")
    page.select_option("#label-add-colour", "red")
    page.click("#label-add button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("Urgent", timeout=WAIT)
    urgent = Label.objects.get(board=board, name="Urgent")
    assert urgent.colour == "red"

    # put on Alpha from the board: its card page, then back to the board with the chip
    page.goto(board_url)
    _fits(page)
    page.click(f"#card-{cards['Alpha'].pk} .work-card-title")
    page.wait_for_url(f"**/work/cards/{cards['Alpha'].pk}/")
    _fits(page)
    page.select_option("#label-form select[name=add]", str(urgent.pk))
    page.click("#label-form button[type=submit]")
    expect(page.locator("#card-labels")).to_contain_text("Urgent", timeout=WAIT)
    assert _labelled(urgent) == {"Alpha"}
    page.click("text=Back to the board")
    page.wait_for_url(board_url)
    expect(page.locator(f"#card-{cards['Alpha'].pk} .work-chip")).to_have_text(
        "Urgent", timeout=WAIT
    )
    assert page.locator(f"#card-{cards['Beta'].pk} .work-chip").count() == 0

    # filtered through the URL: only Alpha, the filter shown and kept in the control
    page.goto(f"{board_url}?label={urgent.pk}")
    _fits(page)
    expect(page.locator("#label-filter")).to_contain_text("Urgent", timeout=WAIT)
    assert _shown(page) == {"Alpha"}
    expect(page.locator("#board-filters select[name=label]")).to_have_value(
        str(urgent.pk), timeout=WAIT
    )

    # bulk: add to Beta and Gamma
    page.goto(board_url)
    for title in ("Beta", "Gamma"):
        page.check(f"#select-{cards[title].pk}")
    page.select_option("#bulk-add-label", str(urgent.pk))
    page.click("#bulk-form button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("2 cards changed", timeout=WAIT)
    assert _labelled(urgent) == {"Alpha", "Beta", "Gamma"}
    page.goto(f"{board_url}?label={urgent.pk}")
    assert _shown(page) == {"Alpha", "Beta", "Gamma"}

    # bulk: take it off Alpha and Beta
    page.goto(board_url)
    for title in ("Alpha", "Beta"):
        page.check(f"#select-{cards[title].pk}")
    page.select_option("#bulk-remove-label", str(urgent.pk))
    page.click("#bulk-form button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("2 cards changed", timeout=WAIT)
    assert _labelled(urgent) == {"Gamma"}
    page.goto(f"{board_url}?label={urgent.pk}")
    _fits(page)
    assert _shown(page) == {"Gamma"}
    history = [
        e.note
        for e in Card.objects.get(pk=cards["Alpha"].pk).events.filter(kind="labels").order_by("pk")
    ]
    assert history == ["+Urgent", "−Urgent"]
    assert errors == []
    page.close()
