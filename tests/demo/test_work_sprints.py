"""The demo's sprints: the two finished ones completed at the end of their last day, with
what they finished as their velocity; the running one's burndown starts from all its
points, planned at the start of its first day."""

from datetime import UTC, date, datetime

import pytest
from django.db.models import Sum

from pacer.demo.work import load_work
from pacer.work import selectors, sprint_report

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 10, tzinfo=UTC)


def test_the_finished_sprints_are_completed_and_the_running_one_starts_full(workspace):
    load_work(workspace, now=NOW)
    brand = selectors.board(workspace, "brand-board")
    one, two, three = brand.sprints.order_by("start")

    for done in (one, two):
        planned = done.cards.aggregate(total=Sum("estimate"))["total"]
        assert done.completed_at == datetime.combine(done.end, datetime.min.time(), UTC).replace(
            hour=23, minute=59
        )
        assert done.done_points == planned > 0
        assert {what for _, _, what in done.outcome} == {"done"}
    assert three.completed_at is None
    report = sprint_report.sprint_report(three, today=date(2026, 3, 4))
    planned = three.cards.aggregate(total=Sum("estimate"))["total"]
    assert report.scope_by_day[0] == planned
    assert [points for _, points in report.past] == [one.done_points, two.done_points]
