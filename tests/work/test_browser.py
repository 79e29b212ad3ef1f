"""Drag and drop on a board with a WIP limit, in headless Chromium: a drop within the
limits is saved; a drop into a full column is put back and asks for a reason, and with
one the card moves and the override is recorded. A bulk edit refused for a card behind
"Show more" links to its tick box, kept ticked; a move refused from "Show more"'s page
(no script) links to the card's form, shown above the board. The stand-up, "who works on what" and a
sprint's page with several people and long titles, at 1440 and 390 px: nothing scrolls
sideways and no card, name or button is cut off (the sprints list too)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pacer.core import actions as core
from pacer.core.roles import Role
from pacer.work import actions, sprints
from pacer.work.models import Card, Column
from pacer.work.selectors import CELL_SHOWN
from tests.browser_pages import at_each_width, cut_off, looked_at, sign_in, signed_in
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


@pytest.fixture
def behind_show_more(board):
    """Doing is full (2 of 2); the backlog holds one card more than the board shows: the
    last, "Hidden one", is behind "Show more"."""
    for title in ("Busy one", "Busy two"):
        actions.create_card(board, title=title, column=column(board, "Doing").pk, now=NOW)
    for number in range(CELL_SHOWN):
        actions.create_card(board, title=f"Shown {number}", now=NOW)
    return actions.create_card(board, title="Hidden one", now=NOW)


def test_a_refused_bulk_edit_of_a_card_behind_show_more_links_to_it_kept_ticked(
    browser, live_server, board, admin, behind_show_more
):
    hidden = behind_show_more
    doing, backlog = column(board, "Doing"), column(board, "Backlog")
    url = live_server.url
    context, page = signed_in(browser, url)
    page.goto(f"{url}/work/boards/brand-board/")
    page.click(f"#more-{backlog.pk}-none a")
    page.check(f"#select-{hidden.pk}")  # it arrived with "Show more"
    page.select_option("#bulk-column", str(doing.pk))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#bulk-form button[type=submit]")
    assert answer.value.status == 422
    page.wait_for_load_state("load")
    assert page.locator(f"#board #card-{hidden.pk}").count() == 0  # not on the board
    page.click(f"#bulk-refused a[href='#select-{hidden.pk}']")
    assert page.evaluate("document.activeElement.id") == f"select-{hidden.pk}"
    expect(page.locator(f"#select-{hidden.pk}")).to_be_in_viewport()
    assert page.is_checked(f"#select-{hidden.pk}")
    assert Card.objects.get(pk=hidden.pk).column == backlog
    # sent again with a reason: the card kept ticked off the board is moved
    page.fill("#bulk-override", "Launch day")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator("#toasts")).to_contain_text("1 card changed over a WIP limit")
    moved = Card.objects.get(pk=hidden.pk)
    assert moved.column == doing
    assert moved.events.get(kind="moved").override_reason == "Launch day"
    assert Card.objects.filter(column=doing).count() == 3
    context.close()


LONG_TITLES = (
    "Rewrite the spring newsletter's hero section for the franchise locations in Lower Saxony",
    "Ask legal whether the talent release covers paid social in Austria and Switzerland",
    "https://example.com/a-very-long-unbroken-address-pasted-into-the-title-of-a-card",
    "Brief the agency",
    "Supercalifragilistic-campaign-landingpage-redesign-v2-final-final-really-final",
)


@pytest.fixture
def team_at_work(workspace, admin, board):
    """Four people on the brand board (and one on the performance board), each with a
    card finished today, one in review and one in review that is blocked; a sprint of
    six of the cards, the rest in the backlog."""
    now = timezone.now()
    people = [admin]
    for username, first, last in (
        ("bob", "Bob", "Oduya-Hartmann"),
        ("maximiliane", "Maximiliane", "Schwarzenberger-Lindqvist"),
        ("li", "Li", "Na"),
    ):
        person = core.create_user(workspace, username, "correct-horse-2", Role.MARKETER)
        person.first_name, person.last_name = first, last
        person.save()
        people.append(person)
    review, done = column(board, "Review"), column(board, "Done")
    for index, person in enumerate(people):
        for step, target in enumerate((done, review, review)):
            title = LONG_TITLES[(index + step) % len(LONG_TITLES)]
            card = actions.create_card(board, title=title, assignee=person.pk, now=now, estimate=3)
            actions.move_card(card, column=target.pk, now=now, override_reason="busy week")
            if step == 2:
                reason = "Waiting for the regional manager's sign-off on the second quarter"
                actions.set_blocked(card, reason, now=now)
    other = actions.create_board(
        workspace,
        team="performance",
        slug="paid",
        name="Paid media",
        columns=[
            {"name": "To do", "stage": "todo"},
            {"name": "Doing", "stage": "doing"},
            {"name": "Done", "stage": "done"},
        ],
        actor=admin,
    )
    doing = other.columns.get(name="Doing").pk
    actions.create_card(other, title=LONG_TITLES[0], column=doing, assignee=people[2].pk, now=now)
    start = (now - timedelta(days=3)).date().isoformat()
    goal = "Ship the spring newsletter and the landing pages of every location in the north"
    sprint = sprints.create_sprint(
        board, name="Sprint 12, spring launch", start=start, weeks=2, capacity=40, goal=goal
    )
    for card in board.cards.order_by("pk")[:6]:
        sprints.plan(card, sprint)
    return sprint


def test_the_stand_up_who_works_on_what_and_a_sprint_fit_a_phone(
    browser, live_server, team_at_work
):
    sprint = team_at_work
    url = live_server.url
    for width, page in at_each_width(browser, url):
        page.goto(f"{url}/work/boards/brand-board/standup/")
        looked_at(page, f"work-standup-{width}")
        assert page.locator("#main section.panel h2").all_inner_texts() == [
            "ada",
            "Bob Oduya-Hartmann",
            "Li Na",
            "Maximiliane Schwarzenberger-Lindqvist",
        ]
        assert page.locator("section.panel li a").count() == 4 * 4  # done, doing 2, blocked
        assert cut_off(page, "section.panel li, section.panel h2") == []

        page.goto(f"{url}/work/who/")
        looked_at(page, f"work-who-{width}")
        assert page.locator("ul.work-who li").count() == 4 * 2 + 1
        assert "Performance · Paid media · Doing" in page.inner_text("#main")
        assert cut_off(page, "ul.work-who li, section.panel h2") == []

        page.goto(f"{url}/work/sprints/{sprint.pk}/")
        looked_at(page, f"work-sprint-{width}")
        assert page.locator("#sprint-cards tbody tr").count() == 6
        assert page.locator("#backlog tbody tr").count() == 4  # the 6 others less 2 done
        buttons = "#sprint-cards button, #backlog button"
        assert cut_off(page, f"{buttons}, #sprint-cards td, #backlog td") == []
        assert cut_off(page, "#chart-burndown, #chart-burnup") == []

        page.goto(f"{url}/work/boards/brand-board/sprints/")
        looked_at(page, f"work-sprints-{width}")
        assert page.locator("#sprints tbody tr").count() == 1
        assert cut_off(page, "#sprints td") == []


def test_a_refused_move_from_show_mores_page_lands_on_the_cards_form_above_the_board(
    browser, live_server, board, admin, behind_show_more
):
    hidden = behind_show_more
    doing, backlog = column(board, "Doing"), column(board, "Backlog")
    url = live_server.url
    context, page = signed_in(browser, url, 390, javascript=False)
    page.goto(f"{url}/work/boards/brand-board/")
    page.click(f"#more-{backlog.pk}-none a")  # without the script: a page of its own
    page.click(f"#card-{hidden.pk} .work-move summary")
    page.select_option(f"#move-{hidden.pk}-column", str(doing.pk))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click(f"#card-{hidden.pk} .work-move button[type=submit]")
    assert answer.value.status == 422
    assert page.locator(f"#board #card-{hidden.pk}").count() == 0  # not on the board
    looked_at(page, "work-move-off-board-390")
    assert cut_off(page, f"#card-{hidden.pk} *") == []
    page.click(f".error-summary a[href='#move-{hidden.pk}-column']")
    assert page.evaluate("document.activeElement.id") == f"move-{hidden.pk}-column"
    expect(page.locator(f"#move-{hidden.pk}-column")).to_be_in_viewport()
    assert page.input_value(f"#move-{hidden.pk}-column") == str(doing.pk)
    # with a reason it goes over the limit
    page.fill(f"#move-{hidden.pk}-override_reason", "Launch day")
    page.click(f"#card-{hidden.pk} .work-move button[type=submit]")
    page.wait_for_url(f"{url}/work/boards/brand-board/")
    assert Card.objects.get(pk=hidden.pk).column == doing
    context.close()
