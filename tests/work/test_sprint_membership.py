"""Sprint membership history: each card's joining and leaving of each sprint is recorded
(``SprintMembership``), and a sprint's daily scope, burndown and burnup come from it. A card
taken to the backlog or moved to another sprint leaves the scope from that day; the days
before keep it (a chart already drawn does not change). A card planned in mid-sprint joins
the scope on its day."""

from datetime import UTC, date, datetime

import pytest

from pacer.core.errors import ValidationFailed
from pacer.work import actions, sprint_report, sprints
from pacer.work.models import SprintMembership
from tests.work.conftest import column

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def s1(board):
    """S1, Monday 2 to Sunday 8 March, capacity 20, with a (3), b (5) and c (2), planned
    on 1 March."""
    found = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=20)
    for title, points in (("a", 3), ("b", 5), ("c", 2)):
        card = actions.create_card(board, title=title, estimate=points, now=_at(1))
        sprints.plan(card, found, now=_at(1))
    return found


def _card(board, title):
    return board.cards.get(title=title)


def _stays(card):
    return list(
        SprintMembership.objects.filter(card=card).values_list(
            "sprint__name", "joined_at", "left_at"
        )
    )


def test_to_the_backlog_leaves_the_scope_from_that_day_and_keeps_the_days_before(board, s1):
    actions.move_card(_card(board, "b"), column=column(board, "Done").pk, now=_at(3))
    before = sprint_report.sprint_report(s1, today=date(2026, 3, 4))
    assert before.scope_by_day == [10.0] * 7
    assert before.remaining == [10.0, 5.0, 5.0, None, None, None, None]
    assert before.done == [0.0, 5.0, 5.0, None, None, None, None]

    sprints.plan(_card(board, "b"), None, now=_at(5))

    after = sprint_report.sprint_report(s1, today=date(2026, 3, 4))
    assert after.remaining == before.remaining and after.done == before.done
    #                              2     3     4     5    6    7    8 March
    assert after.scope_by_day == [10.0, 10.0, 10.0, 5.0, 5.0, 5.0, 5.0]
    later = sprint_report.sprint_report(s1, today=date(2026, 3, 6))
    assert later.remaining == [10.0, 5.0, 5.0, 5.0, 5.0, None, None]
    assert later.done == [0.0, 5.0, 5.0, 0.0, 0.0, None, None]
    assert later.ideal[0] == 10.0
    assert _stays(_card(board, "b")) == [("S1", _at(1), _at(5))]


def test_moving_a_card_to_another_sprint_counts_it_in_each_on_its_days(board, s1):
    s2 = sprints.create_sprint(board, name="S2", start="2026-03-09", weeks=1, capacity=20)

    sprints.plan(_card(board, "c"), s2, now=_at(6))

    report = sprint_report.sprint_report(s1, today=date(2026, 3, 8))
    assert report.scope_by_day == [10.0, 10.0, 10.0, 10.0, 8.0, 8.0, 8.0]
    assert report.remaining == [10.0, 10.0, 10.0, 10.0, 8.0, 8.0, 8.0]
    following = sprint_report.sprint_report(s2, today=date(2026, 3, 15))
    assert following.scope_by_day == [2.0] * 7
    assert _stays(_card(board, "c")) == [("S1", _at(1), _at(6)), ("S2", _at(6), None)]


def test_a_card_planned_in_mid_sprint_joins_the_scope_on_its_day(board, s1):
    late = actions.create_card(board, title="late", estimate=4, now=_at(1))
    sprints.plan(late, s1, now=_at(4, 23))

    report = sprint_report.sprint_report(s1, today=date(2026, 3, 8))

    assert report.scope_by_day == [10.0, 10.0, 14.0, 14.0, 14.0, 14.0, 14.0]
    assert report.ideal[0] == 10.0


def test_out_and_back_in_counts_only_the_days_it_was_in(board, s1):
    b = _card(board, "b")
    sprints.plan(b, None, now=_at(3))
    sprints.plan(b, s1, now=_at(6))
    sprints.plan(b, None, now=_at(6, 18))  # out again the same day: out on that day

    report = sprint_report.sprint_report(s1, today=date(2026, 3, 8))

    assert report.scope_by_day == [10.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert _stays(b) == [("S1", _at(1), _at(3)), ("S1", _at(6), _at(6, 18))]


def test_completing_carries_cards_on_the_completion_day_and_not_before(board, s1):
    s2 = sprints.create_sprint(board, name="S2", start="2026-03-09", weeks=1, capacity=20)
    actions.move_card(_card(board, "a"), column=column(board, "Done").pk, now=_at(3))
    sprints.plan(_card(board, "b"), None, now=_at(4))

    s1 = sprints.complete_sprint(s1, to=s2.pk, now=_at(6))

    report = sprint_report.sprint_report(s1, today=date(2026, 3, 8))
    # b left on 4 March; c, carried on the 6th, stays in S1's scope to its last day shown
    assert report.scope_by_day == [10.0, 10.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert report.remaining == [10.0, 7.0, 2.0, 2.0, 2.0, None, None]
    assert _stays(_card(board, "c")) == [("S1", _at(1), _at(6)), ("S2", _at(6), None)]
    assert sprint_report.sprint_report(s2, today=date(2026, 3, 15)).scope_by_day == [2.0] * 7


def test_a_refused_plan_records_no_membership(board, s1):
    big = actions.create_card(board, title="big", estimate=11, now=_at(1))
    with pytest.raises(ValidationFailed):
        sprints.plan(big, s1, now=_at(3))
    assert _stays(big) == []
    assert SprintMembership.objects.count() == 3
