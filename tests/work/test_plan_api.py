"""Planning a card over the REST API (``POST /api/work/cards/{id}/plan``), as the sprint
page's Add and To backlog: into a sprint within its capacity, refused at ``estimate`` or
``sprint`` with nothing written, back to the backlog with ``null``; each recorded in the
sprint's membership history."""

from datetime import date

import pytest

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.work import actions, sprints
from pacer.work.models import Board, Card, Sprint, SprintMembership
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def s1(board):
    return sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=5)


def _written():
    return (
        sorted(Card.objects.values_list("pk", "sprint_id")),
        SprintMembership.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_card_is_planned_and_taken_back_to_the_backlog(api, board, s1):
    card = actions.create_card(board, title="a", estimate=3, now=NOW)

    planned = api("post", f"/cards/{card.pk}/plan", {"sprint": s1.pk})
    assert planned.status_code == 200 and planned.json()["sprint"] == s1.pk
    back = api("post", f"/cards/{card.pk}/plan", {"sprint": None})

    assert back.status_code == 200 and back.json()["sprint"] is None
    [(joined, left)] = SprintMembership.objects.filter(card=card, sprint=s1).values_list(
        "joined_at", "left_at"
    )
    assert joined <= left and left.tzinfo is not None


def test_refusals_name_the_field_and_write_nothing(api, board, s1):
    big = actions.create_card(board, title="big", estimate=6, now=NOW)
    loose = actions.create_card(board, title="loose", now=NOW)
    elsewhere = core.create_workspace("Other", slug="other")
    their_board = Board.objects.create(workspace=elsewhere, team="x", slug="x", name="X")
    theirs = Sprint.objects.create(
        workspace=elsewhere,
        board=their_board,
        name="T",
        start=date(2026, 3, 2),
        end=date(2026, 3, 8),
        capacity=50,
    )
    before = _written()

    over = api("post", f"/cards/{big.pk}/plan", {"sprint": s1.pk})
    unestimated = api("post", f"/cards/{loose.pk}/plan", {"sprint": s1.pk})
    foreign = api("post", f"/cards/{big.pk}/plan", {"sprint": theirs.pk})

    assert (over.status_code, over.json()["errors"]) == (
        422,
        {"sprint": "'S1' has 0 of 5 points planned; this card's 6 would go over its capacity"},
    )
    assert (unestimated.status_code, unestimated.json()["errors"]) == (
        422,
        {"estimate": "estimate the card before planning it"},
    )
    assert foreign.status_code == 404 and list(foreign.json()["errors"]) == ["sprint_id"]
    assert _written() == before
