"""Editorial deadlines become board tasks: an item's own deadline (for its owner) and each
approval step's (for its reviewer), within a week of the day, once per key however often
the loop runs, none for published or archived items or decided steps."""

from datetime import date

import pytest

from pacer.content import actions, deadlines, selectors
from pacer.content.models import DeadlineTask
from pacer.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


class Board:
    """Stands in for the board's action: records each call, answers a card reference."""

    def __init__(self):
        self.calls = []

    def __call__(self, workspace, *, key, title, due_on, assignee, team, item_id):
        self.calls.append((workspace.pk, key, title, due_on, assignee.username, item_id))
        return f"card-{len(self.calls)}"


def _item(workspace, team, title, due_on, plan=()):
    return actions.create_item(
        workspace,
        title=title,
        kind="blog_post",
        owner=team["editor"],
        due_on=due_on,
        reviewers=list(plan),
    )


def test_deadlines_within_a_week_become_one_task_each(workspace, team, plan):
    soon = _item(workspace, team, "Soon", "2026-06-05")
    late = _item(workspace, team, "Overdue", "2026-05-20")
    _item(workspace, team, "Later", "2026-06-09")  # 8 days away: not yet
    done = _item(workspace, team, "Done", "2026-06-02")
    done.state = "published"
    done.save(update_fields=["state"])
    board = Board()
    assert deadlines.make_deadline_tasks(TODAY, make_task=board) == 2
    assert board.calls == [
        (
            workspace.pk,
            f"content-{late.pk}-due",
            "Ready: Overdue",
            date(2026, 5, 20),
            "eve",
            late.pk,
        ),
        (workspace.pk, f"content-{soon.pk}-due", "Ready: Soon", date(2026, 6, 5), "eve", soon.pk),
    ]
    assert sorted(DeadlineTask.objects.values_list("key", "reference")) == sorted(
        [(f"content-{late.pk}-due", "card-1"), (f"content-{soon.pk}-due", "card-2")]
    )
    # twice = once; a day later the third comes into the week
    assert deadlines.make_deadline_tasks(TODAY, make_task=board) == 0
    assert deadlines.make_deadline_tasks(date(2026, 6, 2), make_task=board) == 1
    assert [c[2] for c in board.calls] == ["Ready: Overdue", "Ready: Soon", "Ready: Later"]


def test_a_reviewers_deadline_becomes_their_task_while_the_step_is_pending(workspace, team):
    plan = [
        {"name": "Legal", "reviewer": team["legal"].pk, "due_on": "2026-06-03"},
        {"name": "Brand", "reviewer": team["brand"].pk, "due_on": "2026-06-04"},
    ]
    item = _item(workspace, team, "Launch", None, plan)
    board = Board()
    assert deadlines.make_deadline_tasks(TODAY, make_task=board) == 0  # not in review yet
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    assert [s.due_on for s in selectors.steps_of(selectors.latest_version(item))] == [
        date(2026, 6, 3),
        date(2026, 6, 4),
    ]
    actions.vote(selectors.open_step_for(item, team["legal"]), "approved", user=team["legal"])
    assert deadlines.make_deadline_tasks(TODAY, make_task=board) == 1
    assert board.calls == [
        (
            workspace.pk,
            f"content-{item.pk}-step-2",
            "Review (Brand): Launch",
            date(2026, 6, 4),
            "bo",
            item.pk,
        )
    ]


def test_the_loop_puts_a_card_on_the_teams_board_once(workspace, team, admin):
    from pacer.work import actions as work
    from pacer.work.selectors import board as board_named
    from pacer.work.selectors import cards

    orphan = _item(workspace, team, "No board", "2026-06-04")  # its team has no board
    soon = actions.create_item(
        workspace,
        title="Soon",
        kind="blog_post",
        owner=team["editor"],
        team="brand",
        due_on="2026-06-05",
    )
    work.create_board(
        workspace,
        team="brand",
        slug="brand-board",
        name="Brand board",
        columns=[{"name": "Backlog", "stage": "todo"}, {"name": "Done", "stage": "done"}],
        actor=admin,
    )
    assert deadlines.make_deadline_tasks(TODAY) == 1
    (card,) = cards(board_named(workspace, "brand-board"))
    assert (card.title, card.due, card.assignee, card.column.name) == (
        "Ready: Soon",
        date(2026, 6, 5),
        team["editor"],
        "Backlog",
    )
    assert [(link.kind, link.target_id) for link in card.links.all()] == [("content", str(soon.pk))]
    assert list(DeadlineTask.objects.values_list("key", "reference")) == [
        (f"content-{soon.pk}-due", f"card:{card.pk}")
    ]
    assert deadlines.make_deadline_tasks(TODAY) == 0  # once per key; the orphan waits
    assert cards(board_named(workspace, "brand-board")).count() == 1
    assert [d["key"] for d in deadlines.due_deadlines(TODAY)] == [f"content-{orphan.pk}-due"]


def test_a_failing_board_records_nothing_and_the_next_run_tries_again(workspace, team):
    _item(workspace, team, "Soon", "2026-06-05")

    def broken(workspace, **task):
        raise RuntimeError("board unavailable")

    def refuses(workspace, **task):
        raise ValidationFailed({"team": "team '' has no board"})

    with pytest.raises(RuntimeError):
        deadlines.make_deadline_tasks(TODAY, make_task=broken)
    assert deadlines.make_deadline_tasks(TODAY, make_task=refuses) == 0
    assert DeadlineTask.objects.count() == 0
    assert deadlines.make_deadline_tasks(TODAY, make_task=Board()) == 1


def test_bad_deadlines_are_refused_naming_the_field(workspace, team):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_item(
            workspace,
            title="x",
            kind="ad",
            due_on="tomorrow",
            reviewers=[{"name": "Legal", "reviewer": team["legal"].pk, "due_on": "1800-01-01"}],
        )
    assert refused.value.errors["due_on"] == "must be a date (YYYY-MM-DD)"
    assert refused.value.errors["reviewers[0].due_on"].startswith("must be between")
    item = _item(workspace, team, "Soon", "2026-06-05")
    with pytest.raises(ValidationFailed, match="due_on: must be a date"):
        actions.set_due(item, "2026-13-01")
    item.refresh_from_db()
    assert item.due_on == date(2026, 6, 5)
    assert actions.set_due(item, "").due_on is None
