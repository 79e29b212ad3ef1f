"""Cards made for other domains' deadlines (``create_card_for_deadline``): one card per
key however often it is called, its due day following the deadline, bad input refused
naming the field with nothing written."""

from datetime import date

import pytest

from pacer.content import actions as content
from pacer.content import selectors as content_selectors
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions
from pacer.work.models import Card, CardLink
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
KEY = "content:42:review"


def spring_item(workspace):
    """The content item the deadline is about (a card's link must name a real one)."""
    return content.create_item(workspace, title="Spring launch", kind="ad", channel="email")


@pytest.fixture(autouse=True)
def _spring_item(workspace):
    return spring_item(workspace)


def _item_id(workspace) -> str:
    return str(content_selectors.items(workspace).get(title="Spring launch").pk)


def _call(**changes):
    arguments = {
        "key": KEY,
        "title": "Review 'Spring launch'",
        "due": date(2026, 3, 20),
        "now": NOW,
        "board": "brand-board",
    }
    arguments.update(changes)
    arguments.setdefault("link", ("content", _item_id(arguments["workspace"])))
    return actions.create_card_for_deadline(arguments.pop("workspace"), **arguments)


def test_a_deadline_makes_one_card_however_often_it_is_called(board, workspace):
    card, created = _call(workspace=workspace)
    again, created_again = _call(workspace=workspace)
    assert (created, created_again) == (True, False)
    assert again.pk == card.pk and Card.objects.count() == 1
    assert (card.title, card.due, card.column.name, card.source_key) == (
        "Review 'Spring launch'",
        date(2026, 3, 20),
        "Backlog",
        KEY,
    )
    assert list(CardLink.objects.values_list("card", "kind", "target_id")) == [
        (card.pk, "content", _item_id(workspace))
    ]
    assert card.events.get().kind == "created"


def test_a_moved_deadline_moves_the_cards_due_day_and_is_audited(board, workspace):
    card, _ = _call(workspace=workspace)
    before = AuditEntry.objects.count()
    moved, created = _call(workspace=workspace, due="2026-03-27", title="Review v2")
    assert not created and moved.pk == card.pk
    card.refresh_from_db()
    assert (card.due, card.title) == (date(2026, 3, 27), "Review v2")
    assert AuditEntry.objects.count() == before + 1
    unchanged, _ = _call(workspace=workspace, due="2026-03-27", title="Review v2")
    assert AuditEntry.objects.count() == before + 1  # nothing changed: nothing recorded


def test_a_team_finds_its_first_board(board, workspace):
    card, created = _call(workspace=workspace, board=None, team="brand", link=None)
    assert created and card.board == board and not card.links.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"key": ""}, "key"),
        ({"key": "k" * 121}, "key"),
        ({"title": ""}, "title"),
        ({"due": None}, "due"),
        ({"due": "soon"}, "due"),
        ({"board": "nope"}, "board"),
        ({"board": None}, "board"),
        ({"board": None, "team": "nobody"}, "team"),
        ({"link": ("planet", "1")}, "link"),
        ({"link": ("content", "")}, "link"),
    ],
)
def test_bad_input_is_refused_naming_the_field_with_nothing_written(
    board, workspace, changes, field
):
    before = (Card.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationFailed) as refused:
        _call(workspace=workspace, **changes)
    assert field in refused.value.errors
    assert (Card.objects.count(), AuditEntry.objects.count()) == before


def test_the_same_key_in_another_workspace_is_another_card(board, workspace):
    from pacer.core import actions as core

    other = core.create_workspace("Other", slug="other")
    actions.create_board(
        other,
        team="brand",
        slug="brand-board",
        name="Theirs",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )
    spring_item(other)
    mine, _ = _call(workspace=workspace)
    theirs, created = _call(workspace=other)
    assert created and theirs.pk != mine.pk and theirs.workspace == other
