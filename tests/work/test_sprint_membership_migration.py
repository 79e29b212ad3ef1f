"""Work migration 0010 records the sprint membership that existed before it: each card in
a sprint joined it at the start of its first day (so its charts stay as they were drawn),
and each card a completed sprint carried on to another was in it until it was completed.
A card in no sprint gets no row."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pacer.work.models import SprintMembership

MADE = datetime(2026, 3, 1, 9, tzinfo=UTC)
DONE = datetime(2026, 3, 6, 17, tzinfo=UTC)
BEFORE = ("work", "0009_sprint_completion")
pytestmark = pytest.mark.migrations  # migrates the database itself


@pytest.mark.django_db(transaction=True)
def test_migration_0010_records_each_cards_sprint_from_its_first_day(workspace):
    executor = MigrationExecutor(connection)
    before = [
        BEFORE if app == "work" else (app, name) for app, name in executor.loader.graph.leaf_nodes()
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    board = old.get_model("work", "Board").objects.create(
        workspace_id=workspace.pk, team="brand", slug="b", name="B"
    )
    column = old.get_model("work", "Column").objects.create(
        board=board, name="To do", position=0, stage="todo"
    )
    Sprint, Card = old.get_model("work", "Sprint"), old.get_model("work", "Card")
    s1 = Sprint.objects.create(
        workspace_id=workspace.pk,
        board=board,
        name="S1",
        start=date(2026, 3, 2),
        end=date(2026, 3, 8),
        capacity=20,
    )
    s2 = Sprint.objects.create(
        workspace_id=workspace.pk,
        board=board,
        name="S2",
        start=date(2026, 3, 9),
        end=date(2026, 3, 15),
        capacity=20,
    )
    cards = {
        title: Card.objects.create(
            workspace_id=workspace.pk,
            board=board,
            column=column,
            title=title,
            estimate=3,
            created_at=MADE,
            sprint=sprint,
        )
        for title, sprint in (("done", s1), ("carried", s2), ("loose", None), ("next", s2))
    }
    s1.completed_at, s1.done_points, s1.carried_to = DONE, 3, s2
    s1.outcome = [[cards["done"].pk, 3, "done"], [cards["carried"].pk, 3, "carried"]]
    s1.save()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = SprintMembership.objects.values_list(
        "card__title", "sprint__name", "joined_at", "left_at"
    )
    first_of = {"S1": datetime(2026, 3, 2, tzinfo=UTC), "S2": datetime(2026, 3, 9, tzinfo=UTC)}
    assert sorted(rows) == sorted(
        [
            ("done", "S1", first_of["S1"], None),
            ("carried", "S1", first_of["S1"], DONE),
            ("carried", "S2", first_of["S2"], None),
            ("next", "S2", first_of["S2"], None),
        ]
    )
    assert set(SprintMembership.objects.values_list("workspace_id", flat=True)) == {workspace.pk}
