"""The next touch: after each response, a lead's next one is due within its stage's
``SlaPolicy.next_touch_minutes`` working minutes (its location's opening hours).

Each response (a call, email, SMS or meeting, not a note) to an open lead moves its
``touch_round`` on and sets ``next_touch_by`` from the response by the policy of its stage
at its location (else for every location); the previous round's pending timers are
cancelled. A stage move brings the deadline forward when the new stage's next touch,
counted from the move, falls sooner (never later), in a new round. Each round has its
timers, ``step`` = the round: a reminder ``remind_minutes`` before the deadline (to the
owner; to the managers while the owner is away) and one escalation per step of the
lead's escalation chain (``escalation.chain_of``: its form's, its location's, the
every-location one, else the location's managers at the deadline), ``position`` = the
step, each ``delay_minutes`` working minutes after the deadline, fired by the first
response's machinery (``escalation.notify``). When the policy says so
(``touch_reassign_minutes``), the lead is re-assigned that many working minutes after a
missed deadline: to the next agent free by the usual routing, never its owner, else its
location's fallback owner (``routing.hand_on``); the new owner gets the next-touch task
with a full new deadline (a new round) and "Lead #N is yours"; with nobody else free it
stays with its owner and the managers are told. Each fires once (the timer's claim,
notices keyed by round and step) and never once the next touch came (the round moved on)
or the lead closed. The owner's task "next-touch" (one per lead) is moved to each new
deadline, done when none is left.
"""

from datetime import datetime

from pacer.core import audit
from pacer.leads import escalation, todo
from pacer.leads.hours import Hours, add_working_minutes, hours_of, local_time
from pacer.leads.models import FollowUpTask, Lead, Timer, TimerKind
from pacer.leads.notices import away_until, managers_of, queue_notice
from pacer.leads.routing import hand_on, policy_of

NEXT_TOUCH = "next-touch"
KINDS = (TimerKind.TOUCH_REMIND, TimerKind.TOUCH_LATE, TimerKind.TOUCH_REASSIGN)


Found = tuple[datetime, datetime, Hours, datetime | None]


def _deadline(lead: Lead, base: datetime) -> Found | None:
    """When the next touch counted from ``base`` is due by the lead's stage and location's
    policy, its reminder, the location's hours, and when the lead is re-assigned if it is
    missed (None: never); None when the policy sets no next touch."""
    policy = policy_of(lead.workspace, lead.stage, lead.location_id)
    if policy is None or policy.next_touch_minutes is None:
        return None
    hours = hours_of(lead.workspace, lead.location_id)
    due = add_working_minutes(base, policy.next_touch_minutes, hours)
    remind = add_working_minutes(
        base, max(policy.next_touch_minutes - policy.remind_minutes, 0), hours
    )
    minutes = policy.touch_reassign_minutes
    return due, remind, hours, None if minutes is None else add_working_minutes(due, minutes, hours)


def _cancel_pending(lead: Lead, at: datetime) -> int:
    return Timer.objects.filter(
        lead=lead, kind__in=KINDS, fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=at)


def _start_round(lead: Lead, at: datetime, found: Found | None, actor) -> None:
    """A new round (inside the caller's transaction, the lead locked): the previous
    round's pending timers cancelled, the deadline ``found`` set (or cleared) with its
    reminder, its escalation chain's steps and its re-assignment, the owner's next-touch
    task moved to it (done when there is none)."""
    _cancel_pending(lead, at)
    lead.touch_round += 1
    lead.next_touch_by = found[0] if found else None
    lead.save(update_fields=["touch_round", "next_touch_by"])
    tasks = FollowUpTask.objects.filter(lead=lead, key=NEXT_TOUCH)
    if found is None:
        tasks.filter(done_at__isnull=True).update(done_at=at, done_by=actor)
        return
    due, remind, hours, reassign = found
    chain = escalation.chain_of(lead.workspace, lead.location_id, lead.form)
    timers = [(TimerKind.TOUCH_REMIND, 0, {}, remind)] + [
        (TimerKind.TOUCH_LATE, index, step, when)
        for index, step, when in escalation.step_times(chain, due, hours)
    ]
    if reassign is not None:
        timers.append((TimerKind.TOUCH_REASSIGN, 0, {}, reassign))
    Timer.objects.bulk_create(
        Timer(
            workspace_id=lead.workspace_id,
            lead=lead,
            kind=kind,
            assignment_round=lead.assignment_round,
            step=lead.touch_round,
            position=position,
            target=target,
            due_at=when,
        )
        for kind, position, target, when in timers
    )
    if not tasks.update(due_at=due, assignee_id=lead.owner_id, done_at=None, done_by=None):
        FollowUpTask.objects.create(
            workspace_id=lead.workspace_id,
            lead=lead,
            key=NEXT_TOUCH,
            title="Next touch: call, email, SMS or meet",
            due_at=due,
            assignee_id=lead.owner_id,
            created_at=at,
        )


def touched(lead: Lead, at: datetime, *, actor=None) -> None:
    """A response to the open lead at ``at`` (inside the caller's transaction, the lead
    locked): its next touch is due by its stage's policy counted from ``at`` (none when
    the policy sets none), the previous deadline's timers cancelled."""
    _start_round(lead, at, _deadline(lead, at), actor)


def restage(lead: Lead, at: datetime, *, why: str, actor=None) -> bool:
    """An answered lead moved to an open stage at ``at`` (inside the caller's transaction,
    the lead locked): when the new stage's next touch counted from the move falls before
    the lead's current one (or it has none), it comes forward, in a new round; audited.
    Never later. Returns whether it moved."""
    if lead.first_response_at is None:
        return False
    found = _deadline(lead, at)
    if found is None or (lead.next_touch_by is not None and lead.next_touch_by <= found[0]):
        return False
    before = lead.next_touch_by
    _start_round(lead, at, found, actor)
    audit.record(
        lead.workspace,
        "leads.timers.next_touch",
        lead,
        actor=actor,
        before={"next_touch_by": before.isoformat() if before else None},
        after={"why": why, "round": lead.touch_round, "next_touch_by": found[0].isoformat()},
    )
    return True


def stop(lead: Lead, at: datetime, *, actor=None) -> None:
    """The lead closed (won or lost; inside the caller's transaction): no next touch is
    due; its timers cancelled, its task done."""
    cancelled = _cancel_pending(lead, at)
    if lead.next_touch_by is None and not cancelled:
        return
    lead.next_touch_by = None
    lead.save(update_fields=["next_touch_by"])
    FollowUpTask.objects.filter(lead=lead, key=NEXT_TOUCH, done_at__isnull=True).update(
        done_at=at, done_by=actor
    )


def fire(lead: Lead, timer: Timer, now: datetime) -> None:
    """A claimed next-touch timer of the locked, open ``lead``: nothing once the next
    touch came (its round moved on); else the reminder, the escalation or the
    re-assignment."""
    if lead.touch_round != timer.step or lead.next_touch_by is None:
        return
    zone = hours_of(lead.workspace, lead.location_id).zone
    label, due = f"Lead #{lead.pk}", local_time(lead.next_touch_by, zone)
    if timer.kind == TimerKind.TOUCH_REMIND:
        _remind(lead, timer.step, label, due, zone, now)
        return
    if timer.kind == TimerKind.TOUCH_REASSIGN:
        _reassign(lead, label, due, zone, now)
        return
    target = timer.target or escalation.DEFAULT[0]
    delay = target.get("delay_minutes") or 0
    escalation.notify(
        lead,
        target,
        f"touch-late:{timer.step}:{timer.position}",
        subject=f"{label} missed its next touch (due {due})"
        + (f" ({delay} min ago)" if delay else ""),
        body=f"{label} was due its next touch by {due} and has had none since.\n",
        event=(
            f"{lead.pk}:touch:{timer.step}:{timer.position}",
            {
                "lead": lead.pk,
                "missed": "next_touch",
                "location_id": lead.location_id,
                "owner_id": lead.owner_id,
                "next_touch_by": lead.next_touch_by.isoformat(),
                "round": timer.step,
                "step": timer.position,
                "delay_minutes": delay,
            },
        ),
        now=now,
    )


def _remind(lead: Lead, step: int, label: str, due: str, zone: str, now: datetime) -> None:
    """The owner's reminder of the next touch, or the managers' while the owner is away
    (or the lead has none)."""
    subject = f"{label}: next touch by {due}"
    body = f"{label} is due its next touch (a call, email, SMS or meeting) by {due}.\n"
    until = away_until(lead.workspace_id, lead.owner_id, now) if lead.owner_id else None
    if lead.owner_id is not None and until is None:
        queue_notice(
            lead,
            f"touch:{step}",
            to_user=lead.owner,
            to_email=lead.owner.email,
            subject=subject,
            body=body,
        )
        return
    if until is not None:
        body += (
            f"Its owner is away until {local_time(until, zone)}: answer it, or give it to "
            "someone.\n"
        )
    for user in managers_of(lead, now):
        queue_notice(
            lead,
            f"touch:{step}:{user.pk}",
            to_user=user,
            to_email=user.email,
            subject=subject + (" (its owner is away)" if until else " (it has no owner)"),
            body=body,
        )


def _reassign(lead: Lead, label: str, due: str, zone: str, now: datetime) -> None:
    """The next touch, due ``due`` (local), was missed by the re-assignment time: the lead
    goes to the next agent free (``routing.hand_on``; never its owner), whose task it
    becomes with a full new next-touch deadline from ``now`` (a new round) and who is
    told "Lead #N is yours"; the previous owner's other open tasks move too. Nobody else
    free: it stays with its owner, audited, and its managers are told (once per round)."""
    previous, missed_round = lead.owner_id, lead.touch_round
    why = f"re-assigned: its next touch, due {due}, was missed"
    if hand_on(lead, now, why=why) is None:
        audit.record(
            lead.workspace,
            "leads.assign",
            lead,
            after={
                "owner": previous,
                "reason": f"{why}; nobody else available (all away, off shift, at their "
                "cap, or none set up) and no fallback owner: kept, managers told",
            },
        )
        for user in managers_of(lead, now):
            queue_notice(
                lead,
                f"touch-kept:{missed_round}:{user.pk}",
                to_user=user,
                to_email=user.email,
                subject=f"{label} missed its next touch and nobody else can take it",
                body=f"{label} was due its next touch by {due} and has had none since. "
                "Nobody else is free to take it (away, off shift or at their cap) and no "
                "fallback owner is set, so its owner keeps it: give it to someone, or ask "
                "its owner to call.\n",
            )
        return
    _start_round(lead, now, _deadline(lead, now), None)
    todo.hand_over(lead, previous)
    new_due = local_time(lead.next_touch_by, zone) if lead.next_touch_by else ""
    queue_notice(
        lead,
        f"assigned:{lead.assignment_round}",
        to_user=lead.owner,
        to_email=lead.owner.email,
        subject=f"{label} is yours" + (f", next touch by {new_due}" if new_due else ""),
        body=f"{label} was re-assigned to you: its owner missed its next touch (due {due}). "
        "It has had its first response; call, email, text or meet them"
        + (f" by {new_due}.\n" if new_due else ".\n"),
    )
