"""Ids too large for a 64-bit integer in the card forms and the bulk form are refused at
the field, not a 500: SQLite raises OverflowError for such a number in a query
(``pk__in``), where Django answers an exact lookup with no rows (found by
scripts/hostile_forms.py on SQLite)."""

import pytest
from django.test import Client

from pacer.core import clock
from pacer.work import actions
from pacer.work.models import CardLabel
from tests.work.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
HUGE = "1" * 23
PASSWORD = "correct-horse-1"


@pytest.fixture
def ada(admin, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "op, field, reason",
    [
        ("label_add", "add", f"{HUGE}: not a label of this board"),
        ("label_remove", "remove", f"{HUGE}: not a label of this board"),
        ("tick", "item", "is not on this card"),
    ],
)
def test_a_huge_id_on_the_card_page_is_refused_at_its_field(ada, board, op, field, reason):
    card = actions.create_card(board, title="a", now=NOW)
    answer = ada.post(f"/work/cards/{card.pk}/", {"op": op, field: HUGE})
    assert answer.status_code == 422
    assert reason in answer.content.decode()
    assert not CardLabel.objects.filter(card=card).exists()


@pytest.mark.parametrize("field", ["column", "swimlane", "assignee"])
def test_a_huge_id_in_a_new_card_is_refused_at_its_field(ada, board, field):
    answer = ada.post("/work/boards/brand-board/cards/", {"title": "x", field: HUGE})
    assert answer.status_code == 422
    assert not board.cards.exists()


def test_marking_huge_notification_ids_read_marks_nothing(ada, board):
    answer = ada.post("/work/mentions/read/", {"ids": HUGE})
    assert answer.status_code in (302, 422)


@pytest.mark.parametrize("odd", [HUGE, "²", "٠", "-1"])
def test_a_bulk_edit_with_an_odd_id_ticked_is_refused_and_lists_only_real_cards(ada, board, odd):
    """The card ids must be whole numbers from 1 (HUGE answered a 500 on SQLite); the
    refused board lists no tick box for the odd one, the card's own stays ticked."""
    card = actions.create_card(board, title="a", now=NOW)
    doing = board.columns.get(name="Doing")
    form = {"cards": [card.pk, odd], "column": doing.pk}
    answer = ada.post("/work/boards/brand-board/bulk/", form)
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "<li>cards: must be card ids</li>" in page
    assert page.count('name="cards"') == 1
    assert f'name="cards" value="{card.pk}" form="bulk-form" id="select-{card.pk}"' in page
    assert f'id="select-{card.pk}" aria-label="Select a" checked>' in page
    assert "bulk-off-board" not in page
    assert board.cards.get().column.name == "Backlog"
