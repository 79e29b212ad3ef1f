"""Bulk edit refuses a link that a selected card already has, as the single add does: the
whole change is refused, each such card named at ``cards.<id>.link.target_id`` with the
single add's reason, and nothing is written (not the other cards' links, not the other
fields). A reason to go over a WIP limit does not let it through. The same on the board
page (the card marked, the reason under the link field) and in the REST API (422)."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.planning.actions import create_campaign
from pacer.work import actions, bulk
from pacer.work.models import CardLink
from tests.web.error_links import broken_error_links
from tests.work.conftest import NOW, column
from tests.work.test_bulk import _cards, _state

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


@pytest.fixture
def spring(workspace):
    return create_campaign(workspace, "spring", "email", name="Spring sale")


def _linked(spring):
    return f"the card already links to campaign {spring.pk} (Spring sale)"


@pytest.mark.parametrize("spelled", ["spring", "id", "+0id"])
def test_a_card_already_linked_refuses_the_whole_bulk_change(board, spring, spelled):
    first, linked, last = _cards(board, "first", "linked", "last")
    actions.add_link(linked, "campaign", str(spring.pk))
    before = _state()
    target = spelled.replace("id", str(spring.pk))

    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(
            board,
            [first.pk, linked.pk, last.pk],
            {"link": ("campaign", target), "due": "2026-03-20", "estimate": 3},
            now=NOW,
        )

    assert refused.value.per_card == {linked.pk: {"link.target_id": _linked(spring)}}
    assert refused.value.errors == {f"cards.{linked.pk}.link.target_id": _linked(spring)}
    assert _state() == before  # neither the two other cards' links nor any due day
    assert before[1] == [(linked.pk, "campaign", str(spring.pk))]


def test_every_linked_card_is_named_in_board_order_beside_its_wip_refusal(board, spring):
    doing = column(board, "Doing")  # WIP limit 2
    a, b, c = _cards(board, "a", "b", "c")
    for card in (c, a):
        actions.add_link(card, "campaign", "spring")
    before = _state()
    over = "'Doing' would hold 3 cards, its WIP limit is 2"

    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(
            board, [c.pk, b.pk, a.pk], {"link": ("campaign", "spring"), "column": doing.pk}, now=NOW
        )

    assert list(refused.value.per_card.items()) == [
        (a.pk, {"column": over, "link.target_id": _linked(spring)}),
        (b.pk, {"column": over}),
        (c.pk, {"column": over, "link.target_id": _linked(spring)}),
    ]
    assert _state() == before


def test_a_reason_to_go_over_a_limit_does_not_let_a_second_link_through(board, spring):
    doing = column(board, "Doing")  # WIP limit 2
    _cards(board, "inside", where="Doing")
    a, b, c = _cards(board, "a", "b", "c")
    actions.add_link(b, "campaign", "spring")
    before = _state()

    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(
            board,
            [a.pk, b.pk, c.pk],
            {"link": ("campaign", "spring"), "column": doing.pk},
            override_reason="launch week",
            now=NOW,
        )

    assert refused.value.per_card == {b.pk: {"link.target_id": _linked(spring)}}
    assert _state() == before
    outcome = bulk.bulk_edit(
        board,
        [a.pk, c.pk],
        {"link": ("campaign", "spring"), "column": doing.pk},
        override_reason="launch week",
        now=NOW,
    )
    assert outcome.over_limit is True
    assert sorted(CardLink.objects.values_list("card__title", "target_id")) == [
        ("a", str(spring.pk)),
        ("b", str(spring.pk)),
        ("c", str(spring.pk)),
    ]


def test_a_link_of_another_kind_or_target_is_not_refused(board, spring, workspace):
    autumn = create_campaign(workspace, "autumn", "email", name="Autumn")
    [card] = _cards(board, "a")
    actions.add_link(card, "campaign", "spring")
    actions.add_link(card, "journey", str(autumn.pk))  # a journey of the same digits

    bulk.bulk_edit(board, [card.pk], {"link": ("campaign", "autumn")}, now=NOW)

    assert sorted(CardLink.objects.values_list("kind", "target_id")) == sorted(
        [("campaign", str(autumn.pk)), ("campaign", str(spring.pk)), ("journey", str(autumn.pk))]
    )


def test_the_api_answers_422_naming_each_linked_card(board, spring, workspace, admin, client):
    _, token = core.issue_api_key(workspace, "personal", "test", user=admin)
    a, b = _cards(board, "a", "b")
    actions.add_link(a, "campaign", "spring")
    before = _state()
    body = {
        "cards": [a.pk, b.pk],
        "link": {"kind": "campaign", "target_id": f"0{spring.pk}"},
        "estimate": 5,
    }

    answer = client.post(
        "/api/work/boards/brand-board/bulk",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert answer.status_code == 422
    assert answer.json()["errors"] == {f"cards.{a.pk}.link.target_id": _linked(spring)}
    assert _state() == before


def test_the_board_page_marks_the_linked_card_and_the_link_field(board, spring, admin, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    ada = Client()
    ada.force_login(admin)
    a, b = _cards(board, "a", "b")
    actions.add_link(b, "campaign", "spring")
    before = _state()
    form = {"cards": [a.pk, b.pk], "link_kind": "campaign", "link_target": "spring"}

    refused = ada.post("/work/boards/brand-board/bulk/", form)

    assert refused.status_code == 422 and _state() == before
    page = refused.content.decode()
    reason = f"the card already links to campaign {spring.pk} (Spring sale)"
    assert f'<li><a href="#select-{b.pk}">b</a>: {reason}</li>' in page
    assert page.count(f'<p class="field-error work-card-error">{reason}</p>') == 1
    assert '<a href="#bulk-link-target">link_target: 1 selected card already links to it</a>' in (
        page
    )
    assert 'id="bulk-link-target-error"' in page and 'value="spring"' in page
    assert "A card cannot link to the same thing twice" in page
    assert "Give a reason below to go over the limit" not in page
    assert page.count(" checked") == 2  # both cards still ticked
    assert broken_error_links(page) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_a_link_added_while_the_bulk_change_runs_refuses_it_whole(workspace):
    """A link added to a card, not yet committed when the bulk change starts: the bulk
    change's lock on the cards waits for it, then sees it and refuses that card, and
    nothing of the bulk change is kept."""
    board = actions.create_board(
        workspace,
        team="brand",
        slug="race",
        name="Race",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    spring = create_campaign(workspace, "spring", "email", name="Spring sale")
    first, second = (actions.create_card(board, title=t, now=NOW) for t in ("first", "second"))
    added = threading.Event()
    outcomes: dict[str, object] = {}

    def add_and_hold():
        try:
            with transaction.atomic():
                actions.add_link(second, "campaign", "spring")
                added.set()
                time.sleep(1.0)  # the bulk change checks and inserts while this is open
        finally:
            added.set()
            connection.close()

    def bulk_meanwhile():
        added.wait()
        try:
            bulk.bulk_edit(
                board,
                [first.pk, second.pk],
                {"link": ("campaign", "spring"), "due": "2026-03-20"},
                now=NOW,
            )
            outcomes["bulk"] = "made"
        except bulk.BulkRefused as refused:
            outcomes["bulk"] = refused.errors
        finally:
            connection.close()

    threads = [threading.Thread(target=add_and_hold), threading.Thread(target=bulk_meanwhile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {"bulk": {f"cards.{second.pk}.link.target_id": _linked(spring)}}
    assert list(CardLink.objects.values_list("card__title", "target_id")) == [
        ("second", str(spring.pk))
    ]
    assert list(board.cards.order_by("title").values_list("title", "due")) == [
        ("first", None),
        ("second", None),
    ]
