"""A data table's column can be kept on one line (``nowrap``) or given a least width
(``min_width``): issue 11 found the plan results' node names squeezed to four lines at
1440 px beside nine columns of numbers (numbers never wrap). Checked in the markup, then
drawn by Chromium with the design system's stylesheet: the line count of the cells."""

from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from pacer.web.tables import MAX_MIN_WIDTH, Column, Table

CSS = Path(__file__).resolve().parents[2] / "pacer/web/static/web/pacer.css"
NAME = "Holiday 2025 affiliate offers for the franchise partners"
NUMBERS = [f"n{index}" for index in range(9)]


def _table(name_column: Column) -> Table:
    row = {"id": 1, "name": NAME, "code": "spring-affiliate-north-2025"}
    row.update({key: 1234567.89 for key in NUMBERS})
    columns = [
        name_column,
        Column("code", "Code", nowrap=True),
        *[Column(key, f"Figure {key}", format="money") for key in NUMBERS],
    ]
    return Table(_request(), [row], columns, default_sort="id")


def _request():
    request = RequestFactory().get("/")
    request.workspace = None
    return request


def _html(table: Table) -> str:
    template = Template("{% load pacer_ui %}{% data_table table %}")
    return template.render(Context({"table": table, "request": table.request}))


def test_a_column_says_its_width_in_the_markup():
    html = _html(_table(Column("name", "Node", min_width=16)))
    assert '<th scope="col" style="min-width: 16rem">Node</th>' in html
    assert '<th scope="col" class="nowrap">Code</th>' in html
    name, code, *figures = _table(Column("name", "Node", min_width=16)).rows[0]
    # a long text is prose (a readable width) unless its column keeps it on one line
    assert (name.css, code.css, figures[0].css) == ("prose", "nowrap", "num")
    kept = _table(Column("name", "Node", nowrap=True)).rows[0][0]
    assert kept.css == "nowrap"
    plain = _html(_table(Column("name", "Node")))
    assert '<th scope="col">Node</th>' in plain and "min-width" not in plain


@pytest.mark.parametrize("width", [0, -3, MAX_MIN_WIDTH + 1, "16rem", True])
def test_a_width_that_is_not_a_rem_count_is_refused(width):
    with pytest.raises(ValueError, match=r"^min_width: .* is not a width in rem"):
        Column("name", "Node", min_width=width)


@pytest.mark.browser
def test_chromium_keeps_the_columns_as_asked_beside_nine_figures(browser):
    """At 1440 px (a content area of 1,100 px) the name wraps to 3 lines or more
    without a width, to 2 at most with 16 rem; the code column stays on one line."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()

    def lines(name_column: Column) -> dict[str, int]:
        page.set_content(
            f"<html><head><style>{CSS.read_text()}</style></head><body>"
            f'<main style="width: 1100px">{_html(_table(name_column))}</main></body></html>'
        )
        return page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll("tbody tr:first-child td")]
                .slice(0, 2).map((cell, i) => {
                  const range = document.createRange(); range.selectNodeContents(cell);
                  const tops = [...range.getClientRects()].map((r) => Math.round(r.top));
                  return [i ? "code" : "name", new Set(tops).size];
                }))"""
        )

    try:
        squeezed = lines(Column("name", "Node"))
        assert squeezed["name"] >= 3 and squeezed["code"] == 1
        assert lines(Column("name", "Node", min_width=16)) == {"name": 2, "code": 1}
        assert lines(Column("name", "Node", nowrap=True)) == {"name": 1, "code": 1}
    finally:
        context.close()


def test_a_list_cell_with_lines_longer_than_a_name_keeps_a_readable_width():
    rows = [{"id": 1, "short": "x", "long": "x"}]
    columns = [
        Column("short", "Short", lines=lambda r: ["id: 37", "owner: 1"]),
        Column("long", "Long", lines=lambda r: ["id: 37", "changed_at: 2026-12-04 17:42"]),
    ]
    short, long = Table(_request(), rows, columns, default_sort="id").rows[0]
    assert (short.css, long.css) == ("", "prose")


@pytest.mark.browser
def test_at_390_px_a_form_in_a_cell_stays_on_one_line(browser):
    """The month close's reason field and its button were stacked in a column squeezed
    to its narrowest: each row five lines tall at 390 px."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    figures = "".join(f'<td class="num">$11,901.{n:02d}</td>' for n in range(7))
    cell = (
        "<td>Closed 2026-12-04 by Jordan Ellis<form><input name=reason placeholder=Reason>"
        "<button type=submit>Reopen</button></form></td>"
    )
    try:
        page.set_content(
            f"<html><head><style>{CSS.read_text()}</style></head><body><main>"
            f'<div class="table-wrap"><table class="grid"><tbody><tr><th>2026-09</th>{figures}'
            f"{cell}</tr></tbody></table></div></main></body></html>"
        )
        input_box, button_box = (
            page.locator(selector).bounding_box() for selector in ("input", "button")
        )
        assert (
            abs(
                input_box["y"]
                + input_box["height"] / 2
                - button_box["y"]
                - button_box["height"] / 2
            )
            < 2
        )
        assert button_box["x"] > input_box["x"] + input_box["width"]
        row = page.locator("tr").bounding_box()
        assert row["height"] < 100, row  # the text above the form on 2 lines at most
    finally:
        context.close()


def test_an_empty_table_is_still_labelled_by_its_caption():
    table = Table(
        _request(),
        [],
        [Column("name", "Name")],
        default_sort="name",
        caption="By owner",
        html_id="t",
    )
    html = _html(table)
    assert 'aria-labelledby="t-caption"' in html
    assert '<p id="t-caption" class="visually-hidden">By owner</p>' in html
    assert "Nothing here yet." in html
