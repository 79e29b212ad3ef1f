"""Drag and drop on a board with a WIP limit, in headless Chromium: a drop within the
limits is saved; a drop into a full column is put back and asks for a reason, and with
one the card moves and the override is recorded."""

import pytest
from playwright.sync_api import expect

from pacer.work import actions
from pacer.work.models import Card, Column
from tests.browser_pages import sign_in
from tests.work.conftest import NOW, column

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drag(page, card_id: int, column_id: int) -> None:
    """Press on the card, move to the target column's list in steps, release (SortableJS
    in fallback mode follows the mouse like a person's drag)."""
    card = page.locator(f"#card-{card_id} .work-card-meta").bounding_box()
    target = page.locator(f'ol.work-cards[data-column="{column_id}"]').first.bounding_box()
    page.mouse.move(card["x"] + card["width"] / 2, card["y"] + card["height"] / 2)
    page.mouse.down()
    page.mouse.move(card["x"] + card["width"] / 2 + 5, card["y"] + card["height"] / 2 + 5, steps=3)
    x, y = target["x"] + target["width"] / 2, target["y"] + target["height"] - 10
    page.mouse.move(x, y, steps=15)
    page.mouse.up()


def test_drag_and_drop_respects_the_wip_limit_and_records_an_override(
    browser, live_server, board, admin
):
    doing, review = column(board, "Doing"), column(board, "Review")
    actions.create_card(board, title="Busy one", column=doing.pk, now=NOW)
    actions.create_card(board, title="Busy two", column=doing.pk, now=NOW)
    waiting = actions.create_card(board, title="Waiting card", now=NOW)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/work/boards/brand-board/")
    assert page.is_hidden(f"#card-{waiting.pk} .work-move")  # the form is for no-script use

    # into the full column: refused, put back, a reason asked for
    _drag(page, waiting.pk, doing.pk)
    page.wait_for_selector("#wip-dialog[open]")
    assert "its WIP limit is 2" in page.inner_text("#wip-text")
    assert Card.objects.get(pk=waiting.pk).column == column(board, "Backlog")
    assert page.locator(f'ol[data-column="{doing.pk}"] #card-{waiting.pk}').count() == 0
    # cancelling leaves it where it was
    page.click("#wip-dialog button[value=cancel]")
    assert Card.objects.get(pk=waiting.pk).column == column(board, "Backlog")

    # again, with a reason: moved, and the override recorded
    _drag(page, waiting.pk, doing.pk)
    page.wait_for_selector("#wip-dialog[open]")
    page.fill("#wip-reason", "Launch-day fix")
    page.click("#wip-override")
    page.wait_for_selector(f'ol[data-column="{doing.pk}"] #card-{waiting.pk}')
    expect(page.locator(f'[data-count="{doing.pk}"]')).to_have_text("3")
    card = Card.objects.get(pk=waiting.pk)
    assert card.column == doing
    assert card.events.get(kind="moved").override_reason == "Launch-day fix"

    # within the limits: saved at once, no question asked
    _drag(page, waiting.pk, review.pk)
    expect(page.locator(f'[data-count="{review.pk}"]')).to_have_text("1")
    assert Card.objects.get(pk=waiting.pk).column == review
    assert not page.is_visible("#wip-dialog")
    assert errors == []
    page.close()


def test_a_limit_set_on_the_settings_page_is_enforced_on_the_board(
    browser, live_server, board, admin
):
    review = column(board, "Review")
    actions.create_card(board, title="In review", column=review.pk, now=NOW)
    waiting = actions.create_card(board, title="Next up", now=NOW)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/work/boards/brand-board/")
    page.click('a.button[href="/work/boards/brand-board/settings/"]')
    page.wait_for_url("**/settings/")
    # Review has no limit yet: set it to 1 (it holds one card, so the column is full)
    page.fill(f"#column-{review.pk}-wip_limit", "1")
    page.click(f"#column-{review.pk}-form button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("WIP limit 1")
    assert Column.objects.get(pk=review.pk).wip_limit == 1

    page.goto(f"{live_server.url}/work/boards/brand-board/")
    expect(page.locator(f"#column-{review.pk}")).to_contain_text("/ 1")
    _drag(page, waiting.pk, review.pk)
    page.wait_for_selector("#wip-dialog[open]")
    assert "its WIP limit is 1" in page.inner_text("#wip-text")
    page.click("#wip-dialog button[value=cancel]")
    assert Card.objects.get(pk=waiting.pk).column == column(board, "Backlog")

    # with a reason it goes over, and the reason is kept
    _drag(page, waiting.pk, review.pk)
    page.wait_for_selector("#wip-dialog[open]")
    page.fill("#wip-reason", "Client deadline")
    page.click("#wip-override")
    expect(page.locator(f'[data-count="{review.pk}"]')).to_have_text("2")
    moved = Card.objects.get(pk=waiting.pk)
    assert moved.column == review
    assert moved.events.get(kind="moved").override_reason == "Client deadline"
    assert errors == []
    page.close()
