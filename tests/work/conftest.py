from datetime import UTC, datetime

import pytest

from pacer.core import actions as core
from pacer.core.roles import Role
from pacer.work import actions

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def board(workspace, admin):
    """Brand's board: Backlog, Doing (limit 2), Review, Done; 2 cards per person."""
    return actions.create_board(
        workspace,
        team="brand",
        slug="brand-board",
        name="Brand board",
        columns=[
            {"name": "Backlog", "stage": "todo"},
            {"name": "Doing", "stage": "doing", "wip_limit": 2},
            {"name": "Review", "stage": "doing"},
            {"name": "Done", "stage": "done"},
        ],
        swimlanes=["Expedite", "Standard"],
        person_wip_limit=2,
        actor=admin,
    )


@pytest.fixture
def bob(workspace):
    return core.create_user(workspace, "bob", "correct-horse-2", Role.MARKETER)


def column(board, name):
    return board.columns.get(name=name)
