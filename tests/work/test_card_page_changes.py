"""A card's own page: it moves the card to another column or swimlane (the WIP limits
apply: a refusal is shown by its Move form, with what was chosen kept), its Back link and
its forms keep the board's ``?label``, and a comment is deleted by its author or an admin
(anyone else refused). Over the API: a link deleted, a comment deleted; the board's bulk
form archives the ticked cards (all or none, ``?label`` kept)."""

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, archive, comments, labels
from pacer.work.models import Card, CardEvent, CardLink, Comment, Notification
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
BOARD = "/work/boards/brand-board/"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def card(board, urgent):
    """'Mine' in the backlog, labelled Urgent; Doing (limit 2) is full."""
    for title in ("a", "b"):
        actions.create_card(board, title=title, column=column(board, "Doing").pk, now=NOW)
    found = actions.create_card(board, title="Mine", now=NOW)
    labels.change_labels(found, add=[urgent.pk], now=NOW)
    return found


def _state():
    return (
        list(Card.objects.order_by("pk").values_list("pk", "column__name", "swimlane", "position")),
        list(Card.objects.order_by("pk").values_list("archived_at", flat=True)),
        list(Comment.objects.order_by("pk").values_list("pk", "body")),
        list(CardLink.objects.order_by("pk").values_list("pk", "target_id")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_back_link_and_the_forms_keep_the_label_filter(ada, board, card, urgent):
    board_page = ada.get(f"{BOARD}?label={urgent.pk}").text
    assert f'href="/work/cards/{card.pk}/?label={urgent.pk}"' in board_page
    page = ada.get(f"/work/cards/{card.pk}/?label={urgent.pk}").text
    assert f'href="{BOARD}?label={urgent.pk}" id="back-to-board"' in page
    saved = ada.post(
        f"/work/cards/{card.pk}/?label={urgent.pk}", {"op": "checklist", "text": "brief"}
    )
    assert saved["Location"] == f"/work/cards/{card.pk}/?label={urgent.pk}"
    plain = ada.get(f"/work/cards/{card.pk}/?label=999999").text
    assert f'href="{BOARD}" id="back-to-board"' in plain


def test_the_card_page_moves_the_card_to_a_column_and_a_swimlane(ada, board, card, urgent):
    review = column(board, "Review")
    lane = board.swimlanes.get(name="Expedite")
    moved = ada.post(
        f"/work/cards/{card.pk}/?label={urgent.pk}",
        {"op": "move", "column": review.pk, "swimlane": lane.pk, "override_reason": ""},
    )
    assert moved.status_code == 302
    assert moved["Location"] == f"/work/cards/{card.pk}/?label={urgent.pk}"
    fresh = Card.objects.get(pk=card.pk)
    assert (fresh.column_id, fresh.swimlane_id) == (review.pk, lane.pk)
    event = CardEvent.objects.filter(card=card).last()
    assert (event.kind, event.from_column.name, event.to_column.name) == (
        "moved",
        "Backlog",
        "Review",
    )
    page = ada.get(f"/work/cards/{card.pk}/").text
    assert f'<option value="{review.pk}" selected>Review</option>' in page
    assert f'<option value="{lane.pk}" selected>Expedite</option>' in page


def test_a_move_over_a_wip_limit_is_refused_inline_then_made_with_a_reason(ada, board, card):
    doing = column(board, "Doing")
    before = _state()
    refused = ada.post(
        f"/work/cards/{card.pk}/", {"op": "move", "column": doing.pk, "swimlane": ""}
    )
    assert refused.status_code == 422
    page = refused.text
    assert "The card was not moved" in page and 'href="#move-column"' in page
    assert "&#x27;Doing&#x27; already holds 2 cards, its WIP limit is 2" in page
    assert f'<option value="{doing.pk}" selected>Doing</option>' in page
    assert 'id="field-assignee"' in page and page.count("already holds 2 cards") == 2
    assert _state() == before
    made = ada.post(
        f"/work/cards/{card.pk}/",
        {"op": "move", "column": doing.pk, "swimlane": "", "override_reason": "launch day"},
    )
    assert made.status_code == 302
    event = CardEvent.objects.filter(card=card).last()
    assert (event.to_column_id, event.override_reason) == (doing.pk, "launch day")


@pytest.fixture
def carl(workspace):
    core.create_user(workspace, "carl", "correct-horse-3", Role.MARKETER)
    client = Client()
    client.login(username="carl", password="correct-horse-3")
    return client


def test_a_comment_is_deleted_by_its_author_or_an_admin_only(ada, admin, bob, carl, card):
    mine = comments.add_comment(card, "@ada ready", now=NOW, actor=bob)
    assert Notification.objects.filter(comment=mine).count() == 1
    before = _state()
    refused = carl.post(f"/work/cards/{card.pk}/", {"op": "comment_delete", "comment": mine.pk})
    assert refused.status_code == 422
    assert "only its author or an admin can delete a comment" in refused.text
    assert _state() == before
    page = ada.get(f"/work/cards/{card.pk}/").text
    assert (
        f'name="comment" value="{mine.pk}"><button type="submit" class="small" aria-label="Delete'
        in page
    )
    gone = ada.post(f"/work/cards/{card.pk}/", {"op": "comment_delete", "comment": mine.pk})
    assert gone.status_code == 302
    assert not Comment.objects.filter(pk=mine.pk).exists()
    assert not Notification.objects.filter(comment_id=mine.pk).exists()
    [(before_, actor)] = AuditEntry.objects.filter(action="card.comment_delete").values_list(
        "before", "actor__username"
    )
    assert (before_, actor) == ({"author": "bob", "body": "@ada ready"}, "ada")
    own = comments.add_comment(card, "mine", now=NOW, actor=bob)
    comments.delete_comment(own, actor=bob, role=Role.MARKETER)
    assert not Comment.objects.filter(pk=own.pk).exists()


def test_comment_delete_over_the_api(api, workspace, admin, bob, card, client):
    ada_says = comments.add_comment(card, "mine", now=NOW, actor=admin)
    bob_says = comments.add_comment(card, "his", now=NOW, actor=bob)
    _, token = core.issue_api_key(workspace, "personal", "bob", user=bob)
    before = _state()
    refused = client.delete(
        f"/api/work/comments/{ada_says.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert (refused.status_code, refused.json()["errors"]) == (
        422,
        {"comment": "only its author or an admin can delete a comment"},
    )
    assert _state() == before
    assert api("delete", f"/comments/{bob_says.pk}").status_code == 204
    assert list(Comment.objects.values_list("body", flat=True)) == ["mine"]
    assert api("delete", f"/comments/{bob_says.pk}").status_code == 404


def test_a_link_is_deleted_over_the_api(api, board, card):
    other = actions.create_card(board, title="Other", now=NOW)
    link = actions.add_link(card, "journey", "j-1")
    theirs = actions.add_link(other, "journey", "j-2")
    listed = api("get", f"/cards/{card.pk}/links").json()
    assert listed == [
        {"id": link.pk, "kind": "journey", "target_id": "j-1", "label": "Journey j-1"}
    ]
    before = _state()
    refused = api("delete", f"/cards/{card.pk}/links/{theirs.pk}")
    assert (refused.status_code, refused.json()["errors"]) == (
        422,
        {"link": "is not a link of this card"},
    )
    assert _state() == before
    assert api("delete", f"/cards/{card.pk}/links/{link.pk}").status_code == 204
    assert list(CardLink.objects.values_list("target_id", flat=True)) == ["j-2"]
    [(before_,)] = AuditEntry.objects.filter(action="card.unlink").values_list("before")
    assert before_ == {"journey": "j-1"}


def test_the_bulk_form_archives_the_ticked_cards_keeping_the_label(ada, board, card, urgent):
    other = actions.create_card(board, title="Other", now=NOW)
    labels.change_labels(other, add=[urgent.pk], now=NOW)
    board_page = ada.get(f"{BOARD}?label={urgent.pk}").text
    assert 'name="action" value="archive"' in board_page
    done = ada.post(
        f"{BOARD}bulk/?label={urgent.pk}", {"cards": [card.pk, other.pk], "action": "archive"}
    )
    assert done.status_code == 302 and done["Location"] == f"{BOARD}?label={urgent.pk}"
    assert Card.objects.filter(archived_at=NOW).count() == 2
    assert sorted(
        AuditEntry.objects.filter(action="card.archive").values_list("object_id", flat=True)
    ) == sorted([str(card.pk), str(other.pk)])


def test_a_bulk_archive_with_a_card_archived_already_archives_none(ada, api, board, card):
    other = actions.create_card(board, title="Other", now=NOW)
    archive.archive_card(other, now=NOW)
    before = _state()
    refused = ada.post(f"{BOARD}bulk/", {"cards": [card.pk, other.pk], "action": "archive"})
    assert refused.status_code == 422
    # named by its title, with no link: an archived card has no tick box on the board
    assert "<li>Other: is archived already</li>" in refused.text
    answer = api("post", "/boards/brand-board/bulk/archive", {"cards": [card.pk, other.pk]})
    assert (answer.status_code, answer.json()["errors"]) == (
        422,
        {f"cards.{other.pk}.card": "is archived already"},
    )
    assert _state() == before
    made = api("post", "/boards/brand-board/bulk/archive", {"cards": [card.pk]})
    assert made.status_code == 200
    assert [(c["id"], c["archived_at"] is not None) for c in made.json()] == [(card.pk, True)]
