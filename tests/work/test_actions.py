"""Writes to boards and cards: WIP limits (refusal with nothing written, override with its
reason recorded), history of every move, ordering, bulk edit, mentions, sprints."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions, comments, sprints
from pacer.work.models import Card, CardEvent, Comment, Notification, Sprint
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def _card(board, title, where="Backlog", **extra):
    return actions.create_card(board, title=title, column=column(board, where).pk, now=NOW, **extra)


def _state(board):
    return (
        sorted(Card.objects.filter(board=board).values_list("title", "column__name", "position")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_board_is_created_with_its_columns_lanes_and_limits(board):
    assert list(board.columns.values_list("name", "stage", "wip_limit", "position")) == [
        ("Backlog", "todo", None, 0),
        ("Doing", "doing", 2, 1),
        ("Review", "doing", None, 2),
        ("Done", "done", None, 3),
    ]
    assert list(board.swimlanes.values_list("name", flat=True)) == ["Expedite", "Standard"]
    assert board.person_wip_limit == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Bad Slug"}, "slug"),
        ({"team": ""}, "team"),
        ({"name": " "}, "name"),
        ({"columns": [{"name": "Only", "stage": "todo"}]}, "columns"),
        ({"columns": [{"name": "A", "stage": "todo"}, {"name": "B", "stage": "doing"}]}, "columns"),
        ({"columns": [{"name": "A", "stage": "todo"}, {"name": "a", "stage": "done"}]}, "columns"),
        (
            {"columns": [{"name": "A", "stage": "later"}, {"name": "B", "stage": "done"}]},
            "columns[0].stage",
        ),
        (
            {
                "columns": [
                    {"name": "A", "stage": "todo", "wip_limit": 0},
                    {"name": "B", "stage": "done"},
                ]
            },
            "columns[0].wip_limit",
        ),
        ({"person_wip_limit": "many"}, "person_wip_limit"),
    ],
)
def test_a_bad_board_is_refused_naming_the_field_and_nothing_is_written(workspace, change, field):
    base = {
        "team": "brand",
        "slug": "b",
        "name": "B",
        "columns": [{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    }
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_board(workspace, **{**base, **change})
    assert field in refused.value.errors
    assert not workspace.board_set.exists() and AuditEntry.objects.count() == audit_before


def test_a_duplicate_board_slug_is_refused(workspace, board):
    with pytest.raises(ValidationFailed, match="already a board"):
        actions.create_board(
            workspace,
            team="product",
            slug="brand-board",
            name="Again",
            columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
        )


def test_every_move_is_recorded_with_from_to_who_and_when(board, admin):
    card = _card(board, "Spring email")
    later = NOW + timedelta(hours=3)
    actions.move_card(card, column=column(board, "Doing").pk, now=later, actor=admin)
    events = list(
        card.events.values_list("kind", "from_column__name", "to_column__name", "actor", "at")
    )
    assert events == [
        ("created", None, "Backlog", None, NOW),
        ("moved", "Backlog", "Doing", admin.pk, later),
    ]
    assert AuditEntry.objects.filter(action="card.move", object_id=str(card.pk)).count() == 1


def test_a_move_over_a_column_limit_is_refused_and_changes_nothing(board, admin):
    doing = column(board, "Doing")
    for title in ("a", "b"):
        actions.move_card(_card(board, title), column=doing.pk, now=NOW)
    third = _card(board, "c")
    before = _state(board)
    with pytest.raises(actions.WipLimitExceeded) as refused:
        actions.move_card(third, column=doing.pk, now=NOW, actor=admin)
    assert refused.value.errors == {
        "column": "'Doing' already holds 2 cards, its WIP limit is 2; finish one first or "
        "give a reason to go over"
    }
    assert _state(board) == before


def test_a_move_over_a_limit_with_a_reason_is_made_and_the_override_recorded(board, admin):
    doing = column(board, "Doing")
    for title in ("a", "b"):
        actions.move_card(_card(board, title), column=doing.pk, now=NOW)
    third = _card(board, "c")
    actions.move_card(
        third, column=doing.pk, now=NOW, override_reason="launch blocker", actor=admin
    )
    assert Card.objects.filter(column=doing).count() == 3
    move = third.events.get(kind="moved")
    assert move.override_reason == "launch blocker"
    entry = AuditEntry.objects.get(action="card.wip_override")
    assert entry.before == {"column": "Backlog"}
    assert entry.after == {
        "column": "Doing",
        "override_reason": "launch blocker",
        "limits": {
            "column": "'Doing' already holds 2 cards, its WIP limit is 2; finish one first or "
            "give a reason to go over"
        },
    }
    assert entry.object_id == str(third.pk) and entry.actor == admin


def test_a_reason_on_a_move_within_the_limits_is_no_override(board):
    card = _card(board, "a")
    actions.move_card(card, column=column(board, "Doing").pk, now=NOW, override_reason="just")
    assert card.events.get(kind="moved").override_reason == ""
    assert not AuditEntry.objects.filter(action="card.wip_override").exists()


def test_the_limit_per_person_counts_their_cards_in_every_in_progress_column(board, bob):
    doing, review = column(board, "Doing"), column(board, "Review")
    actions.move_card(_card(board, "a", assignee=bob.pk), column=doing.pk, now=NOW)
    actions.move_card(_card(board, "b", assignee=bob.pk), column=review.pk, now=NOW)
    third = _card(board, "c", assignee=bob.pk)
    with pytest.raises(actions.WipLimitExceeded) as refused:
        actions.move_card(third, column=review.pk, now=NOW)
    assert refused.value.errors == {
        "assignee": "bob already has 2 cards in progress, the limit per person is 2; give a "
        "reason to go over"
    }
    # moving one of bob's own in-progress cards between in-progress columns is fine
    held = Card.objects.get(title="a")
    actions.move_card(held, column=review.pk, now=NOW)
    # and giving an in-progress card to bob is checked too
    other = _card(board, "d")
    actions.move_card(other, column=doing.pk, now=NOW)
    with pytest.raises(actions.WipLimitExceeded, match="limit per person"):
        actions.update_card(other, assignee=bob.pk, now=NOW)
    assert Card.objects.get(pk=other.pk).assignee is None


def test_creating_a_card_straight_into_a_full_column_is_refused(board):
    for title in ("a", "b"):
        _card(board, title, where="Doing")
    with pytest.raises(actions.WipLimitExceeded):
        _card(board, "c", where="Doing")
    assert Card.objects.count() == 2


def _order(board, where="Backlog"):
    return list(
        Card.objects.filter(column=column(board, where), swimlane=None)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )


def _positions(board):
    return dict(Card.objects.filter(board=board).values_list("title", "position"))


def test_a_card_moved_to_the_top_takes_a_slot_above_and_no_other_card_is_rewritten(board):
    cards = [_card(board, t) for t in ("a", "b", "c")]
    assert _positions(board) == {"a": 1024, "b": 2048, "c": 3072}
    actions.move_card(cards[2], column=column(board, "Backlog").pk, position=0, now=NOW)
    assert _order(board) == ["c", "a", "b"]
    assert _positions(board) == {"a": 1024, "b": 2048, "c": 0}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"position": 1}, ["a", "d", "b", "c"]),
        ({"position": 3}, ["a", "b", "c", "d"]),
        ({"position": 99}, ["a", "b", "c", "d"]),
        ({"before": "b"}, ["a", "d", "b", "c"]),
        ({"before": "a"}, ["d", "a", "b", "c"]),
        ({"after": "c"}, ["a", "b", "c", "d"]),
        ({"after": "a"}, ["a", "d", "b", "c"]),
        ({}, ["a", "b", "c", "d"]),
    ],
)
def test_a_card_goes_where_it_is_asked_by_index_or_by_neighbour(board, where, expected):
    cards = {t: _card(board, t) for t in ("a", "b", "c")}
    moving = _card(board, "d", where="Review")
    asked = {k: (cards[v].pk if k in ("before", "after") else v) for k, v in where.items()}
    actions.move_card(moving, column=column(board, "Backlog").pk, now=NOW, **asked)
    assert _order(board) == expected


def test_a_move_between_two_adjacent_positions_renumbers_the_cell_and_keeps_the_order(board):
    cards = {t: _card(board, t) for t in ("a", "b", "c")}
    Card.objects.filter(pk=cards["a"].pk).update(position=5)
    Card.objects.filter(pk=cards["b"].pk).update(position=6)  # nothing fits between a and b
    Card.objects.filter(pk=cards["c"].pk).update(position=6)  # a tie, ordered by id
    moving = _card(board, "d", where="Review")
    actions.move_card(moving, column=column(board, "Backlog").pk, before=cards["b"].pk, now=NOW)
    assert _order(board) == ["a", "d", "b", "c"]
    positions = _positions(board)
    assert [positions[t] for t in ("a", "b", "c")] == [1024, 2048, 3072]  # renumbered
    assert 1024 < positions["d"] < 2048
    other_cell = _card(board, "e", where="Review")
    assert other_cell.position == 1024  # another cell is left alone


def test_a_move_writes_as_many_queries_into_a_long_column_as_into_a_short_one(board):
    def queries_to_move_into(cards_in_cell: int, slug: str) -> int:
        target = actions.create_board(
            board.workspace,
            team="product",
            slug=slug,
            name=slug,
            columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
        )
        first, second = target.columns.all()
        for index in range(cards_in_cell):
            actions.create_card(target, title=f"c{index}", column=first.pk, now=NOW)
        moving = actions.create_card(target, title="moving", column=second.pk, now=NOW)
        with CaptureQueriesContext(connection) as captured:
            actions.move_card(moving, column=first.pk, position=cards_in_cell // 2, now=NOW)
        writes = [q for q in captured if q["sql"].lstrip().upper().startswith("UPDATE")]
        assert len(writes) == 1  # the moved card only (no renumbering)
        return len(captured)

    assert queries_to_move_into(3, "short") == queries_to_move_into(60, "long")


def test_a_neighbour_outside_the_target_cell_is_refused_with_nothing_moved(board):
    here = _card(board, "a")
    elsewhere = _card(board, "b", where="Review")
    before = _state(board)
    with pytest.raises(ValidationFailed) as refused:
        actions.move_card(here, column=column(board, "Doing").pk, before=elsewhere.pk, now=NOW)
    assert refused.value.errors == {"before": "is not a card in that column and swimlane"}
    assert _state(board) == before


def test_a_move_to_another_boards_column_or_a_bad_position_is_refused(board, workspace):
    other = actions.create_board(
        workspace,
        team="product",
        slug="other",
        name="Other",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )
    card = _card(board, "a")
    with pytest.raises(ValidationFailed) as refused:
        actions.move_card(card, column=other.columns.first().pk, now=NOW)
    assert refused.value.errors == {"column": "is not a column of this board"}
    with pytest.raises(ValidationFailed) as refused:
        actions.move_card(card, column=column(board, "Doing").pk, position=-1, now=NOW)
    assert "position" in refused.value.errors
    assert card.events.count() == 1


def test_a_comment_notifies_the_members_it_mentions_and_nobody_else(board, admin, bob):
    card = _card(board, "a")
    comments.add_comment(card, "@bob can you check? cc @ada. @stranger", now=NOW, actor=bob)
    found = sorted(Notification.objects.values_list("user__username", "card", "comment__body"))
    body = "@bob can you check? cc @ada. @stranger"
    assert found == [("ada", card.pk, body)]  # not bob, its author; no stranger
    with pytest.raises(ValidationFailed):
        comments.add_comment(card, "  ", now=NOW)
    assert Comment.objects.count() == 1


def test_blocking_and_unblocking_are_recorded(board):
    card = _card(board, "a")
    actions.set_blocked(card, "waiting on legal", now=NOW)
    actions.set_blocked(card, "", now=NOW + timedelta(days=1))
    assert list(card.events.values_list("kind", "note")) == [
        ("created", ""),
        ("blocked", "waiting on legal"),
        ("unblocked", ""),
    ]


def test_a_sprint_lasts_one_to_four_weeks_and_does_not_overlap_another(board):
    sprint = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=2, capacity=20)
    assert (sprint.start, sprint.end) == (date(2026, 3, 2), date(2026, 3, 15))
    for weeks in (0, 5, "two"):
        with pytest.raises(ValidationFailed) as refused:
            sprints.create_sprint(board, name="S", start="2026-04-06", weeks=weeks, capacity=5)
        assert refused.value.errors == {"weeks": "a sprint lasts 1, 2, 3 or 4 weeks"}
    with pytest.raises(ValidationFailed, match="overlaps sprint 'S1'"):
        sprints.create_sprint(board, name="S2", start="2026-03-15", weeks=1, capacity=5)
    assert Sprint.objects.count() == 1


def test_planning_keeps_a_sprint_within_its_capacity(board):
    sprint = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=8)
    five, four, unestimated = (
        _card(board, "a", estimate=5),
        _card(board, "b", estimate=4),
        _card(board, "c"),
    )
    sprints.plan(five, sprint)
    with pytest.raises(ValidationFailed) as refused:
        sprints.plan(four, sprint)
    assert refused.value.errors == {
        "sprint": "'S1' has 5 of 8 points planned; this card's 4 would go over its capacity"
    }
    with pytest.raises(ValidationFailed, match="estimate the card"):
        sprints.plan(unestimated, sprint)
    assert list(sprint.cards.values_list("title", flat=True)) == ["a"]


def test_a_link_must_name_something_in_the_cards_workspace(board, workspace, admin):
    from pacer.core import actions as core
    from pacer.planning.actions import create_campaign
    from pacer.work import links
    from pacer.work.models import CardLink

    card = actions.create_card(board, title="launch", now=NOW)
    spring = create_campaign(workspace, "spring", "email", name="Spring sale")
    other = core.create_workspace("Other", slug="other")
    theirs = create_campaign(other, "theirs", "email", name="Not ours")
    before = AuditEntry.objects.count()
    for kind, target, label in [
        ("campaign", "autumn", "campaign"),
        ("campaign", str(theirs.pk), "campaign"),
        ("content", "999999", "content item"),
        ("lead", "abc", "lead"),
        ("asset", "12", "asset"),
        ("message", "7", "message"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            actions.add_link(card, kind, target, actor=admin)
        assert refused.value.errors == {
            "target_id": f"there is no {label} '{target}' in this workspace"
        }
    assert CardLink.objects.count() == 0 and AuditEntry.objects.count() == before
    # by key or by id, stored under the id; shown with the campaign's name and page
    by_key = actions.add_link(card, "campaign", "spring", actor=admin)
    assert links.resolve(workspace, by_key.kind, by_key.target_id) == links.Target(
        "Spring sale", f"/campaigns/{spring.pk}/", str(spring.pk)
    )
    actions.add_link(card, "journey", "welcome-series", actor=admin)  # no journeys domain yet
    assert sorted(card.links.values_list("kind", "target_id")) == [
        ("campaign", str(spring.pk)),
        ("journey", "welcome-series"),
    ]
