"""Archiving, restoring and deleting a card (``pacer.work.archive``): an archived card
leaves every view of the board and every WIP count but keeps its history; restoring is
checked like a move; only an archived card is deleted, with everything on it."""

from datetime import timedelta

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions, archive, attachments, bulk, comments, selectors
from pacer.work.models import Attachment, Card, CardEvent, CardLink, ChecklistItem, Comment
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _audit(action):
    return list(AuditEntry.objects.filter(action=action).values_list("object_id", "after"))


def _state():
    return (
        sorted(Card.objects.values_list("pk", "column__name", "position", "archived_at")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def doing(board, admin):
    """Two cards in Doing (limit 2), both held by ada (2 per person)."""
    cards = [
        actions.create_card(board, title=t, column=column(board, "Doing").pk, now=NOW)
        for t in ("first", "second")
    ]
    for card in cards:
        actions.update_card(card, assignee=admin.pk, now=NOW)
    return cards


def test_an_archived_card_leaves_the_board_and_its_wip_counts(board, admin, doing):
    first, second = doing
    archived = archive.archive_card(first, now=NOW + timedelta(hours=1), actor=admin)

    assert archived.archived_at == NOW + timedelta(hours=1)
    view = selectors.board_view(board)
    assert view.counts[column(board, "Doing").pk] == 1
    assert view.in_progress == [("ada", 1)]
    shown = [c.title for lane in view.lanes for cell in lane.cells for c in cell.cards]
    assert shown == ["second"]
    assert [c.title for c in selectors.cards(board)] == ["second"]
    assert selectors.column_counts(board)[column(board, "Doing").pk] == 1
    assert selectors.cell_page(board, column(board, "Doing"), None)[0] == [second]
    assert [
        (p.person.username, [c.title for c in p.doing]) for p in selectors.standup(board, now=NOW)
    ] == [("ada", ["second"])]
    assert [
        (person.username, [c.title for c in held])
        for person, held in selectors.who_works_on_what(board.workspace)
    ] == [("ada", ["second"])]
    assert selectors.boards(board.workspace).get().card_count == 1
    assert [c.title for c in selectors.archived_cards(board)] == ["first"]
    # the column and the person each have a free place again
    third = actions.create_card(board, title="third", column=column(board, "Doing").pk, now=NOW)
    actions.update_card(third, assignee=admin.pk, now=NOW)
    assert list(CardEvent.objects.filter(card=first).values_list("kind", flat=True)) == [
        "created",
        "archived",
    ]
    assert _audit("card.archive") == [
        (str(first.pk), {"archived_at": "2026-03-04T11:00:00+00:00", "column": "Doing"})
    ]


def test_archiving_twice_is_refused_with_nothing_written(board, doing):
    archive.archive_card(doing[0], now=NOW)
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        archive.archive_card(doing[0], now=NOW + timedelta(days=1))
    assert refused.value.errors == {"card": "is archived already"}
    assert _state() == before


def test_archiving_leaves_the_flow_metrics_past_days_unchanged(board, admin):
    card = actions.create_card(board, title="flowing", now=NOW)
    actions.move_card(card, column=column(board, "Doing").pk, now=NOW + timedelta(days=1))
    actions.move_card(card, column=column(board, "Done").pk, now=NOW + timedelta(days=3))
    ageing = actions.create_card(board, title="ageing", now=NOW)
    actions.move_card(ageing, column=column(board, "Review").pk, now=NOW + timedelta(days=2))
    later = NOW + timedelta(days=6)
    before = selectors.flow_report(board, now=later)

    archive.archive_card(card, now=later, actor=admin)
    archive.archive_card(ageing, now=later, actor=admin)
    after = selectors.flow_report(board, now=later)

    assert after.cumulative == before.cumulative
    assert (after.cycle_times, after.lead_times) == (before.cycle_times, before.lead_times)
    assert (after.cycle_times, after.lead_times) == ([2.0], [3.0])
    assert after.throughput == before.throughput == [0] * 6 + [1, 0]
    assert [c.title for c, _ in before.ageing] == ["ageing"]
    assert after.ageing == []  # ageing work is work on the board


def test_restoring_puts_the_card_back_in_its_place(board, admin):
    cards = [actions.create_card(board, title=t, now=NOW) for t in "abc"]
    archive.archive_card(cards[1], now=NOW)
    restored = archive.restore_card(cards[1], now=NOW + timedelta(hours=2), actor=admin)

    assert restored.archived_at is None
    view = selectors.board_view(board)
    assert [c.title for c in view.lanes[0].cells[0].cards] == ["a", "b", "c"]
    assert view.counts[column(board, "Backlog").pk] == 3
    assert _audit("card.restore") == [(str(cards[1].pk), {"column": "Backlog"})]
    assert CardEvent.objects.filter(card=cards[1]).last().kind == "restored"


def test_restoring_over_a_wip_limit_is_refused_with_nothing_moved(board, admin, doing):
    first, second = doing
    archive.archive_card(first, now=NOW)
    actions.create_card(board, title="third", column=column(board, "Doing").pk, now=NOW)
    before = _state()

    with pytest.raises(actions.WipLimitExceeded) as refused:
        archive.restore_card(first, now=NOW, actor=admin)
    assert refused.value.errors == {
        "column": "'Doing' already holds 2 cards, its WIP limit is 2; finish one first or "
        "give a reason to go over"
    }
    assert _state() == before
    assert selectors.board_view(board).counts[column(board, "Doing").pk] == 2


def test_restoring_over_a_limit_with_a_reason_is_recorded(board, admin, doing):
    first, _ = doing
    archive.archive_card(first, now=NOW)
    actions.create_card(board, title="third", column=column(board, "Doing").pk, now=NOW)

    archive.restore_card(first, now=NOW, override_reason="launch day", actor=admin)

    assert selectors.board_view(board).counts[column(board, "Doing").pk] == 3
    event = CardEvent.objects.filter(card=first).last()
    assert (event.kind, event.override_reason) == ("restored", "launch day")
    [(_, after)] = _audit("card.restore")
    assert after["override_reason"] == "launch day" and set(after["limits"]) == {"column"}


def test_restoring_a_card_on_the_board_is_refused(board):
    card = actions.create_card(board, title="here", now=NOW)
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        archive.restore_card(card, now=NOW)
    assert refused.value.errors == {"card": "is not archived"}
    assert _state() == before


def test_an_archived_card_cannot_be_moved_nor_bulk_edited(board, doing):
    first, second = doing
    archive.archive_card(first, now=NOW)
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        actions.move_card(first, column=column(board, "Done").pk, now=NOW)
    assert refused.value.errors == {"card": "is archived: restore it first"}
    with pytest.raises(ValidationFailed) as refused:
        bulk.bulk_edit(board, [first.pk, second.pk], {"due": "2026-04-01"}, now=NOW)
    assert refused.value.errors == {"cards": "some selected cards are not on this board"}
    assert _state() == before


def test_deleting_an_archived_card_takes_everything_on_it(
    board, admin, django_capture_on_commit_callbacks
):
    card = actions.create_card(board, title="gone soon", now=NOW)
    keep = actions.create_card(board, title="stays", now=NOW)
    actions.add_checklist_item(card, "one")
    comments.add_comment(card, "hello", now=NOW, actor=admin)
    actions.add_link(card, "journey", "welcome", actor=admin)
    upload = attachments.upload(card, filename="a.png", data=PNG, now=NOW, actor=admin)
    archive.archive_card(card, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        archive.delete_card(card, actor=admin)

    assert list(Card.objects.values_list("title", flat=True)) == ["stays"]
    assert (
        ChecklistItem.objects.count(),
        Comment.objects.count(),
        Attachment.objects.count(),
        CardLink.objects.count(),
        CardEvent.objects.filter(card_id=card.pk).count(),
    ) == (0, 0, 0, 0, 0)
    assert not attachments.files().exists(upload.key)
    assert list(
        AuditEntry.objects.filter(action="card.delete").values_list("object_id", "before")
    ) == [
        (
            str(card.pk),
            {"title": "gone soon", "column": "Backlog", "comments": 1, "attachments": 1},
        )
    ]
    assert Card.objects.get(pk=keep.pk).archived_at is None


def test_deleting_a_card_on_the_board_is_refused_with_nothing_deleted(board, admin):
    card = actions.create_card(board, title="on the board", now=NOW)
    actions.add_checklist_item(card, "one")
    before = (_state(), ChecklistItem.objects.count())
    with pytest.raises(ValidationFailed) as refused:
        archive.delete_card(card, actor=admin)
    assert refused.value.errors == {
        "card": "archive it first: only an archived card can be deleted"
    }
    assert (_state(), ChecklistItem.objects.count()) == before


def test_a_deadline_card_is_not_deleted_it_stays_archived(board, admin):
    card, _ = actions.create_card_for_deadline(
        board.workspace,
        key="content:7:due",
        title="Review",
        due="2026-03-20",
        now=NOW,
        board=board.slug,
    )
    archive.archive_card(card, now=NOW)
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        archive.delete_card(card, actor=admin)
    assert set(refused.value.errors) == {"card"}
    assert _state() == before
    # made again for the same deadline, it is the same (archived) card, not a second one
    again, created = actions.create_card_for_deadline(
        board.workspace,
        key="content:7:due",
        title="Review",
        due="2026-03-20",
        now=NOW,
        board=board.slug,
    )
    assert (again.pk, created, Card.objects.count()) == (card.pk, False, 1)
