"""A board's labels: made, renamed, recoloured and deleted; put on cards one by one, by the
card edit and in bulk; the board and its flow metrics filtered by one; the history and
the audit log of each change; and refusals that change nothing."""

from datetime import timedelta

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions, bulk, labels, palette, selectors
from pacer.work.models import Card, CardEvent, CardLabel, Label, LabelColour
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def _names(card) -> list[str]:
    return sorted(Card.objects.get(pk=card.pk).labels.values_list("name", flat=True))


def _state():
    """Everything a refused label write must leave as it was."""
    return (
        sorted(Label.objects.values_list("board_id", "name", "colour")),
        sorted(CardLabel.objects.values_list("card_id", "label__name")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def urgent(board, admin):
    return labels.create_label(board, name="Urgent", colour="red", now=NOW, actor=admin)


@pytest.fixture
def design(board, admin):
    return labels.create_label(board, name="Design", colour="purple", now=NOW, actor=admin)


def test_every_label_colour_has_readable_text_and_is_the_charts_palette():
    assert tuple(LabelColour.values) == palette.NAMES
    for background, text in palette.COLOURS.values():
        assert palette.contrast(background, text) >= 4.5, background


def test_a_label_is_made_with_its_name_colour_and_an_audit_entry(board, admin, urgent):
    assert (urgent.board, urgent.name, urgent.colour) == (board, "Urgent", "red")
    entry = AuditEntry.objects.get(action="label.create")
    assert entry.after["name"] == "Urgent" and entry.after["colour"] == "red"
    assert urgent.chip_style == "background: #dc2626; color: #ffffff"


def test_a_name_the_board_has_is_refused_ignoring_case(board, admin, urgent):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        labels.create_label(board, name="  uRGENT ", colour="blue", now=NOW, actor=admin)
    assert refused.value.errors == {"name": "'uRGENT' is already a label on this board"}
    assert _state() == before


def test_another_board_may_use_the_same_name(board, workspace, admin, urgent):
    other = actions.create_board(
        workspace,
        team="content",
        slug="web",
        name="Web",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    twin = labels.create_label(other, name="urgent", colour="blue", now=NOW)
    assert twin.board == other


def test_bad_names_and_colours_are_refused_naming_the_field(board, urgent):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        labels.create_label(board, name="", colour="teal", now=NOW)
    assert set(refused.value.errors) == {"name", "colour"}
    with pytest.raises(ValidationFailed) as refused:
        labels.create_label(board, name="x" * 51, colour="blue", now=NOW)
    assert "50" in refused.value.errors["name"]
    assert _state() == before


def test_a_board_holds_at_most_max_labels(board, monkeypatch):
    monkeypatch.setattr(labels, "MAX_LABELS", 2)
    labels.create_label(board, name="a", colour="blue", now=NOW)
    labels.create_label(board, name="b", colour="blue", now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        labels.create_label(board, name="c", colour="blue", now=NOW)
    assert refused.value.errors == {"name": "a board holds at most 2 labels; delete one first"}
    assert board.labels.count() == 2


def test_adding_and_removing_labels_keeps_history_and_audit(board, admin, urgent, design):
    card = actions.create_card(board, title="Launch post", now=NOW)
    labels.change_labels(card, add=[urgent.pk, design.pk], now=NOW, actor=admin)
    assert _names(card) == ["Design", "Urgent"]
    labels.change_labels(card, remove=[urgent.pk], now=NOW + timedelta(hours=1), actor=admin)
    assert _names(card) == ["Design"]
    steps = list(card.events.filter(kind="labels").values_list("note", "actor__username"))
    assert steps == [("+Design +Urgent", "ada"), ("−Urgent", "ada")]
    audits = list(
        AuditEntry.objects.filter(action="card.labels").order_by("id").values("before", "after")
    )
    assert audits == [
        {"before": {"labels": []}, "after": {"labels": ["Design", "Urgent"]}},
        {"before": {"labels": ["Design", "Urgent"]}, "after": {"labels": ["Design"]}},
    ]


def test_adding_a_label_a_card_has_changes_nothing(board, urgent):
    card = actions.create_card(board, title="a", now=NOW)
    labels.change_labels(card, add=[urgent.pk], now=NOW)
    before = _state()
    labels.change_labels(card, add=[urgent.pk], now=NOW)
    assert _state() == before


def test_a_label_of_another_board_or_workspace_is_refused(board, workspace, urgent):
    from pacer.core import actions as core

    other = actions.create_board(
        workspace,
        team="content",
        slug="web",
        name="Web",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    foreign = labels.create_label(other, name="Web only", colour="green", now=NOW)
    elsewhere = core.create_workspace("Other", slug="other")
    far_board = actions.create_board(
        elsewhere,
        team="product",
        slug="x",
        name="X",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    far = labels.create_label(far_board, name="Far", colour="grey", now=NOW)
    card = actions.create_card(board, title="a", now=NOW)
    before = _state()
    for wrong in (foreign, far):
        with pytest.raises(ValidationFailed) as refused:
            labels.change_labels(card, add=[urgent.pk, wrong.pk], now=NOW)
        assert refused.value.errors == {"add": f"{wrong.pk}: not a label of this board"}
        with pytest.raises(ValidationFailed):
            actions.update_card(card, labels=[wrong.pk], now=NOW)
    assert _state() == before


def test_a_card_carries_at_most_max_card_labels(board, monkeypatch):
    monkeypatch.setattr(labels, "MAX_CARD_LABELS", 2)
    made = [labels.create_label(board, name=n, colour="blue", now=NOW) for n in "abc"]
    card = actions.create_card(board, title="a", now=NOW)
    labels.change_labels(card, add=[made[0].pk, made[1].pk], now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        labels.change_labels(card, add=[made[2].pk], now=NOW)
    assert refused.value.errors == {"labels": "a card carries at most 2 labels"}
    assert _names(card) == ["a", "b"]


def test_renaming_keeps_the_cards_and_recolouring_too(board, admin, urgent):
    card = actions.create_card(board, title="a", now=NOW)
    labels.change_labels(card, add=[urgent.pk], now=NOW)
    labels.update_label(urgent, name="Hot", colour="orange", actor=admin)
    assert _names(card) == ["Hot"]
    assert Label.objects.get(pk=urgent.pk).colour == "orange"
    entry = AuditEntry.objects.get(action="label.update")
    assert (entry.before, entry.after) == (
        {"name": "Urgent", "colour": "red"},
        {"name": "Hot", "colour": "orange"},
    )


def test_renaming_to_another_labels_name_is_refused_but_a_case_change_is_not(board, urgent, design):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        labels.update_label(design, name="URGENT")
    assert refused.value.errors == {"name": "'URGENT' is already a label on this board"}
    assert _state() == before
    labels.update_label(urgent, name="URGENT")
    assert Label.objects.get(pk=urgent.pk).name == "URGENT"


def test_deleting_a_label_takes_it_off_its_cards_with_a_note_in_each_history(
    board, admin, urgent, design
):
    cards = [actions.create_card(board, title=t, now=NOW) for t in ("a", "b", "c")]
    for card in cards[:2]:
        labels.change_labels(card, add=[urgent.pk, design.pk], now=NOW)
    assert labels.card_count(urgent) == 2
    assert labels.delete_label(urgent, now=NOW, actor=admin) == 2
    assert not Label.objects.filter(pk=urgent.pk).exists()
    assert [_names(c) for c in cards] == [["Design"], ["Design"], []]
    notes = CardEvent.objects.filter(note="−Urgent (label deleted)")
    assert sorted(notes.values_list("card_id", flat=True)) == [cards[0].pk, cards[1].pk]
    entry = AuditEntry.objects.get(action="label.delete")
    assert (entry.before, entry.after) == ({"name": "Urgent", "colour": "red"}, {"cards": 2})


def test_the_card_edit_sets_exactly_the_labels_given(board, admin, urgent, design):
    card = actions.create_card(board, title="a", now=NOW)
    actions.update_card(card, labels=[urgent.pk], now=NOW, actor=admin)
    assert _names(card) == ["Urgent"]
    actions.update_card(card, labels=[design.pk], now=NOW, actor=admin)
    assert _names(card) == ["Design"]
    actions.update_card(card, labels=[], now=NOW, actor=admin)
    assert _names(card) == []
    assert list(card.events.filter(kind="labels").values_list("note", flat=True)) == [
        "+Urgent",
        "+Design −Urgent",
        "−Design",
    ]


def test_bulk_edit_adds_and_removes_a_label_on_many_cards(board, admin, urgent, design):
    cards = [actions.create_card(board, title=t, now=NOW) for t in ("a", "b", "c")]
    labels.change_labels(cards[0], add=[design.pk], now=NOW)
    bulk.bulk_edit(
        board,
        [c.pk for c in cards[:2]],
        {"add_label": urgent.pk, "remove_label": design.pk},
        now=NOW,
        actor=admin,
    )
    assert [_names(c) for c in cards] == [["Urgent"], ["Urgent"], []]
    after = AuditEntry.objects.filter(action="card.bulk_edit").order_by("id")
    assert [e.after["labels"] for e in after] == ["+Urgent −Design", "+Urgent"]


def test_bulk_edit_refuses_a_label_of_another_board_and_changes_nothing(board, workspace, urgent):
    other = actions.create_board(
        workspace,
        team="content",
        slug="web",
        name="Web",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    foreign = labels.create_label(other, name="Web", colour="green", now=NOW)
    cards = [actions.create_card(board, title=t, now=NOW) for t in ("a", "b")]
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        bulk.bulk_edit(
            board,
            [c.pk for c in cards],
            {"add_label": foreign.pk, "assignee": None},
            now=NOW,
        )
    assert refused.value.errors == {"add_label": f"{foreign.pk}: not a label of this board"}
    assert _state() == before


def test_the_board_filtered_by_a_label_shows_only_its_cards_with_whole_column_counts(board, urgent):
    doing = column(board, "Doing")
    marked = actions.create_card(board, title="marked", column=doing.pk, now=NOW)
    actions.create_card(board, title="plain", column=doing.pk, now=NOW)
    actions.create_card(board, title="backlog", now=NOW)
    labels.change_labels(marked, add=[urgent.pk], now=NOW)
    view = selectors.board_view(board, label=urgent)
    shown = [c.title for lane in view.lanes for cell in lane.cells for c in cell.cards]
    assert shown == ["marked"]
    assert [c.chips for lane in view.lanes for cell in lane.cells for c in cell.cards] == [[urgent]]
    assert view.counts[doing.pk] == 2  # the WIP count stays the column's
    totals = {
        (lane.swimlane, cell.column.name): cell.total for lane in view.lanes for cell in lane.cells
    }
    assert totals[(None, "Doing")] == 1 and totals[(None, "Backlog")] == 0
    unfiltered = selectors.board_view(board)
    assert sum(len(cell.cards) for lane in unfiltered.lanes for cell in lane.cells) == 3


def test_flow_metrics_filtered_by_a_label_count_only_its_cards(board, urgent):
    done = column(board, "Done")
    doing = column(board, "Doing")
    fast = actions.create_card(board, title="fast", now=NOW - timedelta(days=3))
    slow = actions.create_card(board, title="slow", now=NOW - timedelta(days=10))
    for card, started in ((fast, 2), (slow, 9)):
        actions.move_card(card, column=doing.pk, now=NOW - timedelta(days=started))
        actions.move_card(card, column=done.pk, now=NOW - timedelta(days=1))
    labels.change_labels(fast, add=[urgent.pk], now=NOW)
    everything = selectors.flow_report(board, now=NOW)
    only = selectors.flow_report(board, now=NOW, label=urgent)
    assert sorted(everything.cycle_times) == [1.0, 8.0]
    assert only.cycle_times == [1.0] and only.lead_times == [2.0]
    assert sum(only.throughput) == 1 and sum(everything.throughput) == 2
