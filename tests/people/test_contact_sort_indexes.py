"""The contacts list sorts only by columns an index keeps in order: each sort's first page
and its next page (keyset) are read from an index, with no sort step in the query plan
(SQLite's ``EXPLAIN QUERY PLAN``, PostgreSQL's ``EXPLAIN`` with sorting priced out so
that a tiny table is not simply sorted), and the other columns offer no sorting."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pacer.people.models import SORTED_CONTACT_COLUMNS, Contact
from pacer.people.views import COLUMNS

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"
SORTABLE = ["id", *SORTED_CONTACT_COLUMNS]


@pytest.fixture
def client(workspace, admin):
    client = Client()
    assert client.login(username="ada", password=PASSWORD)
    return client


@pytest.fixture
def contacts(workspace):
    """Six contacts, predictions and dates set on some (NULL on the others)."""
    made = []
    for i in range(6):
        seen = f"2026-03-0{i + 1}T10:00:00Z" if i % 2 else None
        made.append(
            Contact(
                workspace=workspace,
                email=f"p{i}@x.test" if i != 3 else "",
                order_count=i % 3,
                revenue=Decimal(i * 7 % 5),
                predicted_clv=float(i) if i % 2 else None,
                p_alive=i / 10 if i != 2 else None,
                first_seen_at=seen,
                last_seen_at=seen,
            )
        )
    return Contact.objects.bulk_create(made)


def _listing_queries(client, query: str) -> tuple[list[str], str]:
    """The SQL of the contacts rows the page at ``query`` read, and its next-page query."""
    with CaptureQueriesContext(connection) as captured:
        html = client.get(f"/contacts/?{query}").content.decode()
    sql = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "people_contact"' in q["sql"] and "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]
    ]
    following = re.search(r'href="\?([^"]*)" rel="next"', html)
    return sql, unescape(following.group(1)) if following else ""


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET enable_sort = off")
        try:
            cursor.execute(f"EXPLAIN {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_sort")


def test_the_list_sorts_by_exactly_the_indexed_columns():
    assert [c.key for c in COLUMNS if c.sortable] == SORTABLE


@pytest.mark.parametrize("key", SORTABLE)
@pytest.mark.parametrize("direction", ["", "-"])
def test_each_sort_and_its_next_page_read_an_index_in_order(client, contacts, key, direction):
    first, following = _listing_queries(client, f"sort={direction}{key}&per_page=2")
    assert "after=" in following  # six contacts, two a page
    second, _ = _listing_queries(client, following)
    assert len(first) == len(second) == 1
    for sql in (*first, *second):
        plan = _plan(sql)
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
        if key in SORTED_CONTACT_COLUMNS:
            assert f"contact_sort_{key}"[:30] in plan, plan


def test_a_column_without_an_index_is_not_offered_for_sorting(client, contacts):
    html = client.get("/contacts/?sort=revenue").content.decode()
    assert "?sort=-revenue" in html  # a sortable header links to its other direction
    for key in ("name", "lifecycle_stage", "location__name", "acquisition_channel"):
        assert f"sort={key}" not in html and f"sort=-{key}" not in html
    # asked for anyway, the list keeps its default order (newest first; everyone shown,
    # the anonymous p3 too)
    newest_first = [c.pk for c in sorted(contacts, key=lambda c: -c.pk)]
    shown = re.findall(
        r'<a href="/contacts/(\d+)/">',
        client.get("/contacts/?sort=name&show=all").content.decode(),
    )
    assert [int(pk) for pk in dict.fromkeys(shown)] == newest_first
