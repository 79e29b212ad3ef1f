"""In Chromium at 390, 768 and 1440 px: ``{% field %}``s side by side in a ``form-row``
line up (the row's grid gives each field's label, hint, control and errors a row of
their own, a subgrid), so a neighbour's hint or error moves no other field's label or
control: the style guide and three real forms, each pair with a hint on one side only,
and a refused one with an error on one side. Screenshots to ``$PACER_SCREENSHOTS``."""

import os

import pytest

from tests.browser_pages import SHOTS, signed_in
from tests.web.test_layout import _overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOOK = bool(os.environ.get("PACER_SCREENSHOTS"))

# (name, path, the two neighbours' control ids)
FORMS = [
    ("styleguide-form", "/styleguide/#form-fields", ("field-name", "field-key")),
    ("experiments-new", "/experiments/", ("field-key", "field-name")),
    ("members-invite", "/settings/members/", ("field-role", "field-note")),
    ("segments-new", "/segments/new/", ("field-name", "field-kind")),
]
EDGES = """([a, b]) => [a, b].map(id => {
    const control = document.getElementById(id);
    const label = document.querySelector(`label[for="${id}"]`);
    return [control.getBoundingClientRect().top, label.getBoundingClientRect().top,
            control.getBoundingClientRect().left];
})"""


def _lined_up(page, pair) -> tuple[bool, bool]:
    """Whether the two share their controls' top edge, and their labels' (when side by
    side: at 390 px a pair may be two abreast or one a line)."""
    (top_a, label_a, left_a), (top_b, label_b, left_b) = page.evaluate(EDGES, list(pair))
    assert left_a != left_b, f"{pair} are not side by side"
    return abs(top_a - top_b) < 0.5, abs(label_a - label_b) < 0.5


def test_neighbour_fields_share_their_controls_top_edge_at_three_widths(
    browser, live_server, admin
):
    context, page = signed_in(browser, live_server.url, 1440)
    for name, path, pair in FORMS:
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(f"{live_server.url}{path}")
        for width in (1440, 768, 390):  # the same page, its window narrowed
            page.set_viewport_size({"width": width, "height": 900})
            assert _lined_up(page, pair) == (True, True), f"{name} at {width} px"
            assert _overflow(page, name, width) == []
            if LOOK:
                page.screenshot(path=str(SHOTS / f"form-row-{name}-{width}.png"), full_page=True)
    # refused: an error under the key only, the name's control beside it stays level
    page.goto(f"{live_server.url}/experiments/")
    page.fill("#field-key", "Not A Key")
    page.fill("#field-name", "Checkout")
    page.click("#new-experiment button[type=submit]")
    page.wait_for_selector("#field-key-error")
    assert _lined_up(page, ("field-key", "field-name")) == (True, True)
    if LOOK:
        page.screenshot(path=str(SHOTS / "form-row-experiments-refused-390.png"), full_page=True)
    context.close()
