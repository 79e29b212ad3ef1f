"""The work domain's writes to the letter: each refusal's exact reason and bounds, each
write's audit entry and history, and what a write must leave alone (mutation testing of
``pacer/work/actions.py``, docs/testing.md, showed these unchecked)."""

from datetime import date, timedelta

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions
from pacer.work.models import Board, Card, CardEvent, ChecklistItem
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db

KINDS = "campaign, content, journey, lead, asset, message"
TWO = [{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}]


def _board(workspace, **changes):
    return actions.create_board(
        workspace, **{"team": "brand", "slug": "b", "name": "B", "columns": TWO, **changes}
    )


def _refusal(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    return refused.value.errors


def _card(board, title, where="Backlog", **extra):
    return actions.create_card(board, title=title, column=column(board, where).pk, now=NOW, **extra)


def _audit(action):
    return list(AuditEntry.objects.filter(action=action).values_list("actor", "before", "after"))


SLUG_RULE = "use 1-60 lowercase letters, digits or '-', starting with one"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"team": "Brand!"}, {"team": SLUG_RULE}),
        ({"team": None}, {"team": SLUG_RULE}),
        ({"team": "sales"}, {"team": "no team 'sales' in this workspace: choose one of its teams"}),
        ({"slug": "-b"}, {"slug": SLUG_RULE}),
        ({"slug": None}, {"slug": SLUG_RULE}),
        ({"columns": TWO[:1]}, {"columns": "need 2 to 12 columns"}),
        (
            {"columns": [{"name": "A", "stage": "todo"}, {"name": "B", "stage": "doing"}]},
            {"columns": "need at least one to-do column and one done column"},
        ),
        (
            {"columns": [{"name": "A", "stage": "doing"}, {"name": "B", "stage": "done"}]},
            {"columns": "need at least one to-do column and one done column"},
        ),
        (
            {"columns": [{"name": "Done", "stage": "todo"}, {"name": "DONE", "stage": "done"}]},
            {"columns": "column names must be different"},
        ),
        (
            {"columns": [{"name": "A", "stage": "soon"}, {"name": "B", "stage": "done"}]},
            {
                "columns[0].stage": "must be one of todo, doing, done",
                "columns": "need at least one to-do column and one done column",
            },
        ),
        ({"swimlanes": ["L"] * 13}, {"swimlanes": "at most 12 swimlanes"}),
    ],
)
def test_a_bad_board_gets_the_exact_reason_and_nothing_is_written(workspace, change, errors):
    audited = AuditEntry.objects.count()
    assert _refusal(_board, workspace, **change) == errors
    assert not Board.objects.exists() and AuditEntry.objects.count() == audited


def test_a_board_takes_up_to_twelve_columns_and_lanes_and_names_at_their_length(workspace):
    columns = [{"name": f"C{i}", "stage": "doing"} for i in range(10)]
    board = _board(
        workspace,
        team=" brand ",
        slug=" wide ",
        name="n" * 200,
        columns=[{"name": "t" * 60, "stage": "todo"}, *columns, {"name": "Done", "stage": "done"}],
        swimlanes=[f"L{i}" for i in range(11)] + ["l" * 60],
    )
    assert (board.team, board.slug, board.name) == ("brand", "wide", "n" * 200)
    assert board.columns.count() == 12 and board.swimlanes.count() == 12
    assert list(board.swimlanes.values_list("position", flat=True)) == list(range(12))
    thirteen = [*columns, {"name": "X", "stage": "doing"}, TWO[0], TWO[1]]
    refusals = [
        _refusal(_board, workspace, slug="c", columns=thirteen),
        _refusal(_board, workspace, slug="c", name="n" * 201),
        _refusal(
            _board, workspace, slug="c", columns=[{"name": "t" * 61, "stage": "todo"}, TWO[1]]
        ),
        _refusal(_board, workspace, slug="c", swimlanes=["l" * 61]),
    ]
    assert [list(errors) for errors in refusals] == [
        ["columns"],
        ["name"],
        ["columns[0].name"],
        ["swimlanes[0]"],
    ]
    assert Board.objects.count() == 1


def test_a_slug_is_unique_within_its_workspace_only(workspace):
    from pacer.core import actions as core

    _board(workspace)
    assert _refusal(_board, workspace, name="Again") == {
        "slug": "'b' is already a board in this workspace"
    }
    other = core.create_workspace("Other", slug="other")
    assert _board(other).workspace == other


def test_a_new_board_is_audited_with_its_maker(workspace, admin):
    board = _board(workspace, person_wip_limit="3", actor=admin)
    assert _audit("board.create") == [
        (
            admin.pk,
            None,
            {
                "id": board.pk,
                "workspace": workspace.pk,
                "team": "brand",
                "slug": "b",
                "name": "B",
                "person_wip_limit": 3,
            },
        )
    ]


def test_limits_are_changed_audited_and_cleared(board, admin):
    doing = column(board, "Doing")
    actions.set_limits(doing, wip_limit="4", person_wip_limit=3, actor=admin)
    doing.refresh_from_db()
    board.refresh_from_db()
    assert (doing.wip_limit, board.person_wip_limit) == (4, 3)
    actions.set_limits(doing, wip_limit="", person_wip_limit=None, actor=admin)
    doing.refresh_from_db()
    board.refresh_from_db()
    assert (doing.wip_limit, board.person_wip_limit) == (None, None)
    assert [(e.actor_id, e.object_id, e.before, e.after) for e in _entries("board.limits")] == [
        (
            admin.pk,
            str(doing.pk),
            {"wip_limit": 2, "person_wip_limit": 2},
            {"wip_limit": 4, "person_wip_limit": 3},
        ),
        (
            admin.pk,
            str(doing.pk),
            {"wip_limit": 4, "person_wip_limit": 3},
            {"wip_limit": None, "person_wip_limit": None},
        ),
    ]


def _entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_bad_limits_are_refused_naming_each_field_with_nothing_changed(board):
    doing = column(board, "Doing")
    assert _refusal(actions.set_limits, doing, wip_limit="0", person_wip_limit="x") == {
        "wip_limit": "must be between 1 and 999 (or empty for no limit)",
        "person_wip_limit": "must be a whole number",
    }
    doing.refresh_from_db()
    board.refresh_from_db()
    assert (doing.wip_limit, board.person_wip_limit) == (2, 2)
    assert not AuditEntry.objects.filter(action="board.limits").exists()


def test_a_new_card_goes_to_the_first_column_with_its_history_and_audit(board, admin, bob):
    card = actions.create_card(
        board,
        title="Launch",
        now=NOW,
        description="d" * 10_000,
        due="2026-03-20",
        estimate="5",
        swimlane=board.swimlanes.get(name="Standard").pk,
        assignee=bob.pk,
        source_key="k",
        actor=admin,
    )
    card.refresh_from_db()
    assert (
        card.column.name,
        card.swimlane.name,
        card.assignee,
        card.due,
        card.estimate,
        card.created_at,
        card.source_key,
        card.description,
        card.workspace_id,
    ) == (
        "Backlog",
        "Standard",
        bob,
        date(2026, 3, 20),
        5,
        NOW,
        "k",
        "d" * 10_000,
        board.workspace_id,
    )
    assert list(card.events.values_list("kind", "from_column", "to_column", "actor", "at")) == [
        ("created", None, card.column_id, admin.pk, NOW)
    ]
    [entry] = _entries("card.create")
    assert (entry.actor_id, entry.object_id, entry.after["title"]) == (
        admin.pk,
        str(card.pk),
        "Launch",
    )
    assert entry.after["column"] == card.column_id and entry.after["assignee"] == bob.pk


def test_a_bad_card_is_refused_naming_the_field_and_nothing_is_written(board):
    assert _refusal(
        actions.create_card, board, title="t" * 201, description="d" * 10_001, now=NOW
    ) == {
        "title": "must be at most 200 characters",
        "description": "must be at most 10000 characters",
    }
    assert not Card.objects.exists() and not CardEvent.objects.exists()


def test_an_empty_column_means_the_first_one(board):
    card = actions.create_card(board, title="a", column="", now=NOW)
    assert card.column == column(board, "Backlog")


def test_the_limit_per_person_counts_only_in_progress_columns_and_only_that_person(
    board, bob, admin
):
    for title in ("a", "b"):
        _card(board, title, where="Review", assignee=bob.pk)
    _card(board, "todo", assignee=bob.pk)  # waiting: not counted
    _card(board, "done", where="Done", assignee=bob.pk)  # finished: not counted
    _card(board, "theirs", where="Review", assignee=admin.pk)  # another person's
    mine = _card(board, "mine", assignee=admin.pk)
    actions.move_card(mine, column=column(board, "Review").pk, now=NOW)  # admin: 2 of 2
    assert _refusal(_card, board, "c", where="Review", assignee=bob.pk) == {
        "assignee": "bob already has 2 cards in progress, the limit per person is 2; give a "
        "reason to go over"
    }
    done = _card(board, "d", where="Done", assignee=bob.pk)  # into a done column: no limit
    assert done.column.name == "Done"
    assert Card.objects.filter(assignee=bob).count() == 5


def test_a_reorder_within_a_full_column_is_no_move(board, admin):
    doing = column(board, "Doing")
    first, second = _card(board, "a", where="Doing"), _card(board, "b", where="Doing")
    audit_before = AuditEntry.objects.count()
    actions.move_card(second, column=doing.pk, position=0, now=NOW, actor=admin)
    assert list(
        Card.objects.filter(column=doing).order_by("position").values_list("title", flat=True)
    ) == ["b", "a"]
    assert CardEvent.objects.filter(kind="moved").count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert first.pk != second.pk


def test_a_move_is_audited_with_both_columns_and_the_lane_follows_the_request(board, admin):
    expedite, standard = board.swimlanes.all()
    card = _card(board, "a", swimlane=expedite.pk)
    actions.move_card(card, column=column(board, "Review").pk, now=NOW, actor=admin)
    assert Card.objects.get(pk=card.pk).swimlane == expedite  # "keep"
    actions.move_card(card, column=column(board, "Done").pk, swimlane=standard.pk, now=NOW)
    assert Card.objects.get(pk=card.pk).swimlane == standard
    actions.move_card(card, column=column(board, "Backlog").pk, swimlane="", now=NOW)
    assert Card.objects.get(pk=card.pk).swimlane is None
    assert [(e.actor_id, e.object_id, e.before, e.after) for e in _entries("card.move")] == [
        (admin.pk, str(card.pk), {"column": "Backlog"}, {"column": "Review"}),
        (None, str(card.pk), {"column": "Review"}, {"column": "Done"}),
        (None, str(card.pk), {"column": "Done"}, {"column": "Backlog"}),
    ]
    assert _refusal(
        actions.move_card, card, column=column(board, "Doing").pk, swimlane="x", now=NOW
    ) == {"swimlane": "is not a swimlane of this board"}
    assert _refusal(
        actions.move_card,
        card,
        column=column(board, "Doing").pk,
        override_reason="r" * 301,
        now=NOW,
    ) == {"override_reason": "must be at most 300 characters"}
    assert Card.objects.get(pk=card.pk).column.name == "Backlog"


def test_an_override_over_the_limit_per_person_records_the_reason(board, bob, admin):
    for title in ("a", "b"):
        _card(board, title, where="Review", assignee=bob.pk)
    third = _card(board, "c", assignee=bob.pk)
    actions.move_card(
        third, column=column(board, "Review").pk, now=NOW, override_reason="urgent", actor=admin
    )
    assert third.events.get(kind="moved").override_reason == "urgent"
    [entry] = _entries("card.wip_override")
    assert entry.after == {
        "column": "Review",
        "override_reason": "urgent",
        "limits": {
            "assignee": "bob already has 2 cards in progress, the limit per person is 2; give "
            "a reason to go over"
        },
    }


def test_only_the_editable_fields_change_and_each_edit_is_audited(board, admin):
    card = _card(board, "a")
    assert _refusal(actions.update_card, card, now=NOW, column=1, title="b") == {
        "column": "cannot be changed here"
    }
    assert Card.objects.get(pk=card.pk).title == "a"
    actions.update_card(
        card, now=NOW, actor=admin, title="b", description="more", due="2026-04-01", estimate=3
    )
    card.refresh_from_db()
    assert (card.title, card.description, card.due, card.estimate) == (
        "b",
        "more",
        date(2026, 4, 1),
        3,
    )
    [entry] = _entries("card.update")
    assert (entry.actor_id, entry.before, entry.after) == (
        admin.pk,
        {"title": "a", "description": "", "due": None, "estimate": None},
        {"title": "b", "description": "more", "due": "2026-04-01", "estimate": 3},
    )
    assert _refusal(
        actions.update_card, card, now=NOW, title="", description="d" * 10_001, due="x", estimate=-1
    ) == {
        "title": "must not be empty",
        "description": "must be at most 10000 characters",
        "due": "'x' is not a date (YYYY-MM-DD)",
        "estimate": "must be between 0 and 999",
    }
    card.refresh_from_db()
    assert (card.title, card.estimate) == ("b", 3) and len(_entries("card.update")) == 1


def test_an_edit_that_keeps_the_assignee_is_not_checked_against_the_limit(board, bob):
    cards = [_card(board, t, where="Review", assignee=bob.pk) for t in ("a", "b")]  # 2 of 2
    third = _card(board, "c", assignee=bob.pk)
    actions.move_card(third, column=column(board, "Review").pk, now=NOW, override_reason="x")
    actions.update_card(cards[0], now=NOW, title="a2", assignee=bob.pk)
    assert Card.objects.get(pk=cards[0].pk).title == "a2"
    assert not _entries("card.wip_override")[1:]  # only the move's


def test_giving_a_card_in_a_full_column_to_someone_is_no_column_breach(board, bob):
    doing = column(board, "Doing")
    for title in ("a", "b"):
        _card(board, title, where="Doing")
    third = _card(board, "c")
    actions.move_card(third, column=doing.pk, now=NOW, override_reason="x")  # 3 of 2
    actions.update_card(third, now=NOW, assignee=bob.pk)
    assert Card.objects.get(pk=third.pk).assignee == bob
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(third.pk)).order_by("pk")][
        -1
    ] == "card.update"


def test_a_new_lane_puts_the_card_at_its_bottom_and_the_same_lane_writes_nothing(board):
    expedite, standard = board.swimlanes.all()
    _card(board, "x", swimlane=standard.pk)
    card = _card(board, "a", swimlane=expedite.pk)
    before = AuditEntry.objects.count()
    actions.update_card(card, now=NOW, swimlane=expedite.pk)
    assert AuditEntry.objects.count() == before
    actions.update_card(card, now=NOW, swimlane=standard.pk)
    card.refresh_from_db()
    assert (card.swimlane, card.position) == (standard, 2048)
    [entry] = _entries("card.update")
    assert (entry.before, entry.after) == (
        {"swimlane": expedite.pk, "position": 1024},
        {"swimlane": standard.pk, "position": 2048},
    )


def test_blocking_again_changes_the_reason_without_a_second_event(board, admin):
    card = _card(board, "a")
    actions.set_blocked(card, "", now=NOW)  # not blocked: nothing to do
    actions.set_blocked(card, "legal", now=NOW, actor=admin)
    actions.set_blocked(card, "legal, again", now=NOW)
    assert Card.objects.get(pk=card.pk).blocked_reason == "legal, again"
    later = NOW + timedelta(hours=1)
    actions.set_blocked(card, "", now=later, actor=admin)
    assert Card.objects.get(pk=card.pk).blocked_reason == ""
    assert list(card.events.values_list("kind", "note", "actor", "at")) == [
        ("created", "", None, NOW),
        ("blocked", "legal", admin.pk, NOW),
        ("unblocked", "", admin.pk, later),
    ]
    assert [
        (e.action, e.actor_id, e.after)
        for e in AuditEntry.objects.filter(action__startswith="card.")
        .exclude(action="card.create")
        .order_by("pk")
    ] == [
        ("card.blocked", admin.pk, {"blocked_reason": "legal"}),
        ("card.unblocked", admin.pk, {"blocked_reason": ""}),
    ]
    assert _refusal(actions.set_blocked, card, "r" * 201, now=NOW) == {
        "blocked_reason": "must be at most 200 characters"
    }


def test_a_checklist_holds_a_hundred_items_in_order_and_ticks(board):
    card = _card(board, "a")
    ChecklistItem.objects.bulk_create(
        ChecklistItem(card=card, text=f"i{n}", position=n) for n in range(98)
    )
    assert actions.add_checklist_item(card, "  99th ").position == 98
    actions.add_checklist_item(card, "last")
    assert card.checklist.get(text="last").position == 99
    assert _refusal(actions.add_checklist_item, card, "one more") == {
        "text": "a checklist holds at most 100 items"
    }
    assert _refusal(actions.add_checklist_item, _card(board, "b"), "t" * 201) == {
        "text": "must be at most 200 characters"
    }
    item = card.checklist.get(text="last")
    assert actions.tick(item, 1).done is True
    assert ChecklistItem.objects.get(pk=item.pk).done is True
    actions.tick(item, 0)
    assert ChecklistItem.objects.get(pk=item.pk).done is False
    assert ChecklistItem.objects.count() == 100


def test_a_link_is_refused_for_an_unknown_kind_or_twice_and_audited_once(board, workspace, admin):
    from pacer.planning.actions import create_campaign

    card = _card(board, "a")
    spring = create_campaign(workspace, "spring", "email", name="Spring sale")
    assert _refusal(actions.add_link, card, "planet", "1") == {"kind": "must be one of " + KINDS}
    link = actions.add_link(card, "campaign", f"0{spring.pk}", actor=admin)
    assert (link.kind, link.target_id) == ("campaign", str(spring.pk))
    assert _refusal(actions.add_link, card, "campaign", f"+{spring.pk}") == {
        "target_id": f"the card already links to campaign {spring.pk} (Spring sale)"
    }
    assert _audit("card.link") == [(admin.pk, None, {"campaign": str(spring.pk)})]
    assert card.links.count() == 1


def test_a_team_with_two_boards_takes_the_first_by_name(workspace, admin):
    zebra = _board(workspace, slug="z", name="Zebra")
    apple = _board(workspace, slug="a", name="Apple")
    card, created = actions.create_card_for_deadline(
        workspace, key="k", title="T", due=date(2026, 3, 20), now=NOW, team="brand", actor=admin
    )
    assert created and card.board == apple and zebra.cards.count() == 0
    assert _refusal(
        actions.create_card_for_deadline,
        workspace,
        key="k2",
        title="T",
        due=date(2026, 3, 20),
        now=NOW,
        team="",  # an empty team names none
    ) == {"board": "name a board (its key) or a team"}
    assert _refusal(
        actions.create_card_for_deadline,
        workspace,
        key="k2",
        title="T",
        due=None,
        now=NOW,
        board="x" * 70,
    ) == {
        "due": "a deadline card needs a due day",
        "board": f"no board '{'x' * 60}' in this workspace",
    }
    assert _refusal(
        actions.create_card_for_deadline,
        workspace,
        key="k2",
        title="T",
        due=date(2026, 3, 20),
        now=NOW,
        team="sales",
        link=("planet", "1"),
    ) == {
        "link": "must be (kind, id) with kind one of " + KINDS,
        "team": "team 'sales' has no board",
    }
    for title, link, errors in [
        ("t" * 201, None, {"title": "must be at most 200 characters"}),
        ("T", ("content",), {"link": "must not be empty"}),  # a kind without an id
    ]:
        assert (
            _refusal(
                actions.create_card_for_deadline,
                workspace,
                key="k3",
                title=title,
                due=date(2026, 3, 20),
                now=NOW,
                board="a",
                link=link,
            )
            == errors
        )
    assert Card.objects.count() == 1


def test_a_deadline_card_is_assigned_and_linked_once(board, workspace, admin, bob):
    from pacer.planning.actions import create_campaign

    spring = create_campaign(workspace, "spring", "email", name="Spring sale")
    card, _ = actions.create_card_for_deadline(
        workspace,
        key="k",
        title="T",
        due="2026-03-20",
        now=NOW,
        board="brand-board",
        link=["campaign", spring.pk],
        assignee=bob.pk,
        actor=admin,
    )
    assert (card.assignee, card.source_key, card.due) == (bob, "k", date(2026, 3, 20))
    spring_id = str(spring.pk)
    assert list(card.links.values_list("kind", "target_id")) == [("campaign", spring_id)]
    assert _audit("card.link") == [(admin.pk, None, {"campaign": spring_id})]
    again, created = actions.create_card_for_deadline(
        workspace, key="k", title="T2", due="2026-03-20", now=NOW, board="brand-board", actor=admin
    )
    assert not created and again.pk == card.pk
    [entry] = _entries("card.update")
    assert (entry.actor_id, entry.before, entry.after) == (
        admin.pk,
        {"title": "T"},
        {"title": "T2"},
    )


def test_a_reorder_inside_a_column_held_over_its_limits_needs_no_reason(board, bob, admin):
    """A column (limit 2) and a person (limit 2) already over their limits by an override:
    moving one of their cards up inside the column is no move, so nothing to refuse."""
    doing = column(board, "Doing")
    for title in ("a", "b"):
        _card(board, title, where="Doing", assignee=bob.pk)
    third = _card(board, "c", assignee=bob.pk)
    actions.move_card(third, column=doing.pk, now=NOW, override_reason="launch day", actor=admin)
    written = (CardEvent.objects.count(), AuditEntry.objects.count())

    actions.move_card(third, column=doing.pk, position=0, now=NOW, actor=admin)

    cards = Card.objects.filter(column=doing).order_by("position")
    assert list(cards.values_list("title", flat=True)) == ["c", "a", "b"]
    assert (CardEvent.objects.count(), AuditEntry.objects.count()) == written


def test_a_new_card_for_someone_at_their_limit_is_refused_in_progress_only(board, bob):
    """A card created straight into an in-progress column counts against its assignee's
    limit as a move would; into a to-do column it does not."""
    for title in ("a", "b"):
        _card(board, title, where="Review", assignee=bob.pk)
    before = (Card.objects.count(), CardEvent.objects.count(), AuditEntry.objects.count())

    with pytest.raises(actions.WipLimitExceeded) as refused:
        _card(board, "c", where="Doing", assignee=bob.pk)

    assert refused.value.errors == {
        "assignee": "bob already has 2 cards in progress, the limit per person is 2; give a "
        "reason to go over"
    }
    assert (Card.objects.count(), CardEvent.objects.count(), AuditEntry.objects.count()) == before
    assert _card(board, "c", where="Backlog", assignee=bob.pk).assignee == bob
