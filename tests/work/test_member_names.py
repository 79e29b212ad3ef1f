"""The work pages call members by their names (the demo's staff showed as
``demo-loc12-manager``), and by their username only when they have no name."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from pacer.core import clock
from pacer.work import actions
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def test_cards_the_board_the_card_page_and_who_works_on_what_show_full_names(board, bob, admin):
    get_user_model().objects.filter(pk=bob.pk).update(first_name="Maria", last_name="Okafor")
    card = actions.create_card(
        board, title="Spring flyer", column=column(board, "Doing").pk, assignee=bob.pk, now=NOW
    )
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    pages = {
        "board": client.get("/work/boards/brand-board/").content.decode(),
        "card": client.get(f"/work/cards/{card.pk}/").content.decode(),
        "who": client.get("/work/who/").content.decode(),
        "standup": client.get("/work/boards/brand-board/standup/").content.decode(),
    }
    for name, page in pages.items():
        assert "Maria Okafor" in page, name
        assert ">bob<" not in page and ">bob " not in page, name
    # the assignee select offers her by name; ada has no name, so her username stays
    assert f'<option value="{bob.pk}">Maria Okafor</option>' in pages["board"]
    assert f'<option value="{admin.pk}">ada</option>' in pages["board"]
