"""Editing a board after it was made: columns and swimlanes added, renamed, reordered and
removed, kinds and limits changed; refusals name the field and change nothing."""

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions, board_edit
from pacer.work.models import Card, CardEvent, Column, Swimlane
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def _columns(board):
    return list(board.columns.values_list("name", "stage", "wip_limit", "position"))


def _ledger(board):
    return (
        _columns(board),
        list(board.swimlanes.values_list("name", "position")),
        sorted(Card.objects.values_list("title", "column__name", "swimlane__name", "position")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_column_is_added_where_asked_and_audited(board, admin):
    before = AuditEntry.objects.count()
    board_edit.add_column(board, name="Ready", stage="todo", wip_limit="5", position=1, actor=admin)
    assert _columns(board) == [
        ("Backlog", "todo", None, 0),
        ("Ready", "todo", 5, 1),
        ("Doing", "doing", 2, 2),
        ("Review", "doing", None, 3),
        ("Done", "done", None, 4),
    ]
    assert AuditEntry.objects.filter(action="board.column_add").count() == 1
    assert AuditEntry.objects.count() == before + 1


def test_a_column_is_renamed_rekinded_limited_and_moved(board):
    review = column(board, "Review")
    board_edit.update_column(review, name="QA", stage="todo", wip_limit="", position=0)
    assert _columns(board) == [
        ("QA", "todo", None, 0),
        ("Backlog", "todo", None, 1),
        ("Doing", "doing", 2, 2),
        ("Done", "done", None, 3),
    ]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda b: board_edit.add_column(b, name="doing", stage="todo"), "name"),
        (lambda b: board_edit.add_column(b, name="", stage="todo"), "name"),
        (lambda b: board_edit.add_column(b, name="X", stage="later"), "stage"),
        (lambda b: board_edit.add_column(b, name="X", stage="todo", wip_limit="0"), "wip_limit"),
        (lambda b: board_edit.add_column(b, name="X", stage="todo", position=9), "position"),
        (lambda b: board_edit.update_column(column(b, "Done"), stage="doing"), "stage"),
        (lambda b: board_edit.update_column(column(b, "Review"), name="Backlog"), "name"),
        (lambda b: board_edit.update_column(column(b, "Review"), board=1), "board"),
        (lambda b: board_edit.remove_column(column(b, "Backlog"), now=NOW), "stage"),
        (lambda b: board_edit.add_swimlane(b, name="expedite"), "name"),
        (lambda b: board_edit.update_swimlane(b.swimlanes.first(), position=5), "position"),
        (lambda b: board_edit.set_person_limit(b, "many"), "person_wip_limit"),
    ],
)
def test_bad_edits_are_refused_naming_the_field_with_nothing_changed(board, call, field):
    before = _ledger(board)
    with pytest.raises(ValidationFailed) as refused:
        call(board)
    assert field in refused.value.errors
    assert _ledger(board) == before


def test_a_column_with_cards_is_removed_only_with_a_column_to_move_them_to(board, admin):
    for title in ("r1", "r2"):
        actions.create_card(board, title=title, column=column(board, "Review").pk, now=NOW)
    actions.create_card(board, title="d1", column=column(board, "Doing").pk, now=NOW)
    review, doing = column(board, "Review"), column(board, "Doing")
    before = _ledger(board)
    with pytest.raises(ValidationFailed) as refused:
        board_edit.remove_column(review, now=NOW)
    assert refused.value.errors == {
        "move_cards_to": "'Review' holds 2 cards; name the column they should move to"
    }
    with pytest.raises(ValidationFailed) as refused:
        board_edit.remove_column(review, now=NOW, move_cards_to=review.pk)
    assert refused.value.errors == {"move_cards_to": "is not another column of this board"}
    assert _ledger(board) == before

    assert board_edit.remove_column(review, now=NOW, move_cards_to=doing.pk, actor=admin) == 2
    assert not Column.objects.filter(pk=review.pk).exists()
    assert [c[0] for c in _columns(board)] == ["Backlog", "Doing", "Done"]
    assert [c[3] for c in _columns(board)] == [0, 1, 2]
    ordered = Card.objects.filter(column=doing).order_by("position", "id")
    assert list(ordered.values_list("title", "position")) == [
        ("d1", 1024),
        ("r1", 2048),
        ("r2", 3072),
    ]
    moves = CardEvent.objects.filter(kind="moved", to_column=doing)
    assert sorted(moves.values_list("card__title", "note")) == [
        ("r1", "column 'Review' removed"),
        ("r2", "column 'Review' removed"),
    ]


def test_an_empty_column_is_removed_without_a_target(board):
    assert board_edit.remove_column(column(board, "Review"), now=NOW) == 0
    assert [c[0] for c in _columns(board)] == ["Backlog", "Doing", "Done"]


def test_swimlanes_are_added_renamed_moved_and_removed_keeping_their_cards(board):
    expedite = board.swimlanes.get(name="Expedite")
    backlog = column(board, "Backlog")
    actions.create_card(board, title="plain", column=backlog.pk, now=NOW)
    actions.create_card(board, title="fast", column=backlog.pk, swimlane=expedite.pk, now=NOW)
    lane = board_edit.add_swimlane(board, name="Bugs", position=0)
    board_edit.update_swimlane(lane, name="Defects", position=2)
    assert list(board.swimlanes.values_list("name", "position")) == [
        ("Expedite", 0),
        ("Standard", 1),
        ("Defects", 2),
    ]
    assert board_edit.remove_swimlane(expedite) == 1
    assert not Swimlane.objects.filter(pk=expedite.pk).exists()
    assert list(board.swimlanes.values_list("name", "position")) == [
        ("Standard", 0),
        ("Defects", 1),
    ]
    assert list(
        Card.objects.filter(column=backlog, swimlane=None)
        .order_by("position", "id")
        .values_list("title", "position")
    ) == [("plain", 1024), ("fast", 2048)]


def test_the_limit_per_person_is_changed_and_audited(board):
    board_edit.set_person_limit(board, "")
    board.refresh_from_db()
    assert board.person_wip_limit is None
    entry = AuditEntry.objects.filter(action="board.limits").latest("id")
    assert (entry.before, entry.after) == ({"person_wip_limit": 2}, {"person_wip_limit": None})
