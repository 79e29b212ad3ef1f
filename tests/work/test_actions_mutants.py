"""What a stop-39 mutant-loop sample of ``pacer.work.actions`` beyond its WIP-limit
functions left alive (docs/testing.md): a deadline card's team board is looked up in its
own workspace (``_deadline_board`` 24), a long team named in at most 60 characters (36),
and a bad due day refused under ``due`` (``create_card_for_deadline`` 33, 34)."""

from datetime import date

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import FIRST_DAY, LAST_DAY, ValidationFailed
from pacer.work import actions
from pacer.work.models import Card
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
TWO = [{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}]
DUE = date(2026, 3, 20)


def _board(workspace, slug, name):
    return actions.create_board(workspace, team="brand", slug=slug, name=name, columns=TWO)


def _refusal(**given) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        actions.create_card_for_deadline(**{"key": "k", "title": "T", "now": NOW, **given})
    return refused.value.errors


def test_a_deadline_card_goes_to_its_teams_board_in_its_own_workspace(workspace, admin):
    other = core_actions.create_workspace("Other", slug="other")
    theirs = _board(other, "a", "Aardvark")  # first by name, and older
    ours = _board(workspace, "z", "Zebra")
    card, created = actions.create_card_for_deadline(
        workspace, key="k", title="T", due=DUE, now=NOW, team="brand", actor=admin
    )
    assert (created, card.board_id, card.due) == (True, ours.pk, DUE)
    assert theirs.cards.count() == 0


def test_a_team_without_a_board_is_named_in_at_most_60_characters(workspace):
    long = "t" * 70
    assert _refusal(workspace=workspace, due=DUE, team=long) == {
        "team": f"team '{'t' * 60}' has no board"
    }
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    ("due", "reason"),
    [
        ("2026-02-30", "'2026-02-30' is not a date (YYYY-MM-DD)"),
        (date(1800, 1, 1), f"must be a day from {FIRST_DAY} to {LAST_DAY}"),
    ],
)
def test_a_bad_due_day_is_refused_under_due_alone(workspace, due, reason):
    _board(workspace, "b", "B")
    assert _refusal(workspace=workspace, due=due, board="b") == {"due": reason}
    assert not Card.objects.exists()


def test_a_link_id_has_at_most_64_characters(workspace):
    _board(workspace, "b", "B")
    assert _refusal(workspace=workspace, due=DUE, board="b", link=("content", "9" * 65)) == {
        "link": "must be at most 64 characters"
    }
    # 64 pass the bound and reach the item's own check
    with pytest.raises(ValidationFailed) as refused:
        actions.create_card_for_deadline(
            workspace, key="k", title="T", due=DUE, now=NOW, board="b", link=("content", "9" * 64)
        )
    assert list(refused.value.errors) == ["target_id"]
    assert not Card.objects.exists()


def test_each_deadline_key_has_its_own_card(workspace, admin):
    board = _board(workspace, "b", "B")
    review, _ = actions.create_card_for_deadline(
        workspace, key="content:1:review", title="Review", due=DUE, now=NOW, board="b"
    )
    publish, created = actions.create_card_for_deadline(
        workspace,
        key="content:1:publish",
        title="Publish",
        due=date(2026, 3, 27),
        now=NOW,
        board="b",
    )
    assert created and publish.pk != review.pk
    rows = board.cards.order_by("pk").values_list("source_key", "title", "due")
    assert list(rows) == [
        ("content:1:review", "Review", DUE),
        ("content:1:publish", "Publish", date(2026, 3, 27)),
    ]
