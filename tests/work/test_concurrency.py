"""A WIP limit holds under concurrency: two moves racing for a column's last free place,
each in its own connection, and only one succeeds.

The first move commits only after the second has started: without the board's row lock
the second would count the column before the first committed, see a free place and move
too (two cards over a limit of one). With the lock it waits for the first to commit, then
counts it and is refused. PostgreSQL only: SQLite has no row locks (it runs one writer
at a time, so the race cannot arise there).
"""

import threading
import time

import pytest
from django.db import connection, transaction

from pacer.work import actions
from pacer.work.models import Card
from tests.work.conftest import NOW

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]

HOLD_SECONDS = 1.0


def test_two_racing_moves_into_the_last_free_place_let_exactly_one_through(workspace):
    board = actions.create_board(
        workspace,
        team="brand",
        slug="race",
        name="Race",
        columns=[
            {"name": "Backlog", "stage": "todo"},
            {"name": "Doing", "stage": "doing", "wip_limit": 1},
            {"name": "Done", "stage": "done"},
        ],
    )
    backlog, doing = board.columns.get(name="Backlog"), board.columns.get(name="Doing")
    first, second = (
        actions.create_card(board, title=t, column=backlog.pk, now=NOW) for t in ("first", "second")
    )
    first_moved = threading.Event()
    outcomes: dict[str, str] = {}

    def move_and_hold():
        try:
            with transaction.atomic():
                actions.move_card(first, column=doing.pk, now=NOW)
                first_moved.set()
                time.sleep(HOLD_SECONDS)  # the second move starts while this is uncommitted
            outcomes["first"] = "moved"
        finally:
            first_moved.set()
            connection.close()

    def move_while_the_first_is_open():
        first_moved.wait()
        try:
            actions.move_card(second, column=doing.pk, now=NOW)
            outcomes["second"] = "moved"
        except actions.WipLimitExceeded:
            outcomes["second"] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move_and_hold),
        threading.Thread(target=move_while_the_first_is_open),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {"first": "moved", "second": "refused"}
    assert list(Card.objects.filter(column=doing).values_list("title", flat=True)) == ["first"]
    assert Card.objects.get(title="second").column == backlog
