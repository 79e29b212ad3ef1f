"""Estimate history: re-estimating a card is a scope change on its day (as in Jira). Each
day of a sprint's burndown counts a card with the estimate that held at the end of that
day, so the days before a re-estimate keep their figures."""

from datetime import UTC, date, datetime

import pytest

from pacer.work import actions, bulk, sprint_report, sprints
from pacer.work.models import EstimateChange
from tests.work.conftest import column

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def sprint(board):
    """S1, Monday 2 to Sunday 8 March, capacity 40, with a (3) and b (5)."""
    found = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=40)
    for title, points in (("a", 3), ("b", 5)):
        card = actions.create_card(board, title=title, estimate=points, now=_at(1))
        sprints.plan(card, found, now=_at(1))
    return found


def _card(board, title):
    return board.cards.get(title=title)


def test_a_re_estimate_changes_the_scope_from_its_day_only(board, sprint):
    actions.update_card(_card(board, "a"), estimate=8, now=_at(4))  # 3 -> 8 on Wednesday
    actions.move_card(_card(board, "b"), column=column(board, "Done").pk, now=_at(5))
    # b: 5 -> 2 on Friday, twice that day: the last one holds at the day's end
    actions.update_card(_card(board, "b"), estimate=1, now=_at(6, 9))
    actions.update_card(_card(board, "b"), estimate=2, now=_at(6, 15))

    report = sprint_report.sprint_report(sprint, today=date(2026, 3, 8))

    #                               2    3     4     5     6     7     8 March
    assert report.scope_by_day == [8.0, 8.0, 13.0, 13.0, 10.0, 10.0, 10.0]
    assert report.done == [0.0, 0.0, 0.0, 5.0, 2.0, 2.0, 2.0]
    assert report.remaining == [8.0, 8.0, 13.0, 8.0, 8.0, 8.0, 8.0]
    assert report.scope == 10.0
    assert report.ideal[0] == 8.0


def test_days_before_a_re_estimate_keep_their_figures(board, sprint):
    before = sprint_report.sprint_report(sprint, today=date(2026, 3, 4))
    actions.update_card(_card(board, "b"), estimate=13, now=_at(5))

    after = sprint_report.sprint_report(sprint, today=date(2026, 3, 4))

    assert before.remaining == after.remaining == [8.0, 8.0, 8.0, None, None, None, None]
    assert after.scope_by_day == [8.0, 8.0, 8.0, 16.0, 16.0, 16.0, 16.0]


def test_a_bulk_re_estimate_and_removing_an_estimate_are_recorded(board, sprint, admin):
    a, b = _card(board, "a"), _card(board, "b")
    bulk.bulk_edit(board, [a.pk, b.pk], {"estimate": 4}, now=_at(3), actor=admin)
    actions.update_card(_card(board, "a"), estimate="", now=_at(5))
    actions.update_card(_card(board, "a"), title="a again", now=_at(6))  # no estimate change

    changes = EstimateChange.objects.order_by("at", "id")
    assert [(c.card.title, c.before, c.after, c.at) for c in changes] == [
        ("a again", 3, 4, _at(3)),
        ("b", 5, 4, _at(3)),
        ("a again", 4, None, _at(5)),
    ]
    report = sprint_report.sprint_report(sprint, today=date(2026, 3, 8))
    assert report.scope_by_day == [8.0, 8.0, 8.0, 4.0, 4.0, 4.0, 4.0]


def test_a_completed_sprint_ignores_re_estimates_after_it_closed(board, sprint):
    actions.move_card(_card(board, "a"), column=column(board, "Done").pk, now=_at(3))
    actions.update_card(_card(board, "a"), estimate=6, now=_at(4))
    sprints.complete_sprint(sprint, to="backlog", now=_at(6))
    actions.update_card(_card(board, "a"), estimate=20, now=_at(7))
    sprint.refresh_from_db()

    report = sprint_report.sprint_report(sprint, today=date(2026, 3, 8))

    assert report.scope_by_day == [8.0, 8.0, 11.0, 11.0, 11.0, 11.0, 11.0]
    assert report.done[:5] == [0.0, 3.0, 6.0, 6.0, 6.0]
    assert sprint_report.velocity_points(sprint) == 6.0
