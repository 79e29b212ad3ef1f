"""Follow-up tasks: what an owner must do about a lead, by when.

Assignment gives the owner a "first-response" task due at the response deadline, or at
the follow-up time of a lead no SLA policy gives a deadline (once per lead); the first
response marks it done; a re-assignment hands the lead's open tasks to the new owner.
Anyone working the lead adds next steps, and marks tasks done or not done.
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.selectors import members
from pacer.leads import selectors
from pacer.leads.models import FollowUpTask, Lead, Timer, TimerKind

FIRST_RESPONSE = "first-response"


def first_response_task(lead: Lead, now: datetime) -> None:
    """The owner's task to answer the lead by its deadline (inside the caller's
    transaction; once per lead)."""
    task = first_response_row(lead, now)
    if task is None:
        return
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        pass  # made before


def first_response_due(lead: Lead) -> datetime | None:
    """When the lead's first response is due: its SLA deadline, else (no policy gave it
    one) its follow-up time, the due time of its round's reminder; None when neither."""
    if lead.respond_by is not None:
        return lead.respond_by
    return (
        Timer.objects.filter(
            lead=lead, kind=TimerKind.REMIND, assignment_round=lead.assignment_round
        )
        .values_list("due_at", flat=True)
        .first()
    )


def first_response_row(lead: Lead, now: datetime) -> FollowUpTask | None:
    """The unsaved first-response task of an assigned lead, due at its deadline or
    follow-up time (``first_response_due``), for a ``bulk_create(...,
    ignore_conflicts=True)`` (once per lead)."""
    due = first_response_due(lead) if lead.owner_id is not None else None
    if due is None:
        return None
    return FollowUpTask(
        workspace_id=lead.workspace_id,
        lead=lead,
        key=FIRST_RESPONSE,
        title="First response: call, email, SMS or meet",
        due_at=due,
        assignee_id=lead.owner_id,
        created_at=now,
    )


def hand_over(lead: Lead, previous_owner_id: int | None) -> int:
    """A re-assigned lead's open tasks of the previous owner go to the new one (the
    first-response task with the new deadline)."""
    tasks = FollowUpTask.objects.filter(
        lead=lead, done_at__isnull=True, assignee_id=previous_owner_id
    )
    moved = tasks.exclude(key=FIRST_RESPONSE).update(assignee_id=lead.owner_id)
    first = tasks.filter(key=FIRST_RESPONSE)
    if lead.respond_by is not None:
        moved += first.update(assignee_id=lead.owner_id, due_at=lead.respond_by)
    else:
        moved += first.update(assignee_id=lead.owner_id)
    return moved


def first_response_done(lead: Lead, at: datetime, actor=None) -> None:
    FollowUpTask.objects.filter(lead=lead, key=FIRST_RESPONSE, done_at__isnull=True).update(
        done_at=at, done_by=actor
    )


@transaction.atomic
def add_task(
    workspace: Workspace,
    lead_id: int,
    *,
    title: str,
    due_at: datetime | None,
    assignee_id: int | None,
    at: datetime,
    actor=None,
) -> FollowUpTask:
    """A next step for a lead: ``title`` (1-200 characters), due at ``due_at`` (aware),
    for ``assignee_id`` (a member of the workspace; none: the lead's owner)."""
    errors = {}
    lead = Lead.objects.filter(workspace=workspace, pk=lead_id).first()
    if lead is None:
        errors["lead_id"] = "no such lead in this workspace"
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors["title"] = "must be 1-200 characters"
    if due_at is None:
        errors["due_at"] = "is required"
    elif due_at.tzinfo is None:
        errors["due_at"] = "must have a time zone"
    if assignee_id is None and lead is not None:
        assignee_id = lead.owner_id
    if assignee_id is not None:
        found = next((m for m in members(workspace) if m.user_id == assignee_id), None)
        if found is None:
            errors["assignee"] = "is not a member of this workspace"
        elif refusal := selectors.not_a_worker(found.user.get_username(), found.role):
            errors["assignee"] = refusal
    if errors:
        raise ValidationFailed(errors)
    task = FollowUpTask.objects.create(
        workspace=workspace,
        lead=lead,
        title=title,
        due_at=due_at,
        assignee_id=assignee_id,
        created_at=at,
    )
    audit.record(workspace, "leads.task", task, actor=actor, after={"title": title})
    return task


@transaction.atomic
def set_done(workspace: Workspace, task_id: int, done: bool, *, at: datetime, actor=None):
    """Mark a task done (``done``) or not done again."""
    task = FollowUpTask.objects.select_for_update().filter(workspace=workspace, pk=task_id).first()
    if task is None:
        raise ValidationFailed({"task_id": "no such task in this workspace"})
    if (task.done_at is not None) == done:
        raise ValidationFailed({"done": "the task is already " + ("done" if done else "open")})
    task.done_at, task.done_by = (at, actor) if done else (None, None)
    task.save(update_fields=["done_at", "done_by"])
    return task


def reopen_first_response(lead: Lead, at: datetime) -> None:
    """A reopened lead owes its first response again: its first-response task is open
    again, the owner's, due at the new deadline or follow-up time (made when it had
    none)."""
    due = first_response_due(lead) if lead.owner_id is not None else None
    if due is None:
        return
    found = FollowUpTask.objects.filter(lead=lead, key=FIRST_RESPONSE)
    if not found.update(done_at=None, done_by=None, assignee_id=lead.owner_id, due_at=due):
        first_response_task(lead, at)
