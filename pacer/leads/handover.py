"""Leads changing hands outside the normal flow: a closed lead reopened (its follow-up
clock starts again) and the open leads of an agent whose time off starts (they go to
someone available, the clock as it was).

Both lock the lead before anything else (the timers, then the agents the router reads),
the order every other write of a lead's timers takes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from pacer.core import audit, clock, faults
from pacer.core.models import Workspace
from pacer.leads import todo
from pacer.leads.followup import queue_notice
from pacer.leads.models import Agent, Lead, Timer
from pacer.leads.routing import Router, assign, start_clock
from pacer.leads.stages import open_stages


def restart_timers(lead: Lead, at: datetime, *, why: str, actor=None) -> list[str]:
    """A closed lead was reopened (moved back to an open stage; inside the caller's
    transaction, the lead locked): when it was never answered, its first response is owed
    again, counted from ``at`` by its new stage and location's SLA policy, with a
    reminder, its location's or form's escalation chain and the re-assignment, in a new
    assignment round. Its owner keeps it while they may take leads (not away, on shift,
    under their cap), else it is routed as a new lead is. The first-response task is
    open again, due at the new deadline. A lead answered before owes no first response:
    no timers. Audited either way; returns the timers started (``kind:step``)."""
    started: list[str] = []
    if lead.first_response_at is None:
        router = Router(lead.workspace, at)
        _, pool = router.candidates(lead)
        previous = lead.owner_id
        if previous is not None and previous in {agent.user_id for agent in pool}:
            lead.assignment_round += 1
            lead.assigned_at = at
            started = start_clock(lead, router, at)
            lead.save(update_fields=["assigned_at", "respond_by", "assignment_round"])
        else:
            assign(lead, at, why=why, since=at, router=router)
            todo.hand_over(lead, previous)
            started = sorted(
                f"{kind}:{step}"
                for kind, step in Timer.objects.filter(
                    lead=lead, assignment_round=lead.assignment_round
                ).values_list("kind", "step")
            )
        todo.reopen_first_response(lead, at)
    after = {"why": why, "round": lead.assignment_round, "started": sorted(started)}
    if lead.first_response_at is None:
        after["owner"] = lead.owner_id
        after["respond_by"] = lead.respond_by.isoformat() if lead.respond_by else None
    else:
        after["answered"] = lead.first_response_at.isoformat()
    audit.record(lead.workspace, "leads.timers.restart", lead, actor=actor, after=after)
    return started


@dataclass(frozen=True)
class HandedOver:
    moved: list[int]  # lead ids now someone else's
    unattended: list[int]  # nobody available: still the away owner's


def away_until(workspace: Workspace, user_id: int, now: datetime) -> datetime | None:
    """When the member's time off ends, if they are away at ``now``."""
    return (
        Agent.objects.filter(workspace=workspace, user_id=user_id, away_until__gt=now)
        .order_by("-away_until")
        .values_list("away_until", flat=True)
        .first()
    )


def hand_over_away(workspace: Workspace, user_id: int, now: datetime) -> HandedOver:
    """Give the open, unanswered leads of a member who is away at ``now`` to the agents
    available for each (the routing a new lead gets, the away member left out), one lead
    per transaction: the new owner takes the deadline and pending timers as they were, is
    sent a notice and gets the open tasks; each move is audited (``leads.assign``). A
    lead nobody can take stays (the location's queue shows it unattended). A lead
    answered, closed or moved meanwhile is left alone. Nothing happens when the member is
    not away; running it again moves only what is still theirs."""
    until = away_until(workspace, user_id, now)
    if until is None:
        return HandedOver([], [])
    stages = open_stages(workspace)
    waiting = dict(
        owner_id=user_id, stage__in=stages, first_response_at__isnull=True, workspace=workspace
    )
    ids = list(Lead.objects.filter(**waiting).order_by("respond_by", "id").values_list("id"))
    moved, unattended = [], []
    for (lead_id,) in ids:
        faults.point("leads.away.before_lock")
        with transaction.atomic():
            lead = Lead.objects.select_for_update().filter(pk=lead_id, **waiting).first()
            if lead is None:
                continue  # answered, closed or given to someone else meanwhile
            lead.workspace = workspace
            router = Router(workspace, now)
            if not router.candidates(lead, exclude=user_id)[1]:
                unattended.append(lead_id)
                continue
            assign(
                lead,
                now,
                exclude=user_id,
                why=f"owner away until {until.isoformat()}",
                router=router,
                keep_clock=True,
            )
            todo.hand_over(lead, user_id)
            due = f", respond by {lead.respond_by:%H:%M %Z}" if lead.respond_by else ""
            queue_notice(
                lead,
                f"assigned:{lead.assignment_round}",
                to_user=lead.owner,
                to_email=lead.owner.email,
                subject=f"Lead #{lead.pk} is yours now{due}",
                body=f"Lead #{lead.pk} was handed to you: its owner is away. It still "
                "waits for its first response.\n",
            )
            faults.point("leads.away.moved")  # a kill here undoes this lead's move
        moved.append(lead_id)
    return HandedOver(moved, unattended)


def hand_over_all_away(now: datetime | None = None) -> int:
    """The worker's sweep (loop "lead-away"): ``hand_over_away`` for every member away
    now who still owns open, unanswered leads, so a hand-over that a crash cut short (it
    runs after the time off was saved) is finished, and a lead left unattended moves
    once someone is free. Returns how many leads moved."""
    now = now or clock.now()
    away = (
        Agent.objects.filter(away_until__gt=now)
        .values_list("workspace_id", "user_id")
        .distinct()
        .order_by("workspace_id", "user_id")
    )
    moved = 0
    for workspace_id, user_id in away:
        waiting = Lead.objects.filter(
            workspace_id=workspace_id, owner_id=user_id, first_response_at__isnull=True
        )
        if waiting.exists():
            workspace = Workspace.objects.get(pk=workspace_id)
            moved += len(hand_over_away(workspace, user_id, now).moved)
    return moved
