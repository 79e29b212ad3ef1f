"""What the first-hour tour of the demo found wrong in the design system, checked in a
real Chromium: the two shapes of a facts list, and every bar of a category chart named."""

import pytest

from tests.browser_pages import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, live_server, width: int):
    # the live server answers slowly on a loaded machine
    return signed_in(browser, live_server.url, width, wait=90_000)[1]


BOXES = """(selector) => Array.from(document.querySelectorAll(selector)).map((e) => {
  const r = e.getBoundingClientRect();
  return {top: Math.round(r.top), left: Math.round(r.left), height: r.height, width: r.width};
})"""


def test_facts_cards_sit_side_by_side_and_lists_keep_values_on_one_line(
    live_server, browser, admin
):
    page = _signed_in(browser, live_server, 1440)
    page.goto(f"{live_server.url}/styleguide/#facts")
    # each pair in a div: the four cards share one row at 1440 px (a two-column grid
    # meant for bare pairs used to put them two by two, the second column's wide)
    cards = page.evaluate(BOXES, "#sg-facts-cards > div")
    assert len({card["top"] for card in cards}) == 1
    assert max(c["width"] for c in cards) - min(c["width"] for c in cards) < 2
    # bare pairs in a panel a third of the page wide: each value beside its label and on
    # one line (the labels' column used to take its widest label, squeezing the values
    # until a date broke in two), and no box inside the panel's box
    labels = page.evaluate(BOXES, "#sg-facts-list > dt")
    values = page.evaluate(BOXES, "#sg-facts-list > dd")
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#sg-facts-list dd')).lineHeight)"
    )
    for label, value in zip(labels, values, strict=True):
        assert abs(label["top"] - value["top"]) < 0.5 * line  # the same row
        assert value["left"] > label["left"] + label["width"]
        assert value["height"] < 1.5 * line
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#sg-facts-list')).borderTopWidth")
        == "0px"
    )
    # at 390 px the cards wrap and nothing scrolls sideways
    page.set_viewport_size({"width": 390, "height": 900})
    cards = page.evaluate(BOXES, "#sg-facts-cards > div")
    assert len({card["top"] for card in cards}) > 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_sentence_column_keeps_its_width_and_the_table_scrolls_in_its_box_at_390(
    live_server, browser, workspace, admin
):
    from pacer.teams.actions import create_team

    purpose = "Positioning, awareness and the look and voice of every piece we publish"
    create_team(workspace, key="growth", name="Growth", purpose=purpose)
    page = _signed_in(browser, live_server, 390)
    page.goto(f"{live_server.url}/teams/")
    cell = page.locator("table.grid td", has_text=purpose)
    # the purpose used to be squeezed to about 30 px, a word (or half of one) a line
    assert cell.bounding_box()["width"] >= 15 * 16
    scroller = "document.querySelector('.table-wrap')"
    assert page.evaluate(f"{scroller}.scrollWidth > {scroller}.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # only the purposes (every team's is a sentence) take the width: a name, a lead or a
    # count stays as narrow as it is
    rows = page.locator("table.grid tbody tr").count()
    assert page.locator("table.grid td.prose").count() == rows


def test_a_search_box_in_a_filter_bar_shows_its_whole_placeholder(live_server, browser, admin):
    # squeezed to the width of a choice, the contacts' box read "Email, name or p"
    page = _signed_in(browser, live_server, 1440)
    page.goto(f"{live_server.url}/contacts/")
    room, needed = page.evaluate(
        """() => {
            const box = document.querySelector('.filter-bar input[type=search]');
            const style = getComputedStyle(box);
            const pen = document.createElement('canvas').getContext('2d');
            pen.font = style.font;
            const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
            return [box.clientWidth - padding, pen.measureText(box.placeholder).width];
        }"""
    )
    assert needed <= room, (needed, room)


def test_a_heading_naming_a_long_email_wraps_instead_of_widening_the_page_at_390(
    live_server, browser, workspace, admin
):
    from pacer.messaging import actions as messaging
    from pacer.people.models import Contact

    email = "robert.patel2893.s7@example.test"  # a demo contact's address, one long word
    Contact.objects.create(workspace=workspace, email=email, first_name="Robert")
    template = messaging.save_template(workspace, name="Spring", subject="Hi", html="<p>Hi</p>")
    page = _signed_in(browser, live_server, 390)
    page.goto(f"{live_server.url}/messages/templates/{template.pk}/?contact={email}")
    assert page.inner_text("#preview-title") == f"Preview for {email}"
    # the heading's one word used to stick out of its panel: the page was 398 px wide
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
