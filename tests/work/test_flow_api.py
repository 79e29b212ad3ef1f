"""The flow metrics, the stand-up and "who works on what" over the REST API: the pages'
figures, exact, from a known history; a label of another board refused at ``label``,
another workspace's board 404."""

import re
from datetime import UTC, datetime

import pytest

from pacer.core import clock
from pacer.work import actions, labels
from tests.work.conftest import column

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)  # 2 March 2026 is a Monday


@pytest.fixture
def history(board, bob, monkeypatch):
    """Thursday 5 March: 'shipped' made on Monday, started Tuesday, done Wednesday (bob's);
    'stuck' in Doing since Monday, blocked Tuesday to Wednesday (bob's); 'free' in Doing
    since Wednesday, nobody's."""
    monkeypatch.setattr(clock, "now", lambda: _at(5))
    doing, done = column(board, "Doing").pk, column(board, "Done").pk
    shipped = actions.create_card(board, title="shipped", assignee=bob.pk, now=_at(2))
    actions.move_card(shipped, column=doing, now=_at(3))
    actions.move_card(shipped, column=done, now=_at(4))
    stuck = actions.create_card(board, title="stuck", column=doing, assignee=bob.pk, now=_at(2))
    actions.set_blocked(stuck, "legal", now=_at(3))
    actions.set_blocked(stuck, "", now=_at(4))
    free = actions.create_card(board, title="free", column=doing, now=_at(4))
    return shipped, stuck, free


def test_the_flow_figures_are_the_pages(api, board, history):
    shipped, stuck, free = history

    body = api("get", "/boards/brand-board/flow?weeks=1").json()

    assert body["days"] == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    assert [(c["name"], c["cards"]) for c in body["cumulative"]] == [
        ("Backlog", [1, 0, 0, 0]),
        ("Doing", [1, 2, 2, 2]),
        ("Review", [0, 0, 0, 0]),
        ("Done", [0, 0, 1, 1]),
    ]
    assert body["lead"] == {"count": 1, "median": 2.0, "p85": 2.0}
    assert body["cycle"] == {"count": 1, "median": 1.0, "p85": 1.0}
    assert (body["lead_times"], body["cycle_times"]) == ([2.0], [1.0])
    assert (body["weeks"], body["throughput"]) == (["2026-03-02"], [1])
    assert body["blocked"] == [{"card": stuck.pk, "title": "stuck", "days": 1.0}]
    # the cycle time's 85th percentile is 1 day: 'stuck' (3 days) is older than most
    assert body["ageing"] == [
        {"card": stuck.pk, "title": "stuck", "days": 3.0, "older_than_most": True},
        {"card": free.pk, "title": "free", "days": 1.0, "older_than_most": False},
    ]


def test_the_flow_page_marks_the_cards_older_than_most(ada, board, history):
    page = ada.get("/work/boards/brand-board/flow/").content.decode()

    assert "took at most 1.0 days from start to finish" in page
    ageing = re.search(r'<table class="grid" id="ageing">.*?</table>', page, re.S)[0]
    rows = re.findall(r'<tr><td><a href="/work/cards/\d+/">(\w+)</a>(.*?)</tr>', ageing)
    assert [(title, "older than most" in rest) for title, rest in rows] == [
        ("stuck", True),
        ("free", False),
    ]


def test_the_standup_and_who_works_on_what(api, board, bob, history):
    shipped, stuck, free = history

    standup = api("get", "/boards/brand-board/standup").json()
    who = api("get", "/who").json()

    assert standup["since"] == "2026-03-04T00:00:00Z"
    [entry] = standup["people"]
    assert entry["person"] == {"id": bob.pk, "name": "bob"}
    assert [c["title"] for c in entry["done"]] == ["shipped"]
    assert [(c["title"], c["column"]) for c in entry["doing"]] == [("stuck", "Doing")]
    assert entry["blocked"] == []
    assert [(w["person"], [c["title"] for c in w["cards"]]) for w in who] == [
        ({"id": bob.pk, "name": "bob"}, ["stuck"]),
        (None, ["free"]),
    ]
    assert who[0]["cards"][0] == {
        "card": stuck.pk,
        "title": "stuck",
        "team": "brand",
        "board": "brand-board",
        "column": "Doing",
        "due": None,
        "blocked": False,
    }


def test_a_label_of_another_board_is_refused_and_another_workspaces_board_is_404(
    api, board, history
):
    other = actions.create_board(
        board.workspace,
        team="brand",
        slug="other-board",
        name="Other",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    theirs = labels.create_label(other, name="Theirs", colour="red", now=_at(2))
    refused = api("get", f"/boards/brand-board/flow?label={theirs.pk}")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"label": "is not a label of board 'brand-board'"}
    assert api("get", "/boards/nobodys-board/standup").status_code == 404
