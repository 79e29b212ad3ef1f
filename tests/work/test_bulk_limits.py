"""Bulk edit's WIP limits, edge by edge (``bulk._limits``): a column's limit is its own,
not the limit per person; the limit per person is the board's, counts only in-progress
columns and only that person's cards, where each selected card ends up (its new column,
its new assignee or nobody), and names only the cards that newly put the person in
progress; a board with no limit per person checks none; a reason given when nothing is
over is not recorded as an override. Each test kills a hand-made mutant of ``_limits``
that the older bulk tests let through (docs/testing.md)."""

import pytest

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, bulk
from pacer.work.models import Card, CardEvent
from tests.work.conftest import NOW, column
from tests.work.test_bulk import _cards, _state

pytestmark = pytest.mark.django_db

BOB_OVER = "bob would hold 3 cards in progress, the limit per person is 2"


@pytest.fixture
def carol(workspace):
    return core.create_user(workspace, "carol", "correct-horse-3", Role.MARKETER)


def _refused(board, cards, changes, **extra) -> dict:
    """The per-card refusal of a bulk change, checking that nothing was written."""
    before = _state()
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(board, [c.pk for c in cards], changes, now=NOW, **extra)
    assert _state() == before
    return refused.value.per_card


def _titles(**where) -> list[str]:
    return sorted(Card.objects.filter(**where).values_list("title", flat=True))


def test_a_column_is_held_to_its_own_limit_not_the_limit_per_person(board):
    doing = column(board, "Doing")  # WIP limit 2
    actions.set_limits(doing, wip_limit=2, person_wip_limit=5)
    a, b, c = _cards(board, "a", "b", "c")

    assert _refused(board, [a, b, c], {"column": doing.pk}) == {
        card.pk: {"column": "'Doing' would hold 3 cards, its WIP limit is 2"} for card in (a, b, c)
    }
    bulk.bulk_edit(board, [a.pk, b.pk], {"column": doing.pk}, now=NOW)  # exactly full
    assert _titles(column=doing) == ["a", "b"]


def test_the_limit_per_person_is_the_boards_not_a_columns(board, bob):
    review = column(board, "Review")  # in progress, no column limit
    actions.set_limits(column(board, "Doing"), wip_limit=2, person_wip_limit=3)
    cards = _cards(board, "a", "b", "c", "d", where="Review")

    assert _refused(board, cards, {"assignee": bob.pk}) == {
        card.pk: {"assignee": "bob would hold 4 cards in progress, the limit per person is 3"}
        for card in cards
    }
    bulk.bulk_edit(board, [c.pk for c in cards[:3]], {"assignee": bob.pk}, now=NOW)
    assert _titles(assignee=bob, column=review) == ["a", "b", "c"]


def test_only_the_persons_in_progress_cards_on_this_board_count(board, bob, carol, workspace):
    other = actions.create_board(
        workspace,
        team="product",
        slug="other",
        name="Other",
        columns=[
            {"name": "To do", "stage": "todo"},
            {"name": "Doing", "stage": "doing"},
            {"name": "Done", "stage": "done"},
        ],
    )
    theirs = other.columns.get(name="Doing").pk
    for title in ("elsewhere 1", "elsewhere 2"):
        actions.create_card(other, title=title, column=theirs, assignee=bob.pk, now=NOW)
    _cards(board, "waiting 1", "waiting 2", assignee=bob.pk)  # bob's, not in progress
    _cards(board, "carol's", where="Review", assignee=carol.pk)
    a, b = _cards(board, "a", "b", where="Review")

    bulk.bulk_edit(board, [a.pk, b.pk], {"assignee": bob.pk}, now=NOW)  # bob: 2 in progress

    assert _titles(board=board, assignee=bob, column__stage="doing") == ["a", "b"]


def test_selected_cards_count_where_they_end_up(board, bob):
    review = column(board, "Review")
    [held] = _cards(board, "held", where="Review", assignee=bob.pk)
    [started] = _cards(board, "started", where="Review")
    [staying] = _cards(board, "staying")

    # given to bob: one card in progress, one left in the backlog: bob holds 2
    bulk.bulk_edit(board, [started.pk, staying.pk], {"assignee": bob.pk}, now=NOW)
    assert _titles(assignee=bob, column=review) == ["held", "started"]
    # bob's backlog card moved into progress: he would hold 3
    assert _refused(board, [staying], {"column": review.pk}) == {staying.pk: {"assignee": BOB_OVER}}


def test_cards_moved_into_progress_for_nobody_count_for_no_one(board, bob):
    review = column(board, "Review")
    _cards(board, "held 1", "held 2", where="Review", assignee=bob.pk)
    a, b = _cards(board, "a", "b", assignee=bob.pk)

    bulk.bulk_edit(board, [a.pk, b.pk], {"assignee": None, "column": review.pk}, now=NOW)

    assert _titles(column=review, assignee=None) == ["a", "b"]


def test_only_the_cards_that_newly_put_the_person_in_progress_are_named(board, bob):
    held_1, held_2 = _cards(board, "held 1", "held 2", where="Review", assignee=bob.pk)
    [new] = _cards(board, "new", where="Review")
    [waiting] = _cards(board, "waiting")

    assert _refused(board, [held_1, new, waiting], {"assignee": bob.pk}) == {
        new.pk: {"assignee": BOB_OVER}
    }


def test_a_board_without_a_limit_per_person_checks_none(board, bob):
    doing = column(board, "Doing")
    actions.set_limits(doing, wip_limit=2, person_wip_limit=None)
    _cards(board, "held 1", "held 2", where="Review", assignee=bob.pk)
    a, b = _cards(board, "a", "b")

    outcome = bulk.bulk_edit(board, [a.pk, b.pk], {"assignee": bob.pk, "column": doing.pk}, now=NOW)

    assert outcome.over_limit is False
    assert _titles(assignee=bob, column__stage="doing") == ["a", "b", "held 1", "held 2"]


def test_a_reason_given_inside_the_limits_is_not_recorded(board, admin):
    doing = column(board, "Doing")
    a, b = _cards(board, "a", "b")

    outcome = bulk.bulk_edit(
        board,
        [a.pk, b.pk],
        {"column": doing.pk},
        override_reason="just in case",
        now=NOW,
        actor=admin,
    )

    assert outcome.over_limit is False
    moves = CardEvent.objects.filter(kind="moved").order_by("card__title")
    assert [(m.card.title, m.override_reason) for m in moves] == [("a", ""), ("b", "")]
    bulk_actions = ["card.bulk_edit", "card.wip_override", "card.capacity_override"]
    audited = AuditEntry.objects.filter(action__in=bulk_actions).values_list("action", flat=True)
    assert list(audited) == ["card.bulk_edit", "card.bulk_edit"]
