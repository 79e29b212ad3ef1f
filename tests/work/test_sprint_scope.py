"""Archived cards in sprints: a card leaves its sprint's scope, burndown and burnup from the
day it was archived and is back in from the day it was restored (the days before stay as
they were); it counts in neither the sprint's planned points nor its capacity."""

from datetime import UTC, date, datetime

import pytest

from pacer.core.errors import ValidationFailed
from pacer.work import actions, archive, selectors, sprint_report, sprints
from tests.work.conftest import column

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, tzinfo=UTC)


@pytest.fixture
def sprint(board):
    """S1, Monday 2 to Sunday 8 March, capacity 20, with a (3), b (5) and c (2)."""
    found = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=20)
    for title, points in (("a", 3), ("b", 5), ("c", 2)):
        card = actions.create_card(board, title=title, estimate=points, now=_at(1))
        sprints.plan(card, found, now=_at(1))
    return found


def _card(board, title):
    return board.cards.get(title=title)


def _history(board):
    """a archived on 3 March, restored on 5; b done on 4; c done on 3, archived on 6."""
    done = column(board, "Done").pk
    archive.archive_card(_card(board, "a"), now=_at(3))
    archive.restore_card(_card(board, "a"), now=_at(5))
    actions.move_card(_card(board, "b"), column=done, now=_at(4))
    actions.move_card(_card(board, "c"), column=done, now=_at(3))
    archive.archive_card(_card(board, "c"), now=_at(6))


def test_an_archived_card_leaves_the_scope_from_its_day_and_comes_back_when_restored(board, sprint):
    _history(board)

    report = sprint_report.sprint_report(sprint, today=date(2026, 3, 8))

    #                        2     3    4     5     6    7    8 March
    assert report.scope_by_day == [10.0, 7.0, 7.0, 10.0, 8.0, 8.0, 8.0]
    assert report.done == [0.0, 2.0, 7.0, 7.0, 5.0, 5.0, 5.0]
    assert report.remaining == [10.0, 5.0, 0.0, 3.0, 3.0, 3.0, 3.0]
    assert report.scope == 8.0
    assert report.ideal[0] == 10.0 and report.ideal[-1] == 0.0


def test_days_before_an_archiving_keep_their_figures(board, sprint):
    actions.move_card(_card(board, "c"), column=column(board, "Done").pk, now=_at(3))
    before = sprint_report.sprint_report(sprint, today=date(2026, 3, 5))
    archive.archive_card(_card(board, "c"), now=_at(6))

    after = sprint_report.sprint_report(sprint, today=date(2026, 3, 5))

    assert before.done == after.done == [0.0, 2.0, 2.0, 2.0, None, None, None]
    assert before.remaining == after.remaining == [10.0, 8.0, 8.0, 8.0, None, None, None]
    assert after.scope_by_day == [10.0, 10.0, 10.0, 10.0, 8.0, 8.0, 8.0]


def test_planned_points_and_capacity_leave_archived_cards_out(board, sprint):
    archive.archive_card(_card(board, "b"), now=_at(3))
    [listed] = selectors.sprints(board)
    assert (listed.planned, listed.card_count) == (5, 2)
    assert sprints.planned_points(sprint) == 5
    big = actions.create_card(board, title="big", estimate=16, now=_at(3))
    with pytest.raises(ValidationFailed) as refused:
        sprints.plan(big, sprint)
    assert refused.value.errors == {
        "sprint": "'S1' has 5 of 20 points planned; this card's 16 would go over its capacity"
    }
    fits = actions.create_card(board, title="fits", estimate=15, now=_at(3))
    assert sprints.plan(fits, sprint).sprint_id == sprint.pk


def test_velocity_of_an_earlier_sprint_leaves_out_what_was_archived_by_its_end(board, sprint):
    _history(board)
    later = sprints.create_sprint(board, name="S2", start="2026-03-09", weeks=1, capacity=20)

    report = sprint_report.sprint_report(later, today=date(2026, 3, 9))

    assert [(s.name, points) for s, points in report.past] == [("S1", 5.0)]
    assert report.velocity == 5.0


def test_the_sprint_api_gives_the_days_figures(api, board, sprint):
    _history(board)
    answer = api("get", f"/sprints/{sprint.pk}").json()
    assert answer["planned"] == 8
    assert answer["scope"] == [10.0, 7.0, 7.0, 10.0, 8.0, 8.0, 8.0]
    assert answer["done"][:7] == [0.0, 2.0, 7.0, 7.0, 5.0, 5.0, 5.0]
