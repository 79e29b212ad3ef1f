"""Bulk edit of cards: every field at once, emptying fields, all or nothing when a WIP
limit (of a column or per person) or any input is refused, the override with a reason,
and the same through the board page and the REST API."""

from datetime import date

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.planning.actions import create_campaign
from pacer.work import actions, bulk
from pacer.work.models import Card, CardEvent, CardLink
from tests.web.error_links import broken_error_links
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def _cards(board, *titles, where="Backlog", **fields):
    return [
        actions.create_card(board, title=t, column=column(board, where).pk, now=NOW, **fields)
        for t in titles
    ]


def _state():
    """Everything a bulk edit may write."""
    return (
        list(
            Card.objects.order_by("pk").values_list(
                "pk", "column", "swimlane", "position", "assignee", "due", "estimate"
            )
        ),
        list(CardLink.objects.order_by("pk").values_list("card", "kind", "target_id")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_one_change_sets_every_field_of_every_selected_card(board, admin, bob, workspace):
    spring = create_campaign(workspace, "spring", "email", name="Spring sale")
    a, b, untouched = _cards(board, "a", "b", "c")
    lane = board.swimlanes.get(name="Expedite")
    review = column(board, "Review")
    changes = {
        "assignee": bob.pk,
        "due": "2026-03-20",
        "estimate": 5,
        "swimlane": lane.pk,
        "column": review.pk,
        "link": ("campaign", "spring"),
    }
    outcome = bulk.bulk_edit(board, [b.pk, a.pk], changes, now=NOW, actor=admin)
    assert ([c.title for c in outcome.cards], outcome.moved, outcome.over_limit) == (
        ["a", "b"],
        2,
        False,
    )
    rows = Card.objects.order_by("title").values_list(
        "title", "column", "swimlane", "assignee", "due", "estimate"
    )
    assert list(rows) == [
        ("a", review.pk, lane.pk, bob.pk, date(2026, 3, 20), 5),
        ("b", review.pk, lane.pk, bob.pk, date(2026, 3, 20), 5),
        ("c", column(board, "Backlog").pk, None, None, None, None),
    ]
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.position < b.position  # they keep their order at the bottom of the new cell
    assert sorted(CardLink.objects.values_list("card__title", "kind", "target_id")) == [
        ("a", "campaign", str(spring.pk)),  # a key is stored as the campaign's id
        ("b", "campaign", str(spring.pk)),
    ]
    moves = CardEvent.objects.filter(kind="moved").order_by("card__title")
    assert [(e.card.title, e.from_column.name, e.to_column.name, e.actor) for e in moves] == [
        ("a", "Backlog", "Review", admin),
        ("b", "Backlog", "Review", admin),
    ]
    assert AuditEntry.objects.filter(action="card.bulk_edit").count() == 2
    assert untouched.events.count() == 1


def test_null_empties_a_field(board, bob):
    lane = board.swimlanes.get(name="Standard")
    [card] = _cards(board, "a", assignee=bob.pk, due="2026-03-09", estimate=3, swimlane=lane.pk)
    bulk.bulk_edit(
        board,
        [card.pk],
        {"assignee": None, "due": None, "estimate": None, "swimlane": None},
        now=NOW,
    )
    card.refresh_from_db()
    assert (card.assignee, card.due, card.estimate, card.swimlane) == (None, None, None, None)
    assert card.events.count() == 1  # same column: no move in its history


def test_a_bulk_move_over_a_column_limit_is_refused_whole_and_changes_nothing(board):
    doing = column(board, "Doing")  # WIP limit 2
    [inside] = _cards(board, "inside", where="Doing")
    a, b, c = _cards(board, "a", "b", "c")
    before = _state()
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(
            board,
            [a.pk, b.pk, inside.pk],
            {"column": doing.pk, "due": "2026-03-20", "estimate": 8},
            now=NOW,
        )
    reason = "'Doing' would hold 3 cards, its WIP limit is 2"
    assert refused.value.per_card == {a.pk: {"column": reason}, b.pk: {"column": reason}}
    assert refused.value.errors == {
        f"cards.{a.pk}.column": reason,
        f"cards.{b.pk}.column": reason,
    }
    assert _state() == before  # not even the due day or estimate of the cards
    bulk.bulk_edit(board, [a.pk, inside.pk], {"column": doing.pk}, now=NOW)  # 2 fit
    assert sorted(doing.cards.values_list("title", flat=True)) == ["a", "inside"]
    assert c.events.count() == 1


def test_with_a_reason_the_bulk_move_goes_over_and_every_card_records_it(board, admin):
    doing = column(board, "Doing")
    cards = _cards(board, "a", "b", "c")
    outcome = bulk.bulk_edit(
        board,
        [c.pk for c in cards],
        {"column": doing.pk},
        override_reason="launch week",
        now=NOW,
        actor=admin,
    )
    assert outcome.over_limit is True and doing.cards.count() == 3
    moves = CardEvent.objects.filter(kind="moved")
    assert sorted(moves.values_list("card__title", "override_reason")) == [
        ("a", "launch week"),
        ("b", "launch week"),
        ("c", "launch week"),
    ]
    audited = AuditEntry.objects.filter(action="card.wip_override")
    assert [e.after["override_reason"] for e in audited] == ["launch week"] * 3


def test_the_limit_per_person_counts_what_they_would_hold_afterwards(board, bob):
    review = column(board, "Review")  # in progress, no column limit; 2 per person
    [held] = _cards(board, "held", where="Review", assignee=bob.pk)
    a, b = _cards(board, "a", "b", where="Review")
    before = _state()
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(board, [a.pk, b.pk], {"assignee": bob.pk}, now=NOW)
    reason = "bob would hold 3 cards in progress, the limit per person is 2"
    assert refused.value.per_card == {a.pk: {"assignee": reason}, b.pk: {"assignee": reason}}
    assert _state() == before
    # moving bob's own card with another of theirs within progress breaks nothing
    bulk.bulk_edit(board, [held.pk, a.pk], {"assignee": bob.pk, "column": review.pk}, now=NOW)
    assert sorted(Card.objects.filter(assignee=bob).values_list("title", flat=True)) == [
        "a",
        "held",
    ]


def test_bad_input_is_refused_by_field_and_nothing_is_written(board, workspace):
    other = actions.create_board(
        workspace,
        team="product",
        slug="other",
        name="Other",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )
    [foreign] = [actions.create_card(other, title="theirs", now=NOW)]
    [card] = _cards(board, "a")
    before = _state()
    for ids, changes, errors in [
        ([card.pk], {}, {"cards": "choose something to change: " + ", ".join(bulk.FIELDS)}),
        (
            [card.pk, foreign.pk],
            {"due": None},
            {"cards": "some selected cards are not on this board"},
        ),
        (["x"], {"due": None}, {"cards": "must be card ids"}),
        ([], {"due": None}, {"cards": f"select 1 to {bulk.MAX_BULK} cards"}),
        (
            [card.pk],
            {"column": other.columns.first().pk},
            {"column": "is not a column of this board"},
        ),
        ([card.pk], {"swimlane": 10**9}, {"swimlane": "is not a swimlane of this board"}),
        ([card.pk], {"estimate": 1000}, {"estimate": "must be between 0 and 999"}),
        (
            [card.pk],
            {"assignee": 10**9},
            {"assignee": f"{10**9} is not a member of this workspace"},
        ),
        (
            [card.pk],
            {"link": ("campaign", "nope"), "due": "2026-03-20"},
            {"link.target_id": "there is no campaign 'nope' in this workspace"},
        ),
        ([card.pk], {"title": "x"}, {"title": "cannot be changed in bulk"}),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            bulk.bulk_edit(board, ids, changes, now=NOW)
        assert refused.value.errors == errors
    assert _state() == before


@pytest.fixture
def ada(admin, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    client = Client()
    client.force_login(admin)
    return client


def test_the_board_page_shows_each_refused_card_and_keeps_the_selection(ada, board, bob):
    doing = column(board, "Doing")
    cards = _cards(board, "a", "b", "c")
    ids = [c.pk for c in cards]
    form = {"cards": ids, "column": doing.pk, "assignee": "none", "clear_due": "1"}
    before = _state()
    refused = ada.post("/work/boards/brand-board/bulk/", form)
    assert refused.status_code == 422 and _state() == before
    page = refused.content.decode()
    reason = "&#x27;Doing&#x27; would hold 3 cards, its WIP limit is 2"
    for card in cards:
        assert f'<a href="#select-{card.pk}">{card.title}</a>: {reason}' in page
        assert f'value="{card.pk}" form="bulk-form" id="select-{card.pk}"' in page
    assert page.count('aria-label="Select a" checked') == 1
    assert page.count(f'<p class="field-error work-card-error">{reason}</p>') == 3
    assert "Give a reason below to go over the limit for all of them" in page
    assert broken_error_links(page) == []  # each card's line lands on its tick box
    done = ada.post(
        "/work/boards/brand-board/bulk/", {**form, "override_reason": "all hands"}, follow=True
    )
    assert "3 cards changed over a WIP limit, with your reason." in done.content.decode()
    assert set(doing.cards.values_list("assignee", "due")) == {(None, None)}
    bad = ada.post("/work/boards/brand-board/bulk/", {"cards": ids, "estimate": "lots"})
    assert bad.status_code == 422
    assert '<a href="#bulk-estimate">estimate: must be a whole number of points</a>' in (
        bad.content.decode()
    )
    assert broken_error_links(bad.content.decode()) == []


def test_bulk_edit_over_the_api(board, workspace, admin, bob, client):
    _, token = core.issue_api_key(workspace, "personal", "test", user=admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    doing = column(board, "Doing")
    cards = _cards(board, "a", "b", "c")
    body = {"cards": [c.pk for c in cards], "column": doing.pk, "estimate": 2}
    url = "/api/work/boards/brand-board/bulk"
    before = _state()
    refused = client.post(url, body, content_type="application/json", **auth)
    assert refused.status_code == 422 and _state() == before
    reason = "'Doing' would hold 3 cards, its WIP limit is 2"
    assert refused.json()["errors"] == {f"cards.{c.pk}.column": reason for c in cards}
    changed = client.post(
        url,
        {**body, "cards": body["cards"][:2], "due": None},
        content_type="application/json",
        **auth,
    )
    assert changed.status_code == 200
    answer = changed.json()
    assert (answer["changed"], answer["moved"], answer["over_limit"]) == (2, 2, False)
    assert [(c["title"], c["column"], c["estimate"], c["due"]) for c in answer["cards"]] == [
        ("a", doing.pk, 2, None),
        ("b", doing.pk, 2, None),
    ]
    no_column = client.post(
        url, {"cards": [cards[2].pk], "column": None}, content_type="application/json", **auth
    )
    assert no_column.status_code == 422
    assert no_column.json()["errors"] == {"column": "a card cannot be in no column"}
