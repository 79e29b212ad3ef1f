"""The stand-up's "done" covers the last working day: yesterday from Tuesday to Friday,
Friday on a Monday (and on a weekend), so Monday's stand-up reports Friday's work; the
page says which day."""

from datetime import UTC, datetime

import pytest

from pacer.core import clock
from pacer.work import actions, selectors
from tests.work.conftest import column

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)  # 2 March 2026 is a Monday


@pytest.mark.parametrize(
    "today, since",
    [
        (_at(10), _at(9, 0)),  # Tuesday: Monday
        (_at(9), _at(6, 0)),  # Monday: Friday
        (_at(8), _at(6, 0)),  # Sunday: Friday
        (_at(7), _at(6, 0)),  # Saturday: Friday
    ],
)
def test_done_starts_at_the_last_working_day(today, since):
    assert selectors.standup_since(today) == since


def test_mondays_standup_shows_fridays_work(ada, board, bob, monkeypatch):
    done = column(board, "Done").pk
    for title, day in (("Thursday's", 5), ("Friday's", 6), ("Sunday's", 8)):
        card = actions.create_card(board, title=title, assignee=bob.pk, now=_at(2))
        actions.move_card(card, column=done, now=_at(day, 16))

    [entry] = selectors.standup(board, now=_at(9))

    assert [c.title for c in entry.done] == ["Friday's", "Sunday's"]
    monkeypatch.setattr(clock, "now", lambda: _at(9))
    page = ada.get("/work/boards/brand-board/standup/").content.decode()
    assert "<h3>Done since Friday</h3>" in page and "Thursday&#x27;s" not in page
    monkeypatch.setattr(clock, "now", lambda: _at(10))
    assert "<h3>Done since yesterday</h3>" in ada.get("/work/boards/brand-board/standup/").text
