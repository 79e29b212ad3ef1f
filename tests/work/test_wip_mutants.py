"""WIP-limit rules of ``pacer.work.actions.wip_breaches`` that stop 39's sample
(``3:2034``) showed no test pinned: each test here fails on the mutant named in
docs/testing.md (stop 40)."""

import pytest

from pacer.work import actions
from pacer.work.models import Card
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def test_the_limit_per_person_counts_only_the_cards_on_its_own_board(workspace, board, bob):
    other = actions.create_board(
        workspace,
        team="brand",
        slug="brand-two",
        name="Brand two",
        columns=[
            {"name": "To do", "stage": "todo"},
            {"name": "Doing", "stage": "doing"},
            {"name": "Done", "stage": "done"},
        ],
        person_wip_limit=5,
    )
    for title in ("x", "y"):  # bob's two in progress on the other board
        actions.create_card(
            other, title=title, column=column(other, "Doing").pk, assignee=bob.pk, now=NOW
        )
    doing = column(board, "Doing")

    assert actions.wip_breaches(board, doing, bob.pk, card_id=None) == {}
    card = actions.create_card(
        board, title="a", column=column(board, "Backlog").pk, assignee=bob.pk, now=NOW
    )
    actions.move_card(card, column=doing.pk, now=NOW)
    moved = Card.objects.get(pk=card.pk)
    assert moved.column_id == doing.pk
    assert moved.events.get(kind="moved").override_reason == ""
