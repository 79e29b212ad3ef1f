"""The card page's refused reason to go over a limit (issue 11): the error box links to
the field as it is (id ``override-reason``), not to a #field-override_reason that is not
on the page; the other reasons keep their links; nothing is written. On the board, a
refused bulk edit or move of a card the board does not show (further down its cell)
links to that card where the page shows it: its tick box in the bulk form (ticked), its
move form above the board."""

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.work import actions
from pacer.work.models import Card, CardEvent
from pacer.work.selectors import CELL_SHOWN
from tests.web.error_links import broken_error_links, error_links
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(board, bob):
    """Bob holds two in-progress cards (the limit); 'launch' is in Doing."""
    for title in ("x", "y"):
        actions.create_card(
            board, title=title, column=column(board, "Review").pk, assignee=bob.pk, now=NOW
        )
    return actions.create_card(board, title="launch", column=column(board, "Doing").pk, now=NOW)


def test_a_refused_override_links_to_its_field(crowded, admin, bob):
    client = Client()
    client.force_login(admin)
    audits = AuditEntry.objects.count()
    form = {"op": "edit", "title": "launch v2", "assignee": str(bob.pk), "estimate": "3"}
    form["override_reason"] = "x" * 301  # longer than its 300 characters
    response = client.post(f"/work/cards/{crowded.pk}/", form)
    assert response.status_code == 422
    page = response.content.decode()
    assert broken_error_links(page) == []
    assert "override-reason" in error_links(page)
    assert 'id="override-reason"' in page
    after = Card.objects.get(pk=crowded.pk)
    assert (after.title, after.assignee_id) == ("launch", None)
    assert 'value="launch v2"' in page
    assert AuditEntry.objects.count() == audits


@pytest.fixture
def hidden(board):
    """Doing is full (2 of 2); the backlog holds one card more than the board shows of a
    cell: the last, "Hidden one", is behind "Show more"."""
    for title in ("a", "b"):
        actions.create_card(board, title=title, column=column(board, "Doing").pk, now=NOW)
    for number in range(CELL_SHOWN):
        actions.create_card(board, title=f"Shown {number}", now=NOW)
    return actions.create_card(board, title="Hidden one", now=NOW)


def _written():
    return (
        sorted(Card.objects.values_list("pk", "column_id")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_bulk_refusal_of_a_card_the_board_does_not_show_links_to_its_tick_box(
    hidden, board, admin
):
    client = Client()
    client.force_login(admin)
    shown = Card.objects.get(title="Shown 0")
    before = _written()
    form = {"cards": [str(hidden.pk), str(shown.pk)], "column": str(column(board, "Doing").pk)}
    response = client.post("/work/boards/brand-board/bulk/", form)
    assert response.status_code == 422
    page = response.content.decode()
    assert broken_error_links(page) == []
    assert error_links(page) == [f"select-{shown.pk}", f"select-{hidden.pk}"]
    assert f'id="card-{hidden.pk}"' not in page  # not on the board itself
    tick = (
        f'<input type="checkbox" name="cards" value="{hidden.pk}" id="select-{hidden.pk}" checked>'
    )
    assert page.count(tick) == 1
    listed = page[page.index('id="bulk-off-board"') : page.index("</fieldset>", page.index(tick))]
    assert (
        tick in listed and "Hidden one" in listed and f'href="/work/cards/{hidden.pk}/"' in listed
    )
    assert "&#x27;Doing&#x27; would hold 4 cards, its WIP limit is 2" in listed
    assert f"select-{shown.pk}" not in listed  # the board shows that one, ticked
    assert f'value="{shown.pk}" form="bulk-form" id="select-{shown.pk}"' in page
    assert _written() == before


def test_a_refused_move_of_a_card_the_board_does_not_show_opens_it_above_the_board(
    hidden, board, admin
):
    client = Client()
    client.force_login(admin)
    doing = column(board, "Doing")
    before = _written()
    typed = {"column": str(doing.pk), "override_reason": ""}
    response = client.post(f"/work/cards/{hidden.pk}/move/", typed)
    assert response.status_code == 422
    page = response.content.decode()
    assert broken_error_links(page) == []
    assert error_links(page) == [f"move-{hidden.pk}-column"]
    assert page.count(f'id="card-{hidden.pk}"') == 1
    above = page[page.index('id="move-off-board-h"') : page.index('id="board"')]
    assert f'id="card-{hidden.pk}"' in above
    assert '<details class="work-move" open><summary>Move</summary>' in above
    assert f'<option value="{doing.pk}" selected>Doing</option>' in above
    error = f'id="move-{hidden.pk}-column-error"><p>&#x27;Doing&#x27; already holds 2 cards'
    assert error in above
    assert _written() == before


def test_a_refused_move_of_a_card_the_board_shows_stays_on_the_board(hidden, board, admin):
    client = Client()
    client.force_login(admin)
    shown = Card.objects.get(title="Shown 0")
    response = client.post(f"/work/cards/{shown.pk}/move/", {"column": column(board, "Doing").pk})
    assert response.status_code == 422
    page = response.content.decode()
    assert broken_error_links(page) == []
    assert "move-off-board-h" not in page and page.count(f'id="card-{shown.pk}"') == 1
