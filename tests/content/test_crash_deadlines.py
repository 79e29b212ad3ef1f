"""Deadline tasks survive kills: a real ``deadline_tasks`` process (the
``content-deadline-tasks`` loop) is killed with SIGKILL between making a deadline's card
on the team's board and recording it (``DeadlineTask``), before COMMIT, at the first and
the third deadline.

The guarantee: a deadline's card and its record are made together or not at all, so
after each kill every card on the board is recorded (its reference the card) and every
record has its card; a rerun makes the rest, and the board ends with one card per
deadline, as an undisturbed run leaves it."""

from datetime import UTC, date, datetime

import pytest

from pacer.content import actions
from pacer.content.models import DeadlineTask
from tests.core.loop_processes import SIGKILL, run_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
LOOP = "pacer.content.tasks.deadline_tasks"


def board_state(workspace) -> tuple[list, list]:
    """(cards: title, due day, reference; records: key, reference), sorted."""
    from pacer.work.selectors import board, cards

    found = sorted((c.title, c.due, f"card:{c.pk}") for c in cards(board(workspace, "brand-board")))
    records = sorted(DeadlineTask.objects.values_list("key", "reference"))
    return found, records


def test_a_killed_run_makes_each_card_with_its_record_or_neither(workspace, team, admin):
    from pacer.work import actions as work

    work.create_board(
        workspace,
        team="brand",
        slug="brand-board",
        name="Brand board",
        columns=[{"name": "Backlog", "stage": "todo"}, {"name": "Done", "stage": "done"}],
        actor=admin,
    )
    items = [
        actions.create_item(
            workspace,
            title=f"Post {n}",
            kind="blog_post",
            owner=team["editor"],
            team="brand",
            due_on=f"2026-06-0{n + 2}",
        )
        for n in range(4)
    ]
    expected = [(f"Ready: Post {n}", date(2026, 6, n + 2)) for n in range(4)]

    def check(made: int) -> None:
        found, records = board_state(workspace)
        assert [(title, due) for title, due, _ in found] == expected[:made]
        by_key = {f"content-{items[n].pk}-due": n for n in range(4)}
        assert sorted((by_key[key], reference) for key, reference in records) == [
            (n, reference) for n, (_, _, reference) in enumerate(found)
        ]

    status, output = run_loop(LOOP, AT, fault="content.deadline.carded:1")
    assert status == SIGKILL, output
    check(0)
    status, output = run_loop(LOOP, AT, fault="content.deadline.carded:3")
    assert status == SIGKILL, output
    check(2)
    assert run_loop(LOOP, AT) == (0, "2\n")
    check(4)
    assert run_loop(LOOP, AT) == (0, "0\n")
    check(4)
