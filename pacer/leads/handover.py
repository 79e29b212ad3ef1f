"""Leads changing hands outside the normal flow: a closed lead reopened (its follow-up
clock starts again), an unanswered lead moved to a stage with a shorter SLA (its deadline
comes forward), and the open leads of an agent whose time off starts (they go to
someone available, the clock as it was: a recorded hand-over, worked through by a task in
bounded batches, its progress on the locations page).

Both lock the lead before anything else (the timers, then the agents the router reads),
the order every other write of a lead's timers takes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from pacer.core import audit, clock, faults
from pacer.core.models import Workspace
from pacer.leads import todo
from pacer.leads.models import Agent, Handover, Lead, Timer
from pacer.leads.notices import alert_unowned, away_until, tell_new_owner
from pacer.leads.routing import Router, assign, response_deadline, start_clock
from pacer.leads.stages import open_stages


def restage_timers(lead: Lead, at: datetime, *, why: str, actor=None) -> list[str]:
    """An owned, unanswered lead moved from one open stage to another (inside the
    caller's transaction, the lead locked): its first response is due at the **earlier**
    of its current deadline and the new stage's SLA counted from the move (the new
    stage's policy at its location, else for every location). A move never gives more
    time: to SQL with 10 minutes brings a 4-hour deadline forward, to a stage with a
    longer SLA (or none) keeps the clock as it is. A lead with no deadline yet (its stage
    had no policy) gets the new stage's when it ends before its follow-up time. When it comes
    forward, the pending timers are cancelled and a new round's are set from the move
    (reminder, escalation chain, re-assignment), the owner keeping the lead and its
    first-response task falling due at the new deadline; audited. Returns the timers
    started (``kind:step``), none when the clock is kept."""
    if lead.first_response_at is not None or lead.owner_id is None:
        return []
    router = Router(lead.workspace, at)
    deadline = response_deadline(lead, router, at)
    due = todo.first_response_due(lead)
    if deadline is None or (due is not None and due <= deadline):
        return []
    before = lead.respond_by
    Timer.objects.filter(lead=lead, fired_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=at
    )
    lead.assignment_round += 1
    started = start_clock(lead, router, at)
    lead.save(update_fields=["respond_by", "assignment_round"])
    todo.reopen_first_response(lead, at)
    audit.record(
        lead.workspace,
        "leads.timers.restage",
        lead,
        actor=actor,
        before={"respond_by": before.isoformat() if before else None},
        after={
            "why": why,
            "round": lead.assignment_round,
            "respond_by": lead.respond_by.isoformat(),
            "started": sorted(started),
        },
    )
    return started


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
        previous = lead.owner_id
        router.set_up(lead)  # counts the pools' open leads, this reopened one among them:
        router.took(previous, lead, -1)  # keeping it is not a lead more for its owner
        _, pool = router.candidates(lead)
        router.took(previous, lead, +1)
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


def _waiting(workspace: Workspace, user_id: int) -> dict:
    """The member's leads a hand-over takes: open and unanswered."""
    return dict(
        owner_id=user_id,
        stage__in=open_stages(workspace),
        first_response_at__isnull=True,
        workspace=workspace,
    )


def _waiting_ids(workspace: Workspace, user_id: int) -> list[int]:
    """The member's open, unanswered leads, most urgent first (those without a deadline
    last, on either database: SQLite sorts NULL first)."""
    leads = Lead.objects.filter(**_waiting(workspace, user_id)).order_by(
        F("respond_by").asc(nulls_last=True), "id"
    )
    return list(leads.values_list("id", flat=True))


def _move(workspace: Workspace, user_id: int, lead_id: int, until: datetime, now: datetime):
    """Inside the caller's transaction: give one lead of the away member to an agent
    available for it (else to the fallback owner), the clock as it was. Returns "moved",
    "unattended" (nobody can take it and no fallback owner: it stays, the managers are
    alerted once) or "" (answered, closed or given to someone else meanwhile)."""
    lead = (
        Lead.objects.select_for_update().filter(pk=lead_id, **_waiting(workspace, user_id)).first()
    )
    if lead is None:
        return ""
    lead.workspace = workspace
    router = Router(workspace, now)
    nobody = not router.candidates(lead, exclude=user_id)[1]
    if nobody and router.fallback_owner(lead.location_id, exclude=user_id) is None:
        alert_unowned(lead, "waits for an owner who is away", "nobody else can take it now")
        return "unattended"
    assign(
        lead,
        now,
        exclude=user_id,
        why=f"owner away until {until.isoformat()}",
        router=router,
        keep_clock=True,
    )
    todo.hand_over(lead, user_id)
    tell_new_owner(lead, "was handed to you: its owner is away")
    faults.point("leads.away.moved")  # a kill here undoes this lead's move
    return "moved"


def hand_over_away(workspace: Workspace, user_id: int, now: datetime) -> HandedOver:
    """Give the open, unanswered leads of a member who is away at ``now`` to the agents
    available for each (the routing a new lead gets, the away member left out), one lead
    per transaction: the new owner takes the deadline and pending timers as they were, is
    sent a notice and gets the open tasks; each move is audited (``leads.assign``). A
    lead nobody can take stays (the location's queue shows it unattended). A lead
    answered, closed or moved meanwhile is left alone. Nothing happens when the member is
    not away; running it again moves only what is still theirs. (Saving the time off
    starts a recorded hand-over instead: ``start_handover``.)"""
    until = away_until(workspace.pk, user_id, now)
    if until is None:
        return HandedOver([], [])
    moved, unattended = [], []
    for lead_id in _waiting_ids(workspace, user_id):
        faults.point("leads.away.before_lock")
        with transaction.atomic():
            outcome = _move(workspace, user_id, lead_id, until, now)
        if outcome == "moved":
            moved.append(lead_id)
        elif outcome == "unattended":
            unattended.append(lead_id)
    return HandedOver(moved, unattended)


def start_handover(workspace: Workspace, user_id: int, now: datetime) -> Handover | None:
    """Inside the caller's transaction (the one saving the time off): record the
    hand-over of the member's open, unanswered leads and queue the task that works it
    through, so both commit with the time off or neither does. A hand-over of theirs
    still open is closed as "replaced" (the new one takes what is left); when the member
    is not away, it is closed as "back" and nothing is queued. Returns the new one."""
    from pacer.leads.tasks import hand_over_leads

    until = away_until(workspace.pk, user_id, now)
    Handover.objects.filter(workspace=workspace, user_id=user_id, finished_at=None).update(
        finished_at=now, outcome="replaced" if until else "back"
    )
    if until is None:
        return None
    record = Handover.objects.create(
        workspace=workspace,
        user_id=user_id,
        away_until=until,
        lead_ids=_waiting_ids(workspace, user_id),
        created_at=now,
    )
    hand_over_leads.enqueue(record.pk)
    return record


@dataclass(frozen=True)
class Progress:
    done: int  # leads gone through
    total: int
    moved: int
    unattended: int
    finished: bool


def continue_handover(handover_id: int, now: datetime, *, limit: int | None = None) -> Progress:
    """Work through up to ``limit`` more leads of a recorded hand-over (all that are left
    when None), each in its own transaction with the step of ``done`` (compared and set:
    two runs at once never count a lead twice; the lead is locked first, as every write
    of a lead's timers does). A finished hand-over is left alone; one whose member is no
    longer away is closed as "back". Safe to run twice and to kill: a rerun resumes at
    the first lead not gone through."""
    record = Handover.objects.select_related("workspace").get(pk=handover_id)
    workspace, steps = record.workspace, 0
    while record.finished_at is None and (limit is None or steps < limit):
        until = away_until(workspace.pk, record.user_id, now)
        index = record.done
        faults.point("leads.away.before_lock")
        with transaction.atomic():
            outcome = ""
            if until is not None and index < len(record.lead_ids):
                lead_id = record.lead_ids[index]
                outcome = _move(workspace, record.user_id, lead_id, until, now)
            done = index + 1 if until is not None else index
            ended = until is None or done >= len(record.lead_ids)
            stepped = Handover.objects.filter(pk=record.pk, done=index, finished_at=None).update(
                done=done,
                moved=F("moved") + int(outcome == "moved"),
                unattended=F("unattended") + int(outcome == "unattended"),
                finished_at=now if ended else None,
                outcome=("done" if until is not None else "back") if ended else "",
            )
            if not stepped:  # another run went through this lead first: undo ours
                transaction.set_rollback(True)
        record.refresh_from_db()
        steps += 1
    return Progress(
        record.done, len(record.lead_ids), record.moved, record.unattended, bool(record.finished_at)
    )


def hand_over_all_away(now: datetime | None = None) -> int:
    """The worker's sweep (loop "lead-away"): first every recorded hand-over still open
    (its task killed, or not run yet) is finished; then ``hand_over_away`` for every
    member away now who still owns open, unanswered leads (a closed lead is not looked
    at), so a lead left unattended moves once someone is free. Returns how many leads
    moved."""
    now = now or clock.now()
    moved = 0
    for handover_id, before in (
        Handover.objects.filter(finished_at=None).order_by("id").values_list("id", "moved")
    ):
        moved += continue_handover(handover_id, now).moved - before
    away = (
        Agent.objects.filter(away_until__gt=now)
        .values_list("workspace_id", "user_id")
        .distinct()
        .order_by("workspace_id", "user_id")
    )
    workspaces: dict[int, tuple[Workspace, list[str]]] = {}
    for workspace_id, user_id in away:
        if workspace_id not in workspaces:
            workspace = Workspace.objects.get(pk=workspace_id)
            workspaces[workspace_id] = workspace, open_stages(workspace)
        workspace, stages = workspaces[workspace_id]
        waiting = Lead.objects.filter(  # a closed lead is never handed over: not read
            workspace=workspace, owner_id=user_id, first_response_at__isnull=True
        )
        if waiting.filter(stage__in=stages).exists():
            moved += len(hand_over_away(workspace, user_id, now).moved)
    return moved
