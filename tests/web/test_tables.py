"""Data tables: keyset pages that cover every row exactly once in every order, bounded
parameters, column choice, and a CSV of the same rows and columns."""

from decimal import Decimal

import pytest
from django.db.models import Value
from django.db.models.functions import Concat, Trim
from django.test import RequestFactory

from pacer.people.models import Contact, Location
from pacer.web import tables
from pacer.web.tables import Column, Table, make_cursor, read_cursor

pytestmark = pytest.mark.django_db

COLUMNS = [
    Column("email", "Email", sortable=True),
    Column("name", "Name", sortable=True),
    Column("location__name", "Location", sortable=True),
    Column("revenue", "Revenue", format="money", sortable=True),
    Column("last_seen_at", "Last seen", format="date", sortable=True, visible=False),
    Column("phone", "Phone", visible=False),
]


def request(query: str = "", workspace=None):
    made = RequestFactory().get("/contacts/?" + query)
    made.workspace = workspace
    return made


@pytest.fixture
def people(workspace):
    """23 contacts with ties (revenue), empty values (location, last seen) and names."""
    austin = Location.objects.create(workspace=workspace, code="A", name="Austin")
    boston = Location.objects.create(workspace=workspace, code="B", name="Boston")
    from django.utils import timezone

    for index in range(23):
        Contact.objects.create(
            workspace=workspace,
            email=f"p{index:02d}@x.test",
            first_name=f"N{(index * 7) % 23:02d}",
            revenue=Decimal((index % 4) * 25),
            location=(austin, boston, None)[index % 3],
            last_seen_at=timezone.now() if index % 5 else None,
        )
    return Contact.objects.filter(workspace=workspace).annotate(
        name=Trim(Concat("first_name", Value(" "), "last_name"))
    )


def expected_order(rows, key: str, descending: bool) -> list[int]:
    """Empty values first ascending (last descending), ties by id in the same direction."""

    def value(row):
        if key == "location__name":
            return row.location.name if row.location else None
        return getattr(row, key)

    ordered = sorted(rows, key=lambda r: (value(r) is not None, value(r) or 0, r.pk))
    ids = [row.pk for row in ordered]
    return ids[::-1] if descending else ids


def walk(queryset, query: str, workspace, direction: str = "next") -> list[list[int]]:
    """Every page's primary keys, following the table's own links."""
    pages, url = [], "?" + query
    for _ in range(50):
        table = Table(
            request(url[1:], workspace), queryset, COLUMNS, default_sort="-id", per_page=5
        )
        pages.append([row["pk"] for row in table._page["rows"]])
        url = table.next_url if direction == "next" else table.prev_url
        if url is None:
            return pages
    raise AssertionError("the pages never end")


@pytest.mark.parametrize(
    "sort",
    [
        "revenue",
        "-revenue",
        "location__name",
        "-location__name",
        "name",
        "-name",
        "last_seen_at",
        "-last_seen_at",
        "-id",
    ],
)
def test_keyset_pages_cover_every_row_once_in_the_order_asked(people, workspace, sort):
    pages = walk(people, f"sort={sort}", workspace)
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key == "id":
        expected = sorted((r.pk for r in people), reverse=True)
    else:
        expected = expected_order(list(people.select_related("location")), key, descending)
    assert [pk for page in pages for pk in page] == expected
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]


def test_previous_pages_retrace_the_same_pages(people, workspace):
    forward = walk(people, "sort=revenue", workspace)
    last = Table(
        request("sort=revenue", workspace), people, COLUMNS, default_sort="-id", per_page=5
    )
    url = "?sort=revenue"
    for _ in range(4):  # to the last page
        last = Table(request(url[1:], workspace), people, COLUMNS, default_sort="-id", per_page=5)
        url = last.next_url
    back = walk(people, url[1:], workspace, direction="prev")
    assert back == forward[::-1]
    table = Table(request(url[1:], workspace), people, COLUMNS, default_sort="-id", per_page=5)
    assert (table.first_row, table.last_row, table.total) == (21, 23, 23)


def test_parameters_out_of_bounds_fall_back_to_the_defaults(people, workspace):
    table = Table(
        request("sort=phone&per_page=100000&cols=nope&after=garbage", workspace),
        people,
        COLUMNS,
        default_sort="-revenue",
    )
    assert (table.sort_key, table.descending) == ("revenue", True)  # phone is not sortable
    assert table.per_page == 25
    assert [c.key for c in table.columns] == ["email", "name", "location__name", "revenue"]
    assert not table.has_prev and table.first_row == 1  # a broken cursor: the first page
    assert read_cursor("garbage") is None and read_cursor(make_cursor(None, 5, 10)) == (None, 5, 10)
    chosen = Table(
        request("cols=phone,email&cols=revenue", workspace), people, COLUMNS, default_sort="-id"
    )
    assert [c.key for c in chosen.columns] == ["email", "revenue", "phone"]


def test_the_count_stops_at_the_cap(people, workspace, monkeypatch):
    monkeypatch.setattr(tables, "COUNT_CAP", 10)
    table = Table(request("", workspace), people, COLUMNS, default_sort="-id")
    assert table.total == 11 and table.total_capped


def test_cells_are_formatted_in_the_workspace_currency(people, workspace):
    workspace.currency = "EUR"
    table = Table(
        request("sort=-revenue&cols=email,revenue", workspace), people, COLUMNS, default_sort="-id"
    )
    assert [cell.text for cell in table.rows[0]] == ["p19@x.test", "€75.00"]
    assert table.rows[0][1].numeric


def test_csv_holds_every_row_with_the_columns_and_order_shown(people, workspace):
    people.filter(email="p00@x.test").update(first_name="=HYPERLINK(1)", revenue=Decimal("-12.5"))
    table = Table(
        request("sort=email&cols=email,name,revenue&per_page=5", workspace),
        people,
        COLUMNS,
        default_sort="-id",
    )
    lines = b"".join(table.csv_response("c.csv").streaming_content).decode().splitlines()
    assert lines[0] == "email,name,revenue"
    assert len(lines) == 24  # every row, not one page
    # a formula-like text is quoted; a negative amount stays a number
    assert lines[1] == "p00@x.test,'=HYPERLINK(1),-12.50"
    assert [line.split(",")[0] for line in lines[1:]] == sorted(
        f"p{i:02d}@x.test" for i in range(23)
    )
    assert table.csv_href is None


def test_a_list_is_paged_by_number_and_sorted_with_empty_values_first():
    rows = [{"id": i, "value": None if i % 4 == 0 else i % 3} for i in range(12)]
    columns = [
        Column("id", "Id", sortable=True),
        Column("value", "Value", format="count", sortable=True),
    ]
    table = Table(request("sort=value&per_page=5&page=1"), rows, columns, default_sort="id")
    assert [r["id"] for r in table._page["rows"]] == [0, 4, 8, 3, 6]
    assert (table.page_number, table.page_count, table.next_url) == (
        1,
        3,
        "?sort=value&per_page=5&page=2",
    )
    last = Table(request("sort=-value&per_page=5&page=99"), rows, columns, default_sort="id")
    assert last.page_number == 3 and [r["value"] for r in last._page["rows"]] == [None, None]
    assert [cell.text for cell in last.rows[0]] == ["4", "—"]


def test_sort_links_toggle_and_keep_the_other_parameters(people, workspace):
    table = Table(
        request("q=x&sort=revenue&after=abc", workspace), people, COLUMNS, default_sort="-id"
    )
    headers = {h.column.key: h for h in table.headers}
    assert headers["revenue"].direction == "ascending"
    assert headers["revenue"].sort_url == "?q=x&sort=-revenue"  # back to the first page
    assert headers["email"].sort_url == "?q=x&sort=email"
    assert headers["location__name"].direction is None


def test_cells_say_how_they_wrap_and_can_be_a_list_with_its_raw_text_behind():
    from datetime import datetime

    rows = [
        {
            "id": 1,
            "at": datetime(2026, 12, 2, 21, 44),
            "note": "Speed to lead, service quality, satisfaction and retention",
            "short": "CX",
            "amount": 5,
            "raw": {"a": 1},
        }
    ]
    columns = [
        Column("at", "When", format="datetime"),
        Column("note", "Note"),
        Column("short", "Team"),
        Column("amount", "Amount", format="count"),
        Column("raw", "Change", lines=lambda r: ["a: 1", "b: 2"], detail=lambda r: '{"a": 1}'),
    ]
    table = Table(request(), rows, columns, default_sort="id")
    at, note, short, amount, change = table.rows[0]
    # a time stays on one line; a sentence keeps a readable width; a name stays narrow
    assert [at.css, note.css, short.css, amount.css] == ["nowrap", "prose", "", "num"]
    assert (change.lines, change.detail, change.detail_label) == (
        ("a: 1", "b: 2"),
        '{"a": 1}',
        "Raw",
    )
    # the CSV holds an object as JSON, not as Python writes it
    body = b"".join(table.csv_response("x.csv").streaming_content).decode()
    assert '"{""a"": 1}"' in body
