"""A page shown from another address than its own (a refused form, answered from the
address it was posted to): its tables and filter bars build their links on the page's
own address, and the layout is given it; at its own address nothing changes."""

import pytest
from django.test import RequestFactory

from pacer.web.address import link_base, moved, page_address, show_at
from pacer.web.filters import Choice, FilterBar
from pacer.web.tables import Column, Table

COLUMNS = [Column("name", "Name", sortable=True), Column("sent", "Sent", format="count")]
ROWS = [{"name": f"n{i}", "sent": i} for i in range(30)]


def table(request) -> Table:
    return Table(request, ROWS, COLUMNS, default_sort="name", per_page=10, prefix="t-")


def bar(request) -> FilterBar:
    return FilterBar(request, [Choice("team", "Team", [("a", "A")], blank="All")], keep=())


def test_links_of_a_page_shown_from_another_address_are_built_on_its_own():
    posted = RequestFactory().post("/work/mentions/read/", {"ids": "x"})
    show_at(posted, "/work/mentions/")
    assert moved(posted) and page_address(posted) == "/work/mentions/"
    shown = table(posted)
    assert [h.sort_url for h in shown.headers] == ["/work/mentions/?t-sort=-name", None]
    assert shown.next_url == "/work/mentions/?t-page=2"
    assert shown.base == "/work/mentions/"
    filters = bar(posted)
    assert filters.action == "/work/mentions/"
    assert filters.url(team="a") == "/work/mentions/?team=a"
    assert filters.clear_url == "/work/mentions/?"
    assert filters.hx_prefix == ""


def test_links_of_a_page_at_its_own_address_stay_relative():
    said, unsaid = RequestFactory().get("/work/mentions/?team=a"), RequestFactory().get("/x/")
    show_at(said, "/work/mentions/")
    assert not moved(said) and link_base(said) == "" and link_base(unsaid) == ""
    assert table(said).headers[0].sort_url == "?team=a&t-sort=-name"
    filters = bar(said)
    assert (filters.action, filters.url(team=None), filters.hx_prefix) == (
        "/work/mentions/",
        "?",
        "/work/mentions/",
    )
    assert bar(unsaid).action == "/x/"
    untold = RequestFactory().post("/budgets/transfers/")  # a view that said nothing
    assert not moved(untold) and page_address(untold) == "/budgets/transfers/"
    assert table(untold).headers[0].sort_url == "?t-sort=-name"


@pytest.mark.parametrize("address", ["//evil.test/", "https://evil.test/", "budgets/", ""])
def test_a_page_lives_at_a_path_of_this_site(address):
    with pytest.raises(ValueError, match="is not a path on this site"):
        show_at(RequestFactory().get("/"), address)
