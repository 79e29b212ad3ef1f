"""A Kanban board of 5,000 cards: the board page, a move to the top of its 4,500-card
column, a move between two cards in the middle of it, and the renumbering of that column
(whole requests through the test client: gate, lock, write, JSON answer, template).

    .venv/bin/python benchmarks/work_board.py [CARDS] [RUNS]

Defaults: 5,000 cards (90 % in the Backlog column, the rest in Doing, Review and Done,
one card in ten with a checklist item and a comment), 30 runs of each. Prints the median,
p95 and fastest wall time of each, and the median and p95 of the process's CPU time (the
figure to read on a loaded machine). Targets (issue 15): board page p95 <= 300 ms, a move <= 100 ms.
SQLite by default; ``PACER_BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

import statistics
import sys
import time
from datetime import UTC, datetime

from _common import django_in_temp_dir

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def timed(call, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds (this process's CPU time: on a loaded machine the wall
    time is mostly waiting for a core) of each of ``runs`` calls, after one to warm."""
    call()  # warm
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return walls, cpus


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def show(label: str, measured: tuple[list[float], list[float]]) -> None:
    walls, cpus = measured
    print(
        f"{label:<52} wall median {statistics.median(walls):7.1f} p95 {_p95(walls):7.1f}"
        f" min {min(walls):6.1f} ms | CPU median {statistics.median(cpus):6.1f}"
        f" p95 {_p95(cpus):6.1f} ms"
    )


def build(cards: int):
    """A workspace with one board of ``cards`` cards, positioned as the actions space them."""
    from django.db import connection

    from pacer.core import actions as core
    from pacer.work import actions
    from pacer.work.models import Card, ChecklistItem, Comment
    from pacer.work.ordering import GAP

    workspace = core.create_workspace("Bench", slug="bench")
    admin = core.create_user(workspace, "bench", "long-password-1", "admin")
    board = actions.create_board(
        workspace,
        team="brand",
        slug="big",
        name="Big board",
        columns=[
            {"name": "Backlog", "stage": "todo"},
            {"name": "Doing", "stage": "doing"},
            {"name": "Review", "stage": "doing"},
            {"name": "Done", "stage": "done"},
        ],
    )
    columns = list(board.columns.all())
    backlog = int(cards * 0.9)
    rest = cards - backlog
    shares = [backlog, rest // 3, rest // 3, rest - 2 * (rest // 3)]
    started = time.perf_counter()
    rows = []
    for column, count in zip(columns, shares, strict=True):
        rows += [
            Card(
                workspace=workspace,
                board=board,
                column=column,
                position=(index + 1) * GAP,
                title=f"{column.name} card {index}",
                assignee=admin if index % 3 == 0 else None,
                estimate=index % 8,
                created_at=NOW,
            )
            for index in range(count)
        ]
    created = Card.objects.bulk_create(rows, batch_size=2000)
    ChecklistItem.objects.bulk_create(
        (ChecklistItem(card=c, text="check", position=0) for c in created[::10]), batch_size=2000
    )
    Comment.objects.bulk_create(
        (Comment(card=c, author=admin, body="note", created_at=NOW) for c in created[::10]),
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{cards:,} cards ({shares[0]:,} in Backlog) written in "
        f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
    )
    return admin, board, columns


def main(cards: int = 5_000, runs: int = 30) -> None:
    django_in_temp_dir("pacer-bench-work-")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pacer.work import ordering
    from pacer.work.models import Card

    admin, board, (backlog, doing, _, _) = build(cards)
    client = Client()
    client.force_login(admin)

    def page():
        response = client.get("/work/boards/big/")
        assert response.status_code == 200, response.status_code

    movers = list(Card.objects.filter(column=doing).order_by("position", "id")[: runs + 1])

    def move(card, **where):
        response = client.post(
            f"/work/cards/{card.pk}/move/", where, HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 200, response.content

    to_top = iter(movers)
    tops = timed(lambda: move(next(to_top), column=backlog.pk, position=0), runs)
    middle = Card.objects.filter(column=backlog).order_by("position", "id")[cards // 4]
    back = iter(Card.objects.filter(column=backlog).order_by("position", "id")[: runs + 1])
    # each move lands just above the same card: the gap halves each time, and about every
    # tenth move finds no integer left and renumbers the 4,500-card cell
    into_gap = timed(lambda: move(next(back), column=backlog.pk, before=middle.pk), runs)

    show(f"board page ({cards:,} cards)", timed(page, runs))
    show(
        f"move to the top of the {Card.objects.filter(column=backlog).count():,}-card column", tops
    )
    show("move into one gap again and again (some renumber)", into_gap)
    show(
        "renumber the whole column (one UPDATE)",
        timed(lambda: ordering.renumber(backlog.pk, None), runs),
    )
    with CaptureQueriesContext(connection) as page_queries:
        page()
    last = Card.objects.filter(column=doing).order_by("-position", "-id").first()
    with CaptureQueriesContext(connection) as move_queries:
        move(last, column=backlog.pk, position=0)
    print(f"queries: board page {len(page_queries)}, move {len(move_queries)}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
