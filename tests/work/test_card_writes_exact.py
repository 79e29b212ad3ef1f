"""Edits, moves and links of a card to the letter: the refusals ``update_card`` and
``add_link`` give for each bad field (and that nothing is written), a swimlane taken away,
and a move inside one column to an index (mutation testing of ``pacer/work/actions.py``
at stop 37, docs/testing.md, left these unchecked)."""

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions
from pacer.work.models import Board, Card, CardLink
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def _card(board, title, where="Backlog", **extra):
    return actions.create_card(board, title=title, column=column(board, where).pk, now=NOW, **extra)


def _refusal(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    return refused.value.errors


def _titles(board, where, lane=None) -> list[str]:
    cards = Card.objects.filter(column=column(board, where), swimlane=lane)
    return list(cards.order_by("position").values_list("title", flat=True))


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"override_reason": "x" * 301}, {"override_reason": "must be at most 300 characters"}),
        ({"assignee": 999_999}, {"assignee": "999999 is not a member of this workspace"}),
        ({"assignee": "someone"}, {"assignee": "must be a member's id"}),
        ({"swimlane": "other"}, {"swimlane": "is not a swimlane of this board"}),
    ],
)
def test_a_bad_edit_names_its_field_and_writes_nothing(board, admin, change, errors):
    card = _card(board, "Brief", swimlane=board.swimlanes.get(name="Standard").pk)
    other = actions.create_board(
        board.workspace,
        team="brand",
        slug="other",
        name="Other",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
        swimlanes=["Elsewhere"],
    )
    if change.get("swimlane") == "other":  # a lane, but of another board
        change = {"swimlane": other.swimlanes.get().pk}
    audited = AuditEntry.objects.count()
    assert _refusal(actions.update_card, card, now=NOW, actor=admin, title="New", **change) == (
        errors
    )
    card.refresh_from_db()
    assert (card.title, card.assignee_id, card.swimlane.name) == ("Brief", None, "Standard")
    assert AuditEntry.objects.count() == audited


def test_taking_a_cards_swimlane_away_puts_it_at_the_bottom_of_the_cards_without_one(board):
    _card(board, "Loose 1")
    _card(board, "Loose 2")
    card = _card(board, "Laned", swimlane=board.swimlanes.get(name="Expedite").pk)
    changed = actions.update_card(card, now=NOW, swimlane="")
    assert changed.swimlane is None
    assert _titles(board, "Backlog") == ["Loose 1", "Loose 2", "Laned"]
    card.refresh_from_db()
    assert card.swimlane_id is None


def test_a_move_inside_its_column_to_an_index_counts_the_others_only(board):
    a, _, _ = (_card(board, title) for title in ("A", "B", "C"))
    actions.move_card(a, column=column(board, "Backlog").pk, position=1, now=NOW)
    assert _titles(board, "Backlog") == ["B", "A", "C"]  # index 1 of B, C: between them


def test_a_moved_card_comes_back_with_its_board(board):
    card = _card(board, "Brief")
    moved = actions.move_card(card, column=column(board, "Review").pk, now=NOW)
    assert moved.board_id == board.pk and isinstance(moved.board, Board)
    assert moved.column.name == "Review"


@pytest.mark.parametrize(
    ("target", "errors"),
    [
        ("1" * 65, {"target_id": "must be at most 64 characters"}),
        ("", {"target_id": "must not be empty"}),
        (7, {"target_id": "must be text"}),
    ],
)
def test_a_link_to_a_bad_id_names_target_id_and_links_nothing(board, admin, target, errors):
    card = _card(board, "Brief")
    audited = AuditEntry.objects.count()
    assert _refusal(actions.add_link, card, "lead", target, actor=admin) == errors
    assert not CardLink.objects.exists() and AuditEntry.objects.count() == audited


@pytest.mark.parametrize("where", ["elsewhere", "abc", 0])
def test_a_card_made_in_a_column_not_of_its_board_is_refused_at_column(board, where):
    other = actions.create_board(
        board.workspace,
        team="brand",
        slug="other",
        name="Other",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    given = other.columns.first().pk if where == "elsewhere" else where
    errors = _refusal(actions.create_card, board, title="Brief", column=given, now=NOW)
    assert errors == {"column": "is not a column of this board"}
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"assignee": 999_999}, {"assignee": "999999 is not a member of this workspace"}),
        ({"due": "soon"}, {"due": "'soon' is not a date (YYYY-MM-DD)"}),
        ({"estimate": "x"}, {"estimate": "must be a whole number of points"}),
    ],
)
def test_a_new_card_with_a_bad_field_is_refused_there(board, extra, errors):
    audited = AuditEntry.objects.count()
    assert _refusal(actions.create_card, board, title="Brief", now=NOW, **extra) == errors
    assert not Card.objects.exists() and AuditEntry.objects.count() == audited


def test_a_new_card_in_a_swimlane_goes_to_the_bottom_of_that_lane(board):
    lane = board.swimlanes.get(name="Expedite")
    backlog = column(board, "Backlog").pk
    for title in ("First", "Second", "Third"):  # moved into the lane: the other cell empties
        actions.move_card(_card(board, title), column=backlog, swimlane=lane.pk, now=NOW)
    _card(board, "Fourth", swimlane=lane.pk)
    assert _titles(board, "Backlog", lane) == ["First", "Second", "Third", "Fourth"]
    assert _titles(board, "Backlog") == []


def test_a_board_without_a_done_column_is_told_so_before_its_doubled_names(workspace):
    columns = [{"name": "Plan", "stage": "todo"}, {"name": "plan", "stage": "todo"}]
    errors = _refusal(
        actions.create_board, workspace, team="brand", slug="b", name="B", columns=columns
    )
    assert errors == {"columns": "need at least one to-do column and one done column"}
