"""Editorial deadlines that become tasks on the boards.

An item's ``due_on`` (the day it must be ready) and each approval step's ``due_on`` (the
reviewer's day) get one board task each, made ``LEAD_DAYS`` before the day, for the
item's owner or the step's reviewer. A task is made once per key (``content-<item>-due``,
``content-<item>-step-<position>``), kept in ``DeadlineTask``; the board's own action is
idempotent on the same key, so a run that dies between the two makes no second card.

The board's side is a callable ``make_task(workspace, *, key, title, due_on, assignee,
team, item_id) -> str`` (a reference to the card); a deadline it refuses with
``ValidationFailed`` (say, the item's team has no board) is skipped and tried again on
the next run. ``board_task_maker`` gives the one the loop uses: a card at the bottom of
the first column of the item's team's board (``pacer.work.actions
.create_card_for_deadline``), assigned and linked to the item. A later change of the
day does not move a card already made (the task is recorded once per key).
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from pacer.content.models import ApprovalStep, ContentItem, DeadlineTask, Decision, Workflow
from pacer.content.workflow import IN_REVIEW, PUBLISHED
from pacer.core import clock, faults
from pacer.core.errors import ValidationFailed

LEAD_DAYS = 7
CLOSED_STATES = (PUBLISHED, "archived")

MakeTask = Callable[..., str]


def board_task_maker() -> MakeTask:
    """The boards' action that makes a card for a deadline (see the module)."""
    from pacer.work import actions as work

    def make_task(workspace, *, key, title, due_on, assignee, team, item_id) -> str:
        card, _ = work.create_card_for_deadline(
            workspace,
            key=key,
            title=title,
            due=due_on,
            now=clock.now(),
            team=team,
            link=("content", str(item_id)),
            assignee=assignee.pk if assignee else None,
        )
        return f"card:{card.pk}"

    return make_task


def _in_review() -> Q:
    """Items in their workspace's review state: ``in_review`` where no workflow is
    configured, else the configured workflow's review states."""
    configured = list(Workflow.objects.values_list("workspace_id", "states"))
    found = Q(item__state=IN_REVIEW) & ~Q(item__workspace_id__in=[w for w, _ in configured])
    for workspace_id, states in configured:
        review = [s["key"] for s in states if s.get("review", s["key"] == IN_REVIEW)]
        found |= Q(item__workspace_id=workspace_id, item__state__in=review)
    return found


def due_deadlines(today: date) -> list[dict]:
    """The deadlines within ``LEAD_DAYS`` of ``today`` (or past) that have no task yet:
    open items' own deadlines and the pending steps of items in review."""
    horizon = today + timedelta(days=LEAD_DAYS)
    found = []
    items = (
        ContentItem.objects.filter(due_on__isnull=False, due_on__lte=horizon)
        .exclude(state__in=CLOSED_STATES)
        .select_related("owner")
        .order_by("due_on", "pk")
    )
    for item in items:
        found.append(
            {
                "item": item,
                "key": f"content-{item.pk}-due",
                "title": f"Ready: {item.title}"[:200],
                "due_on": item.due_on,
                "assignee": item.owner,
                "team": item.team,
            }
        )
    steps = (
        ApprovalStep.objects.filter(
            _in_review(),
            due_on__isnull=False,
            due_on__lte=horizon,
            decision=Decision.PENDING,
        )
        .select_related("item", "reviewer", "version")
        .order_by("due_on", "pk")
    )
    for step in steps:
        item = step.item
        found.append(
            {
                "item": item,
                "key": f"content-{item.pk}-step-{step.position}",
                "title": f"Review ({step.name}): {item.title}"[:200],
                "due_on": step.due_on,
                "assignee": step.reviewer,
                "team": item.team,
            }
        )
    made = set(
        DeadlineTask.objects.filter(item_id__in={d["item"].pk for d in found}).values_list(
            "workspace_id", "key"
        )
    )
    return [d for d in found if (d["item"].workspace_id, d["key"]) not in made]


def make_deadline_tasks(today: date | None = None, *, make_task: MakeTask | None = None) -> int:
    """Make the board tasks of the deadlines that need one; returns how many were made.
    ``make_task`` defaults to ``board_task_maker()``."""
    make_task = make_task or board_task_maker()
    made = 0
    for deadline in due_deadlines(today or clock.now().date()):
        item = deadline["item"]
        with transaction.atomic():  # the card and its record together
            try:
                with transaction.atomic():
                    reference = make_task(
                        item.workspace,
                        key=deadline["key"],
                        title=deadline["title"],
                        due_on=deadline["due_on"],
                        assignee=deadline["assignee"],
                        team=deadline["team"],
                        item_id=item.pk,
                    )
            except ValidationFailed:
                continue  # refused by the board (e.g. no board for the team): next run
            faults.point("content.deadline.carded")  # the card made, not recorded; no COMMIT
            _, created = DeadlineTask.objects.get_or_create(
                workspace_id=item.workspace_id,
                key=deadline["key"],
                defaults={
                    "item": item,
                    "due_on": deadline["due_on"],
                    "reference": str(reference)[:200],
                    "created_at": clock.now(),
                },
            )
            made += created
    return made
