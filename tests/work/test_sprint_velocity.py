"""A sprint's report counts, for each earlier sprint of the board, the points of its cards
finished by that sprint's last day (a card finished after its sprint ended is not that
sprint's velocity), velocity is their mean, and the burnup counts the current sprint's
points day by day up to today."""

from datetime import UTC, date, datetime

import pytest

from pacer.work import actions, sprint_report, sprints
from tests.work.conftest import column

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, tzinfo=UTC)


def _finished_card(board, sprint, title, estimate, day):
    card = actions.create_card(board, title=title, estimate=estimate, now=_at(2))
    sprints.plan(card, sprint, now=_at(2))
    actions.move_card(card, column=column(board, "Done").pk, now=_at(day))


def test_velocity_counts_what_each_earlier_sprint_finished_in_time(board):
    s1, s2, s3 = (
        sprints.create_sprint(board, name=name, start=start, weeks=1, capacity=20)
        for name, start in [("S1", "2026-03-02"), ("S2", "2026-03-09"), ("S3", "2026-03-16")]
    )
    _finished_card(board, s1, "on time", 3, 4)
    _finished_card(board, s1, "late", 5, 10)  # after S1's last day (8 March)
    _finished_card(board, s2, "s2 work", 8, 12)
    _finished_card(board, s3, "today", 2, 17)

    report = sprint_report.sprint_report(s3, today=date(2026, 3, 17))

    assert [(sprint.name, points) for sprint, points in report.past] == [("S1", 3.0), ("S2", 8.0)]
    assert report.velocity == 5.5
    assert report.scope == 2.0
    assert report.done == [0.0, 2.0, None, None, None, None, None]
