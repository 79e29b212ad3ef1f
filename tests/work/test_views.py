"""The work pages: the board (move by form and by the script's JSON endpoint, WIP refusal
and override), bulk edit, a card's operations, flow metrics, sprints, the stand-up and
who works on what; and what each role may do there."""

from datetime import timedelta

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.actions import create_campaign
from pacer.teams import selectors as teams
from pacer.work import actions, comments, selectors, sprint_report
from pacer.work.models import Card, ChecklistItem, Notification, Sprint
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def ada(admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


@pytest.fixture
def staff(workspace):
    core.create_user(workspace, "sam", PASSWORD, Role.STAFF)
    client = Client()
    client.login(username="sam", password=PASSWORD)
    return client


def _full_doing(board):
    doing = column(board, "Doing")
    for title in ("a", "b"):
        actions.create_card(board, title=title, column=doing.pk, now=NOW)
    return doing, actions.create_card(board, title="c", now=NOW)


def test_the_board_shows_columns_counts_limits_and_cards(ada, board):
    doing, _ = _full_doing(board)
    page = ada.get("/work/boards/brand-board/").content.decode()
    assert f'data-count="{doing.pk}">2</span><span class="work-limit"> / 2</span>' in page
    assert "work-column-head full" in page
    assert page.count('class="work-card"') == 3
    assert "work/vendor/Sortable.min.js" in page and "work/board.js" in page


def test_the_move_endpoint_answers_the_script_in_json(ada, board):
    doing, third = _full_doing(board)
    url = f"/work/cards/{third.pk}/move/"
    json = {"HTTP_ACCEPT": "application/json"}
    refused = ada.post(url, {"column": doing.pk, "swimlane": "", "position": 0}, **json)
    assert refused.status_code == 422
    assert refused.json()["wip_limit"] is True
    assert "its WIP limit is 2" in refused.json()["errors"]["column"]
    assert Card.objects.get(pk=third.pk).column.name == "Backlog"
    moved = ada.post(
        url,
        {"column": doing.pk, "swimlane": "", "position": 0, "override_reason": "urgent"},
        **json,
    )
    assert moved.status_code == 200
    assert moved.json() == {
        "column": doing.pk,
        "counts": {str(c.pk): n for c, n in zip(board.columns.all(), (0, 3, 0, 0), strict=True)},
    }
    card = Card.objects.get(pk=third.pk)
    assert (card.column, card.swimlane) == (doing, None)
    assert Card.objects.filter(column=doing).order_by("position", "id").first() == card
    assert card.events.get(kind="moved").override_reason == "urgent"


def test_the_move_form_works_without_the_script(ada, board):
    doing, third = _full_doing(board)
    response = ada.post(f"/work/cards/{third.pk}/move/", {"column": doing.pk})
    assert response.status_code == 422 and "was not moved" in response.content.decode()
    review = column(board, "Review")
    response = ada.post(f"/work/cards/{third.pk}/move/", {"column": review.pk})
    assert response.status_code == 302 and Card.objects.get(pk=third.pk).column == review


def test_bulk_edit_from_the_board(ada, board, bob):
    cards = [actions.create_card(board, title=t, now=NOW) for t in ("a", "b")]
    response = ada.post(
        "/work/boards/brand-board/bulk/",
        {"cards": [c.pk for c in cards], "assignee": bob.pk, "due": "2026-03-10", "column": ""},
    )
    assert response.status_code == 302
    assert set(Card.objects.values_list("assignee__username", "due")) == {
        ("bob", NOW.date().replace(day=10))
    }


def test_a_card_page_runs_its_operations_and_refuses_bad_ones(ada, board, bob, workspace):
    spring = create_campaign(workspace, "spring", "email", name="Spring sale")
    card = actions.create_card(board, title="Spring email", now=NOW)
    url = f"/work/cards/{card.pk}/"
    assert ada.post(url, {"op": "checklist", "text": "Draft copy"}).status_code == 302
    item = ChecklistItem.objects.get()
    assert ada.post(url, {"op": "tick", "item": item.pk, "done": "1"}).status_code == 302
    assert ada.post(url, {"op": "comment", "body": "@bob please review"}).status_code == 302
    assert (
        ada.post(url, {"op": "link", "kind": "campaign", "target_id": "spring"}).status_code == 302
    )
    assert ada.post(url, {"op": "block", "blocked_reason": "legal"}).status_code == 302
    edit = {
        "op": "edit",
        "title": "Spring email v2",
        "assignee": bob.pk,
        "due": "",
        "estimate": "3",
    }
    assert ada.post(url, edit).status_code == 302
    card.refresh_from_db()
    assert (card.title, card.assignee, card.estimate, card.blocked_reason) == (
        "Spring email v2",
        bob,
        3,
        "legal",
    )
    assert ChecklistItem.objects.get().done is True
    assert Notification.objects.get().user == bob
    page = ada.get(url).content.decode()
    assert f'Campaign: <a href="/campaigns/{spring.pk}/">Spring sale</a>' in page
    assert "blocked: legal" in page
    assert f'<option value="{bob.pk}" selected>bob</option>' in page  # the edit form
    refused = ada.post(url, {"op": "link", "kind": "planet", "target_id": "x"})
    assert refused.status_code == 422 and "must be one of" in refused.content.decode()
    assert ada.post(url, {"op": "edit", "title": "", "estimate": "lots"}).status_code == 422
    assert Card.objects.get(pk=card.pk).title == "Spring email v2"


def test_flow_page_and_its_figures(ada, board, admin):
    card = actions.create_card(board, title="a", now=NOW - timedelta(days=4))
    actions.move_card(card, column=column(board, "Doing").pk, now=NOW - timedelta(days=3))
    actions.move_card(card, column=column(board, "Done").pk, now=NOW - timedelta(days=1))
    open_card = actions.create_card(board, title="b", now=NOW - timedelta(days=2))
    actions.move_card(open_card, column=column(board, "Doing").pk, now=NOW - timedelta(days=2))
    actions.set_blocked(open_card, "legal", now=NOW - timedelta(hours=12))
    report = selectors.flow_report(board, now=NOW)
    assert (report.lead.count, report.lead.median, report.cycle.median) == (1, 3.0, 2.0)
    # finished Tuesday 3 March, in this week (from Monday 2 March)
    assert report.weeks[-1].isoformat() == "2026-03-02"
    assert report.throughput[-2:] == [0, 1]
    assert [(c.title, age) for c, age in report.ageing] == [("b", 2.0)]
    assert report.blocked == {open_card.pk: 0.5}
    doing_counts = report.cumulative[column(board, "Doing").pk]
    # at the end of 1 March: a; 2 March: a and b; 3 and 4 March: b
    assert report.days[-1] == NOW.date() and doing_counts[-4:] == [1, 2, 1, 1]
    response = ada.get("/work/boards/brand-board/flow/")
    assert response.status_code == 200 and "chart-cfd" in response.content.decode()


def test_sprint_pages_plan_and_chart(ada, board, bob, monkeypatch):
    assert (
        ada.post(
            "/work/boards/brand-board/sprints/",
            {"name": "S1", "start": "2026-03-02", "weeks": "1", "capacity": "10"},
        ).status_code
        == 302
    )
    sprint = Sprint.objects.get()
    card = actions.create_card(
        board, title="a", estimate=4, assignee=bob.pk, now=NOW - timedelta(days=2)
    )
    monkeypatch.setattr(clock, "now", lambda: NOW - timedelta(days=2))  # planned on 2 March
    assert (
        ada.post(f"/work/sprints/{sprint.pk}/", {"card": card.pk, "into": "sprint"}).status_code
        == 302
    )
    actions.move_card(card, column=column(board, "Done").pk, now=NOW - timedelta(days=1))
    report = sprint_report.sprint_report(sprint, today=NOW.date())
    assert report.scope == 4.0
    assert report.remaining == [4.0, 0.0, 0.0, None, None, None, None]
    assert report.ideal[0] == 4.0 and report.ideal[-1] == 0.0
    page = ada.get(f"/work/sprints/{sprint.pk}/").content.decode()
    assert "chart-burndown" in page and "chart-burnup" in page
    refused = ada.post(
        "/work/boards/brand-board/sprints/",
        {"name": "S2", "start": "2026-03-09", "weeks": "6", "capacity": "10"},
    )
    assert refused.status_code == 422 and "1, 2, 3 or 4 weeks" in refused.content.decode()


def test_standup_and_who_works_on_what(ada, board, bob):
    doing = column(board, "Doing")
    actions.create_card(board, title="Write brief", column=doing.pk, assignee=bob.pk, now=NOW)
    finished = actions.create_card(board, title="Ship ad", assignee=bob.pk, now=NOW)
    actions.move_card(finished, column=column(board, "Done").pk, now=NOW)
    blocked = actions.create_card(board, title="Legal check", assignee=bob.pk, now=NOW)
    actions.set_blocked(blocked, "waiting", now=NOW)
    [entry] = selectors.standup(board, now=NOW)
    assert [[c.title for c in cards] for cards in (entry.done, entry.doing, entry.blocked)] == [
        ["Ship ad"],
        ["Write brief"],
        ["Legal check"],
    ]
    assert "Ship ad" in ada.get("/work/boards/brand-board/standup/").content.decode()
    page = ada.get("/work/who/").content.decode()
    brand = teams.team_by_key(board.workspace, "brand")
    team_name = brand.name if brand else "brand"  # the team's name where the key is a team
    assert "Write brief" in page and f"{team_name} · Brand board · Doing" in page
    assert 'id="mentions"' not in page
    comments.add_comment(blocked, "@ada legal is slow", now=NOW)
    page = ada.get("/work/who/").content.decode()
    assert "You were mentioned" in page and "“@ada legal is slow”" in page


def test_staff_move_cards_but_do_not_create_boards_or_sprints(staff, board):
    card = actions.create_card(board, title="a", now=NOW)
    assert (
        staff.post(
            f"/work/cards/{card.pk}/move/", {"column": column(board, "Review").pk}
        ).status_code
        == 302
    )
    audit_before = AuditEntry.objects.count()
    assert staff.post("/work/boards/", {"name": "X", "slug": "x", "team": "x"}).status_code == 403
    assert (
        staff.post(
            "/work/boards/brand-board/sprints/",
            {"name": "S", "start": "2026-03-02", "weeks": "1", "capacity": "3"},
        ).status_code
        == 403
    )
    assert AuditEntry.objects.count() == audit_before and not Sprint.objects.exists()


def test_another_workspaces_board_and_cards_are_not_found(ada, board):
    other = core.create_workspace("Other", slug="other")
    theirs = actions.create_board(
        other,
        team="cx",
        slug="theirs",
        name="Theirs",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )
    card = actions.create_card(theirs, title="secret", now=NOW)
    assert ada.get("/work/boards/theirs/").status_code == 404
    assert ada.get(f"/work/cards/{card.pk}/").status_code == 404
    assert (
        ada.post(f"/work/cards/{card.pk}/move/", {"column": theirs.columns.last().pk}).status_code
        == 404
    )


def test_a_done_column_shows_its_last_eight_cards_and_counts_the_rest(ada, board):
    done = column(board, "Done")
    for number in range(10):
        actions.create_card(board, title=f"done {number}", column=done.pk, now=NOW)
    view = selectors.board_view(board)
    assert view.counts[done.pk] == 10
    lane = view.lanes[0]  # the cards have no swimlane: the unnamed first lane
    assert lane.swimlane is None
    cell = lane.cells[3]
    assert [c.title for c in cell.cards] == [f"done {n}" for n in range(2, 10)]
    assert (cell.total, cell.hidden) == (10, 2)
    assert (
        "2 earlier finished cards not shown"
        in ada.get("/work/boards/brand-board/").content.decode()
    )


def _fill(board, where: str, count: int, lane=None) -> list[Card]:
    """``count`` cards written straight into a cell, 1024 apart (as the actions space them)."""
    target = column(board, where)
    return Card.objects.bulk_create(
        Card(
            workspace=board.workspace,
            board=board,
            column=target,
            swimlane=lane,
            position=(index + 1) * 1024,
            title=f"{where} {index}",
            created_at=NOW,
        )
        for index in range(count)
    )


def test_a_long_cell_shows_its_first_cards_and_the_rest_page_by_page(ada, board):
    _fill(board, "Backlog", selectors.CELL_SHOWN + selectors.CELL_PAGE + 5)
    backlog = column(board, "Backlog")
    cell = selectors.board_view(board).lanes[0].cells[0]
    assert [c.title for c in cell.cards] == [f"Backlog {n}" for n in range(selectors.CELL_SHOWN)]
    assert cell.hidden == selectors.CELL_PAGE + 5
    page = ada.get("/work/boards/brand-board/").content.decode()
    assert page.count('class="work-card"') == selectors.CELL_SHOWN
    last = cell.cards[-1]
    more = (
        f"/work/boards/brand-board/cell/?column={backlog.pk}&amp;lane="
        f"&amp;after={last.position}&amp;after_id={last.pk}"
    )
    assert f'hx-get="{more}"' in page and f"Show more ({selectors.CELL_PAGE + 5} not shown)" in page

    fragment = ada.get(more.replace("&amp;", "&"), HTTP_HX_REQUEST="true").content.decode()
    start = selectors.CELL_SHOWN
    titles = [f"Backlog {n}" for n in range(start, start + selectors.CELL_PAGE)]
    assert fragment.count('class="work-card"') == selectors.CELL_PAGE
    assert all(f">{t}</a>" in fragment for t in titles)
    assert f">Backlog {start + selectors.CELL_PAGE}</a>" not in fragment
    assert 'hx-swap-oob="outerHTML"' in fragment and "Show more (5 not shown)" in fragment
    assert "<html" not in fragment

    without_js = ada.get(more.replace("&amp;", "&"))
    assert without_js.status_code == 200 and "<html" in without_js.content.decode()


def test_the_next_page_of_a_cell_with_nothing_after_has_no_more_link(ada, board):
    cards = _fill(board, "Backlog", 3)
    backlog = column(board, "Backlog")
    url = (
        f"/work/boards/brand-board/cell/?column={backlog.pk}&lane="
        f"&after=1024&after_id={cards[0].pk}"
    )
    fragment = ada.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.count('class="work-card"') == 2 and "Show more" not in fragment


@pytest.mark.parametrize(
    "query",
    ["column=0", "column=x", "lane=999999", "after=1&after_id=x", "after=y"],
)
def test_a_bad_cell_request_is_not_found(ada, board, query):
    backlog = column(board, "Backlog")
    params = {"column": backlog.pk, "lane": ""}
    for part in query.split("&"):
        key, _, value = part.partition("=")
        params[key] = value
    assert ada.get("/work/boards/brand-board/cell/", params).status_code == 404


def test_the_board_page_reads_as_many_queries_for_many_cards_as_for_a_few(ada, board):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lane = board.swimlanes.first()
    for where in ("Backlog", "Review", "Done"):
        _fill(board, where, 2, lane)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert ada.get("/work/boards/brand-board/").status_code == 200
        return len(captured)

    few = queries()
    for where in ("Backlog", "Review", "Done"):
        _fill(board, where, 60, lane)
        _fill(board, where, 60)
    assert queries() == few
