"""Follow-up timers: each due reminder, escalation step, re-assignment and next-touch
timer fires once, from the ``lead-timers`` loop.

Timers live in the database, so they survive restarts. The worker claims due timers with
a conditional update, the lead locked first; the notices a timer makes are keyed per
lead and round (``remind:2`` is round 2's reminder), so a second worker or a rerun makes
nothing twice. The next touch's own timers are ``pacer.leads.touches``'.
"""

import threading
from datetime import datetime

from django.conf import settings
from django.db import transaction

from pacer.core import clock, faults
from pacer.core.worker import wake
from pacer.leads import escalation, todo, touches
from pacer.leads.models import Lead, Timer, TimerKind
from pacer.leads.notices import local_deadline, remind, tell_new_owner
from pacer.leads.routing import assign
from pacer.leads.stages import open_stages

TIMERS_PER_RUN = 500


def fire_due_timers(now: datetime | None = None) -> int:
    """Fire every timer due by ``now`` (by default now, as the worker's loop does, which is
    then woken when the next timer falls due); returns how many fired.

    Both reads walk the partial index of open timers by due time (``lead_timer_due``):
    the cost of a run does not grow with the number of timers open later."""
    looping = now is None
    now = now or clock.now()
    due = list(
        Timer.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("id", "lead_id")[:TIMERS_PER_RUN]
    )
    faults.point("leads.timer.listed")  # another run may fire these before this one claims
    fired = 0
    open_by_workspace: dict[int, list[str]] = {}
    for timer_id, lead_id in due:
        with transaction.atomic():
            # the lead first, as every write that cancels its timers locks it first (a
            # response, a close): the other order could deadlock with them on PostgreSQL
            Lead.objects.select_for_update().filter(pk=lead_id).values_list("id").first()
            claimed = Timer.objects.filter(
                pk=timer_id, fired_at__isnull=True, cancelled_at__isnull=True
            ).update(fired_at=now)
            if not claimed:
                continue  # another worker fired it, or the response came first
            timer = Timer.objects.select_related("lead", "lead__workspace").get(pk=timer_id)
            _fire(timer, now, open_by_workspace)
            faults.point("leads.timer.fired")  # a crash here undoes the claim and the notice
        fired += 1
        faults.point("leads.timer.committed")
    if looping and len(due) < TIMERS_PER_RUN:
        _wake_at_next_due(now)
    return fired


_next_wake: list[threading.Timer] = []


def _wake_at_next_due(now: datetime) -> None:
    """Wake the timer loop when the next open timer falls due, if that is sooner than
    the loop's own interval (else the loop finds it then)."""
    next_due = (
        Timer.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    if next_due is None:
        return
    delay = (next_due - now).total_seconds()
    if delay >= settings.LEAD_TIMER_SECONDS:
        return
    while _next_wake:
        _next_wake.pop().cancel()
    alarm = threading.Timer(max(delay, 0.0), wake, ("lead-timers",))
    alarm.daemon = True
    alarm.start()
    _next_wake.append(alarm)


def _fire(timer: Timer, now: datetime, open_by_workspace: dict[int, list[str]]) -> None:
    """Fire one claimed timer; ``open_by_workspace``: the open stages of the workspaces
    seen so far in this run."""
    lead = Lead.objects.select_for_update().get(pk=timer.lead_id)
    if lead.workspace_id not in open_by_workspace:
        open_by_workspace[lead.workspace_id] = open_stages(timer.lead.workspace)
    if lead.stage not in open_by_workspace[lead.workspace_id]:
        return  # won or lost (its timers are cancelled then; a stage changed kind since)
    if timer.kind in touches.KINDS:
        touches.fire(lead, timer, now)
        return
    if lead.first_response_at is not None or lead.assignment_round != timer.assignment_round:
        return  # answered, or already given to someone else
    label = f"Lead #{lead.pk}"
    if timer.kind == TimerKind.REMIND and lead.owner is not None:
        remind(lead, timer.assignment_round, timer.due_at, now)
    elif timer.kind == TimerKind.BREACH:
        _escalate(lead, timer, label, now)
    elif timer.kind == TimerKind.ASSIGN and lead.owner_id is None:
        previous = timer.target.get("reassigned_from")
        if previous is None:
            _assign_at_opening(lead, now, timer.step + 1)
        else:
            _reassign(lead, now, previous, timer.step + 1)
    elif timer.kind == TimerKind.REASSIGN and lead.owner_id is not None:
        # an unowned lead is still being tried at the opening (its assign timers): taking
        # it away from nobody would end those tries and wipe its deadline
        _reassign(lead, now, lead.owner_id, 0)


def _reassign(lead: Lead, now: datetime, previous: int, tries: int) -> None:
    """The lead missed its re-assignment deadline: give it to an agent free now (never its
    previous owner), with a full new deadline and the open tasks. With nobody free and no
    fallback owner it waits unowned, its missed deadline kept, and is tried again every
    ``routing.RETRY_MINUTES`` working minutes (``tries``: the tries so far; the managers
    are told once, at the first); an agent free at a later try is told it is theirs."""
    assign(
        lead,
        now,
        exclude=previous,
        why="re-assigned after the deadline",
        waiting=tries,
        reassigned_from=previous,
    )
    todo.hand_over(lead, previous if tries == 0 else None)
    if tries and lead.owner_id is not None:
        tell_new_owner(lead, "was re-assigned to you: its owner missed the deadline")


def _assign_at_opening(lead: Lead, now: datetime, tries: int) -> None:
    """The lead arrived while its location was closed: give it to an agent on shift now,
    its deadline and pending timers as they were; the new owner gets the first-response
    task and a notice. Nobody yet: it waits for the next try."""
    assign(lead, now, why="at the opening", keep_clock=True, waiting=tries)
    if lead.owner is None:
        return
    todo.first_response_task(lead, now)
    tell_new_owner(lead, "arrived while the location was closed")


def _escalate(lead: Lead, timer: Timer, label: str, now: datetime) -> None:
    """One step of the lead's escalation chain for its missed first response
    (``escalation.notify``: once per round, step and recipient)."""
    target = timer.target or escalation.DEFAULT[0]
    round_step = f"{timer.assignment_round}:{timer.step}"
    late = "" if not target.get("delay_minutes") else f" ({target['delay_minutes']} min ago)"
    escalation.notify(
        lead,
        target,
        f"breach:{round_step}",
        subject=f"{label} missed its response deadline{late}",
        body=f"{label} was due a first response by {local_deadline(lead)} and has none.\n",
        event=(
            f"{lead.pk}:{round_step}",
            {
                "lead": lead.pk,
                "missed": "first_response",
                "location_id": lead.location_id,
                "owner_id": lead.owner_id,
                "respond_by": lead.respond_by.isoformat() if lead.respond_by else None,
                "step": timer.step,
                "delay_minutes": target.get("delay_minutes", 0),
            },
        ),
        now=now,
    )
