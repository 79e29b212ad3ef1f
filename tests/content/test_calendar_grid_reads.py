"""The calendar's month and week grids read only what they show: the first items and
deadlines of each day (the rest counted, "+N more"), numbered and cut in the database.
The grid shows the same items, in the same order, on the same (UTC) days as reading every
item of the view would, and its number of queries does not grow with the items."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pacer.content import selectors
from pacer.content.models import ContentItem
from tests.content.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

CAPS = {"month": 4, "week": 8}
# the month of 2026-06-15: Mon 1 June to Sun 5 July; its week: 15-21 June
SPANS = {
    "month": (date(2026, 6, 1), date(2026, 7, 5)),
    "week": (date(2026, 6, 15), date(2026, 6, 21)),
}


def _fill(workspace, owner, n: int, seed: int) -> None:
    """``n`` items in and around June 2026: busy and quiet days, ties in time (the id
    orders them), items a minute either side of midnight UTC, deadlines on some days and
    items past their deadline's states (published, archived: not shown as due)."""
    rng = random.Random(seed)
    ties = datetime(2026, 6, 17, 9, tzinfo=UTC)
    made = []
    for k in range(n):
        if k % 7 == 0:
            when = ties  # one busy instant
        elif k % 11 == 0:
            when = datetime(2026, 6, 18, tzinfo=UTC) - timedelta(minutes=rng.choice([1, -1]))
        else:
            when = datetime(2026, 5, 28, tzinfo=UTC) + timedelta(minutes=rng.randrange(50 * 1440))
        made.append(
            ContentItem(
                workspace=workspace,
                title=f"Item {seed}-{k}",
                kind="social_post",
                state=rng.choice(["draft", "scheduled", "published", "archived"]),
                owner=owner,
                scheduled_for=when if k % 13 else None,
                due_on=date(2026, 6, rng.choice([3, 17, 18, 30])) if k % 5 == 0 else None,
            )
        )
    ContentItem.objects.bulk_create(made)


def _expected(view: str) -> dict[str, tuple[list[int], list[int], int]]:
    """Per day of the grid: (ids of the deadlines shown, ids of the items shown, "+N more")
    as reading every row and cutting in Python gives them."""
    first, last = SPANS[view]
    cap = CAPS[view]
    found = {}
    for offset in range((last - first).days + 1):
        day = first + timedelta(offset)
        items = sorted(
            (i.scheduled_for, i.pk)
            for i in ContentItem.objects.filter(scheduled_for__isnull=False)
            if i.scheduled_for.astimezone(UTC).date() == day
        )
        due = sorted(
            i.pk
            for i in ContentItem.objects.filter(due_on=day).exclude(
                state__in=("published", "archived")
            )
        )
        shown_due = due[:cap]
        shown = [pk for _, pk in items][: cap - len(shown_due)]
        found[day.isoformat()] = (
            shown_due,
            shown,
            len(items) + len(due) - len(shown) - len(shown_due),
        )
    return found


def _grid(html: str, view: str) -> dict[str, tuple[list[int], list[int], int]]:
    first, last = SPANS[view]
    found = {}
    for offset in range((last - first).days + 1):
        day = (first + timedelta(offset)).isoformat()
        cell = html.split(f'data-day="{day}"')[1].split("</section>")[0]
        due = [
            int(p.split("/")[0]) for p in cell.split('class="cal-due" href="/content/items/')[1:]
        ]
        items = [int(p.split('"')[0]) for p in cell.split('id="cal-item-')[1:]]
        more = (
            int(cell.split('class="cal-more"')[1].split("+")[1].split(" ")[0])
            if "cal-more" in cell
            else 0
        )
        found[day] = (due, items, more)
    return found


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("view", ["month", "week"])
def test_the_grid_shows_each_days_first_items_and_counts_the_rest(workspace, team, view):
    _fill(workspace, team["editor"], 300, seed=1)
    html = _client(team["editor"]).get(f"/content/calendar/?view={view}&day=2026-06-15")
    assert html.status_code == 200, html.content.decode()[-3000:]
    grid = _grid(html.content.decode(), view)
    assert grid == _expected(view)
    busy = grid["2026-06-17"]  # the tied instant: more than the cap, the rest counted
    assert len(busy[0]) + len(busy[1]) == CAPS[view] and busy[2] > 40
    # items a minute either side of midnight UTC were made, and counted on their own day
    assert ContentItem.objects.filter(scheduled_for=datetime(2026, 6, 17, 23, 59, tzinfo=UTC))
    assert ContentItem.objects.filter(scheduled_for=datetime(2026, 6, 18, 0, 1, tzinfo=UTC))


def test_a_quiet_day_shows_every_item_and_no_more_link(workspace, team):
    """Fewer than the cap: all shown, nothing counted as more (the count is the day's)."""
    for hour in (15, 9, 12):
        ContentItem.objects.create(
            workspace=workspace,
            title=f"At {hour}",
            kind="ad",
            state="draft",
            scheduled_for=datetime(2026, 6, 9, hour, tzinfo=UTC),
        )
    ContentItem.objects.create(
        workspace=workspace, title="Due", kind="ad", state="draft", due_on=date(2026, 6, 9)
    )
    html = _client(team["editor"]).get("/content/calendar/?day=2026-06-15").content.decode()
    cell = html.split('data-day="2026-06-09"')[1].split("</section>")[0]
    assert [
        part.split("<")[0]
        for part in cell.split('">')[1:]
        if part.startswith(("09:", "12:", "15:"))
    ] == [
        "09:00 At 9",
        "12:00 At 12",
        "15:00 At 15",
    ]
    assert "Due: Due<" in cell and "cal-more" not in cell


@pytest.mark.parametrize("view", ["month", "week"])
def test_the_grid_reads_as_many_queries_for_ten_times_the_items(workspace, team, view):
    client = _client(team["editor"])
    path = f"/content/calendar/?view={view}&day=2026-06-15"
    _fill(workspace, team["editor"], 40, seed=2)
    client.get(path)  # warm: the session and the workflow
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    _fill(workspace, team["editor"], 400, seed=3)
    with CaptureQueriesContext(connection) as many:
        page = client.get(path)
    assert page.status_code == 200 and "cal-more" in page.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    grid = [q["sql"] for q in many.captured_queries if '"scheduled_for" >=' in q["sql"]]
    assert len(grid) == 1  # the grid's items: one query, cut per day by the database


def test_a_day_past_the_cap_is_read_as_its_first_rows_and_its_total(workspace, team):
    """The selector reads no more rows than the grid shows: a day of 30 items gives its
    first 4 (time, then id), each carrying the day's 30."""
    at = datetime(2026, 6, 10, 9, tzinfo=UTC)
    ContentItem.objects.bulk_create(
        ContentItem(
            workspace=workspace,
            title=f"Crowd {k}",
            kind="ad",
            state="draft",
            scheduled_for=at + timedelta(minutes=(k * 7) % 30 // 2),
        )
        for k in range(30)
    )
    rows = selectors.items(workspace)
    scheduled, due = selectors.first_of_each_day(rows, date(2026, 6, 1), date(2026, 7, 5), 4)
    everything = sorted(ContentItem.objects.all(), key=lambda i: (i.scheduled_for, i.pk))
    assert [r["pk"] for r in scheduled] == [i.pk for i in everything[:4]]
    assert {(r["day"], r["day_total"]) for r in scheduled} == {(date(2026, 6, 10), 30)}
    assert due == []
