"""Boards, cards and moves over the REST API: exact bodies, the WIP refusal and override,
history, and hostile input refused at the schema."""

import pytest

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.work.models import Board, Card

pytestmark = pytest.mark.django_db


BOARD = {
    "slug": "brand",
    "team": "brand",
    "name": "Brand",
    "columns": [
        {"name": "To do", "stage": "todo"},
        {"name": "Doing", "stage": "doing", "wip_limit": 1},
        {"name": "Done", "stage": "done"},
    ],
    "person_wip_limit": 3,
}


def test_create_a_board_add_cards_and_move_them_over_the_api(api, admin):
    created = api("post", "/boards", BOARD)
    assert created.status_code == 201
    assert created.json() == {
        "slug": "brand",
        "team": "brand",
        "name": "Brand",
        "person_wip_limit": 3,
    }
    board = api("get", "/boards/brand").json()
    todo, doing, _ = (c["id"] for c in board["columns"])
    assert [(c["name"], c["stage"], c["wip_limit"]) for c in board["columns"]] == [
        ("To do", "todo", None),
        ("Doing", "doing", 1),
        ("Done", "done", None),
    ]
    first = api(
        "post", "/boards/brand/cards", {"title": "One", "estimate": 3, "assignee": admin.pk}
    )
    assert first.status_code == 201
    assert first.json() == {
        "id": first.json()["id"],
        "title": "One",
        "column": todo,
        "swimlane": None,
        "position": 1024,  # the first card of an empty cell (positions are sparse)
        "assignee": admin.pk,
        "due": None,
        "estimate": 3,
        "sprint": None,
        "blocked_reason": "",
        "labels": [],
        "archived_at": None,
    }
    second = api("post", "/boards/brand/cards", {"title": "Two"}).json()
    assert (
        api("post", f"/cards/{first.json()['id']}/move", {"column": doing}).json()["column"]
        == doing
    )
    refused = api("post", f"/cards/{second['id']}/move", {"column": doing})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "column": "'Doing' already holds 1 cards, its WIP limit is 1; finish one first or give "
        "a reason to go over"
    }
    assert Card.objects.get(pk=second["id"]).column_id == todo
    forced = api(
        "post", f"/cards/{second['id']}/move", {"column": doing, "override_reason": "CEO ask"}
    )
    assert forced.status_code == 200 and forced.json()["column"] == doing
    history = api("get", f"/cards/{second['id']}/history").json()
    assert [
        (h["kind"], h["from_column"], h["to_column"], h["actor"], h["override_reason"])
        for h in history
    ] == [
        ("created", None, todo, "ada", ""),
        ("moved", todo, doing, "ada", "CEO ask"),
    ]
    assert [b["slug"] for b in api("get", "/boards").json()] == ["brand"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/boards", {**BOARD, "slug": "Not A Slug"}, "slug"),
        ("/boards", {**BOARD, "columns": BOARD["columns"][:1]}, "columns"),
        ("/boards", {**BOARD, "person_wip_limit": 0}, "person_wip_limit"),
        ("/boards", {**BOARD, "name": "x\x00"}, "name"),
        ("/boards/brand/cards", {"title": "x" * 201}, "title"),
        ("/boards/brand/cards", {"title": "x", "estimate": -1}, "estimate"),
        ("/boards/brand/cards", {"title": "x", "due": "3000-01-01"}, "due"),
        ("/boards/brand/cards", {"title": "x", "assignee": 2**70}, "assignee"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(api, path, body, field):
    if path != "/boards":
        api("post", "/boards", BOARD)
    boards, cards, audit = Board.objects.count(), Card.objects.count(), AuditEntry.objects.count()
    response = api("post", path, body)
    assert response.status_code == 422
    assert any(field in name for name in response.json()["errors"]), response.json()
    assert (Board.objects.count(), Card.objects.count(), AuditEntry.objects.count()) == (
        boards,
        cards,
        audit,
    )


def test_a_card_of_another_workspace_is_not_found(api):
    other = core.create_workspace("Other", slug="other")
    from pacer.work import actions

    board = actions.create_board(
        other,
        team="cx",
        slug="brand",
        name="T",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )
    card = actions.create_card(board, title="theirs", now=board.created_at)
    assert api("get", f"/cards/{card.pk}").status_code == 404
    assert api("get", "/boards/brand").status_code == 404
    moved = api("post", f"/cards/{card.pk}/move", {"column": board.columns.last().pk})
    assert moved.status_code == 404 and Card.objects.get(pk=card.pk).column == board.columns.first()


def test_edit_a_boards_columns_swimlanes_and_limits_over_the_api(api):
    api("post", "/boards", BOARD)
    todo, doing, done = (c["id"] for c in api("get", "/boards/brand").json()["columns"])
    added = api(
        "post", "/boards/brand/columns", {"name": "Review", "stage": "doing", "position": 2}
    )
    assert added.status_code == 201
    review = added.json()["id"]
    assert added.json() == {"id": review, "name": "Review", "stage": "doing", "wip_limit": None}
    changed = api("patch", f"/columns/{doing}", {"name": "Making", "no_wip_limit": True})
    assert changed.json() == {"id": doing, "name": "Making", "stage": "doing", "wip_limit": None}
    limited = api("patch", f"/columns/{review}", {"wip_limit": 4, "position": 0})
    assert limited.json()["wip_limit"] == 4
    columns = api("get", "/boards/brand").json()["columns"]
    assert [c["name"] for c in columns] == ["Review", "To do", "Making", "Done"]

    card = api("post", "/boards/brand/cards", {"title": "One", "column": review}).json()
    refused = api("post", f"/columns/{review}/remove", {})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "move_cards_to": "'Review' holds 1 card; name the column they should move to"
    }
    removed = api("post", f"/columns/{review}/remove", {"move_cards_to": todo})
    assert (removed.status_code, removed.json()) == (200, {"cards": 1})
    assert api("get", f"/cards/{card['id']}").json()["column"] == todo
    assert api("post", f"/columns/{done}/remove", {}).json()["errors"] == {
        "stage": "the board needs at least one done column"
    }

    lane = api("post", "/boards/brand/swimlanes", {"name": "Expedite"})
    assert lane.status_code == 201 and lane.json()["name"] == "Expedite"
    renamed = api("patch", f"/swimlanes/{lane.json()['id']}", {"name": "Urgent"})
    assert renamed.json() == {"id": lane.json()["id"], "name": "Urgent", "position": 0}
    assert api("delete", f"/swimlanes/{lane.json()['id']}").json() == {"cards": 0}
    limit = api("put", "/boards/brand/person-limit", {"person_wip_limit": None})
    assert limit.json()["person_wip_limit"] is None
    assert api("patch", "/columns/999999", {"name": "X"}).status_code == 404
