"""The board keeps its label filter (``?label``) through the bulk form: the form posts it,
a refusal shows the filtered board at the filtered address, a success goes back to it;
and the per-person WIP line names people as other pages do."""

import pytest
from django.contrib.auth import get_user_model

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.roles import Role
from pacer.work import actions, labels
from pacer.work.models import Card, CardEvent
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
BOARD = "/work/boards/brand-board/"
BULK = "/work/boards/brand-board/bulk/"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _marked_and_plain(board, urgent):
    marked = actions.create_card(board, title="Marked card", now=NOW)
    plain = actions.create_card(board, title="Plain card", now=NOW)
    labels.change_labels(marked, add=[urgent.pk], now=NOW)
    return marked, plain


def test_the_bulk_form_posts_the_label_filter(ada, board, urgent):
    _marked_and_plain(board, urgent)
    page = ada.get(f"{BOARD}?label={urgent.pk}").content.decode()
    assert f'action="{BULK}?label={urgent.pk}" class="form" id="bulk-form"' in page
    plain = ada.get(BOARD).content.decode()
    assert f'action="{BULK}" class="form" id="bulk-form"' in plain


def test_a_refused_bulk_edit_shows_the_filtered_board_at_its_address(ada, board, urgent):
    marked, _ = _marked_and_plain(board, urgent)
    before = (list(Card.objects.values_list("pk", "estimate")), CardEvent.objects.count())
    refused = ada.post(f"{BULK}?label={urgent.pk}", {"cards": [marked.pk], "estimate": "lots"})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert f'<meta name="pacer-page-address" content="{BOARD}?label={urgent.pk}">' in page
    assert "Marked card" in page and "Plain card" not in page
    assert 'id="label-filter"' in page
    assert f'<option value="{urgent.pk}" selected>Urgent</option>' in page
    assert f'action="{BULK}?label={urgent.pk}" class="form" id="bulk-form"' in page
    assert (list(Card.objects.values_list("pk", "estimate")), CardEvent.objects.count()) == before
    # without a filter, the board is shown whole at its own address
    whole = ada.post(BULK, {"cards": [marked.pk], "estimate": "lots"}).content.decode()
    assert f'<meta name="pacer-page-address" content="{BOARD}">' in whole
    assert "Marked card" in whole and "Plain card" in whole


def test_a_bulk_edit_goes_back_to_the_filtered_board(ada, board, urgent):
    marked, plain = _marked_and_plain(board, urgent)
    done = ada.post(f"{BULK}?label={urgent.pk}", {"cards": [marked.pk], "estimate": "3"})
    assert (done.status_code, done["Location"]) == (302, f"{BOARD}?label={urgent.pk}")
    assert list(Card.objects.order_by("pk").values_list("title", "estimate")) == [
        ("Marked card", 3),
        ("Plain card", None),
    ]
    unfiltered = ada.post(BULK, {"cards": [plain.pk], "estimate": "2"})
    assert unfiltered["Location"] == BOARD
    unknown = ada.post(f"{BULK}?label=999999", {"cards": [plain.pk], "estimate": "1"})
    assert unknown["Location"] == BOARD  # a label not on the board is not carried on


def test_the_wip_line_per_person_shows_full_names(ada, board, bob, admin, workspace):
    get_user_model().objects.filter(pk=bob.pk).update(first_name="Maria", last_name="Okafor")
    carol = core.create_user(workspace, "carol", "correct-horse-3", Role.MARKETER)
    get_user_model().objects.filter(pk=carol.pk).update(first_name="Ann", last_name="Zed")
    doing, review = column(board, "Doing").pk, column(board, "Review").pk
    for where, who in ((doing, bob), (review, bob), (review, admin), (review, carol)):
        actions.create_card(board, title="t", column=where, assignee=who.pk, now=NOW)
    actions.create_card(board, title="waiting", assignee=carol.pk, now=NOW)  # not in progress
    page = ada.get(BOARD).content.decode()
    assert (
        '<p class="stat-line" id="wip-people">WIP limit per person: 2 cards in progress.'
        " ada: 1, Ann Zed: 1, Maria Okafor: 2</p>"
    ) in page
    settings = ada.get(f"{BOARD}settings/").content.decode()
    assert (
        '<p class="work-setting-facts" id="person-holdings">ada: 1, Ann Zed: 1, Maria Okafor: 2</p>'
    ) in settings
