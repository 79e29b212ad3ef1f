"""The label pages: the labels page (add, rename, delete with its count), chips on the
board and the card, the board and flow filtered by a label in the URL, labels on a card
and in bulk from the forms, and what a member without ``work.manage`` may do."""

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, labels
from pacer.work.models import Card, CardEvent, CardLabel, Label
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"
LABELS = "/work/boards/brand-board/labels/"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def ada(admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


@pytest.fixture
def staff(workspace):
    core.create_user(workspace, "sam", PASSWORD, Role.STAFF)
    client = Client()
    client.login(username="sam", password=PASSWORD)
    return client


def _ledger():
    return (
        sorted(Label.objects.values_list("name", "colour")),
        sorted(CardLabel.objects.values_list("card_id", "label_id")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_labels_page_adds_renames_and_deletes_with_the_count(ada, board, urgent):
    added = ada.post(LABELS, {"op": "create", "name": "Design", "colour": "purple"})
    assert added.status_code == 302
    design = Label.objects.get(name="Design")
    for title in ("a", "b"):
        card = actions.create_card(board, title=title, now=NOW)
        labels.change_labels(card, add=[urgent.pk], now=NOW)
    page = ada.get(LABELS).content.decode()
    assert "'Urgent' is on 2 cards. Deleting it takes it off all of them" in page
    assert "'Design' is on no cards." in page
    assert 'style="background: #dc2626; color: #ffffff">Urgent</span>' in page
    assert f'href="/work/boards/brand-board/?label={urgent.pk}">2 cards</a>' in page
    saved = ada.post(LABELS, {"op": "update", "label": design.pk, "name": "UX", "colour": "pink"})
    assert saved.status_code == 302
    assert Label.objects.filter(pk=design.pk).values_list("name", "colour")[0] == ("UX", "pink")
    deleted = ada.post(LABELS, {"op": "delete", "label": urgent.pk}, follow=True)
    assert "Label &#x27;Urgent&#x27; deleted; it was on 2 cards." in deleted.content.decode()
    assert not CardLabel.objects.exists()


def test_a_duplicate_name_shows_the_form_again_and_changes_nothing(ada, board, urgent):
    before = _ledger()
    refused = ada.post(LABELS, {"op": "create", "name": "urgent", "colour": "blue"})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "The label was not added" in page
    assert "&#x27;urgent&#x27; is already a label on this board" in page
    assert 'id="label-add-name"' in page and 'value="urgent"' in page
    other = labels.create_label(board, name="Other", colour="grey", now=NOW)
    before = _ledger()
    refused = ada.post(
        LABELS, {"op": "update", "label": other.pk, "name": "URGENT", "colour": "grey"}
    )
    assert refused.status_code == 422
    assert "This label was not changed" in refused.content.decode()
    assert _ledger() == before


def test_a_member_without_manage_sees_labels_but_cannot_change_them(staff, board, urgent):
    page = staff.get(LABELS)
    assert page.status_code == 200
    assert 'id="label-add"' not in page.content.decode()
    before = _ledger()
    for body in (
        {"op": "create", "name": "New", "colour": "blue"},
        {"op": "update", "label": urgent.pk, "name": "Hot", "colour": "red"},
        {"op": "delete", "label": urgent.pk},
    ):
        assert staff.post(LABELS, body).status_code == 403
    assert _ledger() == before


def test_chips_show_on_the_board_and_the_filter_is_in_the_url(ada, board, urgent):
    marked = actions.create_card(board, title="Marked card", now=NOW)
    actions.create_card(board, title="Plain card", now=NOW)
    labels.change_labels(marked, add=[urgent.pk], now=NOW)
    page = ada.get("/work/boards/brand-board/").content.decode()
    assert "Marked card" in page and "Plain card" in page
    assert page.count('class="work-chip" style="background: #dc2626; color: #ffffff">Urgent') == 1
    filtered = ada.get(f"/work/boards/brand-board/?label={urgent.pk}").content.decode()
    assert "Marked card" in filtered and "Plain card" not in filtered
    assert f'<option value="{urgent.pk}" selected>Urgent</option>' in filtered
    assert 'id="label-filter"' in filtered
    wrong = ada.get("/work/boards/brand-board/?label=999999")
    assert wrong.status_code == 200
    text = wrong.content.decode()
    assert "Marked card" in text and "Plain card" in text  # refused: every card shown
    assert "is not one of the choices" in text


def test_the_card_page_adds_and_removes_a_label(ada, board, urgent):
    card = actions.create_card(board, title="a", now=NOW)
    url = f"/work/cards/{card.pk}/"
    assert ada.post(url, {"op": "label_add", "add": urgent.pk}).status_code == 302
    page = ada.get(url).content.decode()
    assert 'aria-label="Remove the label Urgent"' in page
    assert "labels +Urgent" in page  # the history
    assert ada.post(url, {"op": "label_remove", "remove": urgent.pk}).status_code == 302
    assert not Card.objects.get(pk=card.pk).labels.exists()
    before = _ledger()
    refused = ada.post(url, {"op": "label_add", "add": ""})
    assert refused.status_code == 422 and "choose a label" in refused.content.decode()
    assert _ledger() == before


def test_staff_may_label_a_card_from_its_page(staff, board, urgent):
    card = actions.create_card(board, title="a", now=NOW)
    assert (
        staff.post(f"/work/cards/{card.pk}/", {"op": "label_add", "add": urgent.pk}).status_code
        == 302
    )
    assert list(Card.objects.get(pk=card.pk).labels.all()) == [urgent]


def test_the_bulk_form_adds_a_label_to_the_ticked_cards(ada, board, urgent):
    cards = [actions.create_card(board, title=t, now=NOW) for t in ("a", "b", "c")]
    done = ada.post(
        "/work/boards/brand-board/bulk/",
        {"cards": [cards[0].pk, cards[2].pk], "add_label": urgent.pk},
    )
    assert done.status_code == 302
    assert sorted(CardLabel.objects.values_list("card_id", flat=True)) == [cards[0].pk, cards[2].pk]


def test_the_flow_page_filters_by_a_label(ada, board, urgent):
    page = ada.get(f"/work/boards/brand-board/flow/?label={urgent.pk}").content.decode()
    assert "Only the cards labelled" in page
    assert f'<option value="{urgent.pk}" selected>Urgent</option>' in page


def test_the_sprint_page_lists_cards_with_their_labels(ada, board, admin, urgent):
    from datetime import date

    from pacer.work import sprints

    sprint = sprints.create_sprint(
        board, name="S1", start=date(2026, 3, 2), weeks=1, capacity=10, actor=admin
    )
    planned = actions.create_card(board, title="Planned", estimate=2, now=NOW)
    waiting = actions.create_card(board, title="Waiting", estimate=1, now=NOW)
    sprints.plan(planned, sprint, actor=admin)
    for card in (planned, waiting):
        labels.change_labels(card, add=[urgent.pk], now=NOW)
    page = ada.get(f"/work/sprints/{sprint.pk}/").content.decode()
    assert page.count('color: #ffffff">Urgent</span>') == 2  # the sprint's and the backlog's
