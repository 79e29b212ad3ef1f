"""A card's own Move form keeps the board's label filter (``?label``): the form posts it,
a move (plain, or over a WIP limit with a reason) goes back to the filtered board, and a
refused one shows the filtered board at its filtered address. The "Show more" page keeps
it too, and neither that page nor the cards "Show more" adds to it have tick boxes for a
bulk form that only the board has."""

import pytest

from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.work import actions, bulk, labels
from pacer.work.models import Card, CardEvent
from pacer.work.selectors import CELL_PAGE, CELL_SHOWN
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
BOARD = "/work/boards/brand-board/"
CELL = "/work/boards/brand-board/cell/"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def marked(board, urgent):
    """'Marked card' (labelled Urgent) in the backlog beside 'Plain card'; Doing is full."""
    for title in ("a", "b"):
        actions.create_card(board, title=title, column=column(board, "Doing").pk, now=NOW)
    card = actions.create_card(board, title="Marked card", now=NOW)
    actions.create_card(board, title="Plain card", now=NOW)
    labels.change_labels(card, add=[urgent.pk], now=NOW)
    return card


def _state():
    return (
        list(Card.objects.order_by("pk").values_list("pk", "column__name", "position")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_each_cards_move_form_posts_the_label_filter(ada, marked, urgent):
    filtered = ada.get(f"{BOARD}?label={urgent.pk}").content.decode()
    move = f"/work/cards/{marked.pk}/move/"
    assert f'data-move-url="{move}?label={urgent.pk}"' in filtered
    assert f'<form method="post" action="{move}?label={urgent.pk}">' in filtered
    whole = ada.get(BOARD).content.decode()
    assert f'<form method="post" action="{move}">' in whole
    assert f"{move}?label" not in whole


def test_a_move_goes_back_to_the_filtered_board(ada, board, marked, urgent):
    review = column(board, "Review")
    moved = ada.post(f"/work/cards/{marked.pk}/move/?label={urgent.pk}", {"column": review.pk})
    assert (moved.status_code, moved["Location"]) == (302, f"{BOARD}?label={urgent.pk}")
    assert Card.objects.get(pk=marked.pk).column == review
    back = ada.post(f"/work/cards/{marked.pk}/move/", {"column": column(board, "Backlog").pk})
    assert (back.status_code, back["Location"]) == (302, BOARD)
    unknown = ada.post(f"/work/cards/{marked.pk}/move/?label=999999", {"column": review.pk})
    assert unknown["Location"] == BOARD  # a label not on the board is not carried on


def test_a_move_over_the_limit_with_a_reason_goes_back_to_the_filtered_board(
    ada, board, marked, urgent
):
    doing = column(board, "Doing")
    form = {"column": doing.pk, "override_reason": "launch day"}
    moved = ada.post(f"/work/cards/{marked.pk}/move/?label={urgent.pk}", form)
    assert (moved.status_code, moved["Location"]) == (302, f"{BOARD}?label={urgent.pk}")
    assert Card.objects.get(pk=marked.pk).column == doing
    entry = AuditEntry.objects.get(action="card.wip_override")
    assert (entry.before, entry.after["override_reason"]) == ({"column": "Backlog"}, "launch day")
    assert marked.events.get(kind="moved").override_reason == "launch day"


def test_a_refused_move_shows_the_filtered_board_at_its_address(ada, board, marked, urgent):
    before = _state()
    doing = column(board, "Doing")
    refused = ada.post(f"/work/cards/{marked.pk}/move/?label={urgent.pk}", {"column": doing.pk})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert f'<meta name="pacer-page-address" content="{BOARD}?label={urgent.pk}">' in page
    assert 'id="label-filter"' in page
    assert ">Marked card</a>" in page and ">Plain card</a>" not in page
    move = f"/work/cards/{marked.pk}/move/?label={urgent.pk}"
    assert f'<form method="post" action="{move}">' in page  # sent again, still filtered
    assert f'<option value="{doing.pk}" selected>Doing</option>' in page
    assert "The card that was not moved" not in page  # shown in its column, form open
    assert _state() == before


def test_a_refused_move_of_a_card_outside_the_filter_keeps_the_filter(ada, board, marked, urgent):
    plain = Card.objects.get(title="Plain card")
    before = _state()
    refused = ada.post(
        f"/work/cards/{plain.pk}/move/?label={urgent.pk}", {"column": column(board, "Doing").pk}
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    assert f'<meta name="pacer-page-address" content="{BOARD}?label={urgent.pk}">' in page
    assert "The card that was not moved" in page
    assert f'action="/work/cards/{plain.pk}/move/?label={urgent.pk}"' in page
    assert _state() == before


def _long_backlog(board, extra: int, label=None):
    """The backlog holds CELL_SHOWN + ``extra`` cards, each labelled ``label`` if given."""
    cards = [
        actions.create_card(board, title=f"Backlog {n}", now=NOW) for n in range(CELL_SHOWN + extra)
    ]
    if label:
        bulk.bulk_edit(board, [c.pk for c in cards], {"add_label": label.pk}, now=NOW)
    return list(Card.objects.filter(pk__in=[c.pk for c in cards]).order_by("position", "pk"))


def test_show_mores_page_keeps_the_filter_and_has_no_tick_boxes(ada, board, urgent):
    cards = _long_backlog(board, CELL_PAGE + 3, urgent)
    backlog = column(board, "Backlog")
    last = cards[CELL_SHOWN - 1]
    query = f"column={backlog.pk}&lane=&after={last.position}&after_id={last.pk}"
    page = ada.get(f"{CELL}?{query}&label={urgent.pk}").content.decode()
    assert page.count('class="work-card"') == CELL_PAGE
    assert 'name="cards"' not in page  # no bulk form here: no tick boxes
    first = cards[CELL_SHOWN]
    assert f'<form method="post" action="/work/cards/{first.pk}/move/?label={urgent.pk}">' in page
    assert f'href="{BOARD}?label={urgent.pk}">Back to the board</a>' in page
    further = cards[CELL_SHOWN + CELL_PAGE - 1]
    more = (
        f"{CELL}?column={backlog.pk}&amp;lane=&amp;after={further.position}"
        f"&amp;after_id={further.pk}&amp;label={urgent.pk}"
    )
    assert f'href="{more}"' in page  # without the script: the next page, as it is
    assert f'hx-get="{more}&amp;standalone=1"' in page
    # what "Show more" adds to this page: no tick boxes, and its own "Show more" says so
    added = ada.get(more.replace("&amp;", "&") + "&standalone=1", HTTP_HX_REQUEST="true")
    fragment = added.content.decode()
    assert fragment.count('class="work-card"') == 3 and 'name="cards"' not in fragment
    assert "<html" not in fragment


def test_show_more_on_the_board_adds_cards_with_tick_boxes(ada, board):
    cards = _long_backlog(board, 3)
    backlog = column(board, "Backlog")
    board_page = ada.get(BOARD).content.decode()
    last = cards[CELL_SHOWN - 1]
    more = f"{CELL}?column={backlog.pk}&amp;lane=&amp;after={last.position}&amp;after_id={last.pk}"
    assert f'hx-get="{more}"' in board_page and "standalone" not in board_page
    fragment = ada.get(more.replace("&amp;", "&"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.count('name="cards"') == 3  # the board has the bulk form
    assert all(f'id="select-{card.pk}"' in fragment for card in cards[CELL_SHOWN:])
