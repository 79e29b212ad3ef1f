"""Who gets a lead: the team of the first routing rule it matches (``pacer.leads.rules``),
else the agents of its location (else the fallback queue of agents for every location);
those away, off their shift or at their cap of open leads left out; by weighted rotation.

The rotation is deterministic: the next lead goes to the agent whose share would stay
closest to their weight (smallest ``(assigned + 1) / weight``, ties to the longest
waiting), so after any number of leads each agent's count is within one of its weighted
share. Each assignment sets the response deadline and its timers and is audited with its
reason.

A ``Router`` reads what assignment needs (rules, open stages, the pools' agents, locked,
and their open leads, SLA policies, opening hours) once for a run of leads at the same
moment, and keeps the agents' counts as it gives leads out: the change feed hands over
leads in batches, and reading all of that again per lead cost more than the rest of
capture together.

A new lead that arrives while its location is closed and nobody can take it (off shift)
waits unowned with its clock running: its deadline counted in the location's opening
hours from its arrival (so from the next opening), its timers set, and an assignment
timer at the next opening; when that fires, the lead goes to whoever is on shift then
(tried again every ``RETRY_MINUTES`` working minutes, ``ASSIGN_TRIES`` times in all).
"""

from datetime import datetime

from django.db.models import Count, Q

from pacer.core import audit
from pacer.core.models import Workspace
from pacer.leads import fallback, sla
from pacer.leads.escalation import chain_of, form_overrides, step_times
from pacer.leads.hours import (
    Hours,
    add_working_minutes,
    from_json,
    hours_of,
    is_open,
    next_opening,
)
from pacer.leads.models import Agent, Lead, SlaPolicy, Timer, TimerKind
from pacer.leads.notices import alert_unowned, tell_new_owner
from pacer.leads.rules import Rules
from pacer.leads.stages import open_stages

ASSIGN_TRIES = 8  # assignment timers of a lead that arrived while closed
RETRY_MINUTES = 15  # working minutes between them once open


class Router:
    """Assignment state of one workspace at ``now``, for any number of leads in the
    caller's transaction (the agents read are locked until it ends)."""

    def __init__(self, workspace: Workspace, now: datetime):
        self.workspace, self.now = workspace, now
        self.rules = Rules.of(workspace)
        self.open_stages = open_stages(workspace)
        self._agents: dict[int, Agent] = {}  # by id: one object per agent across pools
        self._pools: dict[tuple, list[Agent]] = {}
        self._set_up: dict[tuple, bool] = {}  # whether the pool has agents at all
        self._load: dict[int, int] = {}  # user id -> open leads owned
        self._policies: dict[tuple[str, int | None], SlaPolicy | None] = {}
        self._hours: dict[int | None, Hours] = {}
        self._chains: dict[int | None, list[dict]] = {}
        self._form_chains: dict[str, list[dict]] | None = None
        self._fallback: dict[int | None, int] | None = None
        self._follow_up: dict[int, int] | None = None  # the locations' own
        self._workspace_follow_up: int | None = None

    def _pool(self, key: tuple, where: Q) -> list[Agent]:
        """The pool's agents able to take leads now (not away, on shift, weight > 0),
        read and locked once; their open leads counted once."""
        if key not in self._pools:
            every = list(
                Agent.objects.select_for_update()
                .filter(where, workspace=self.workspace)
                .order_by("id")
            )
            self._set_up[key] = bool(every)
            found = [a for a in every if a.away_until is None or a.away_until <= self.now]
            agents = [
                self._agents.setdefault(agent.pk, agent)
                for agent in found
                if agent.weight > 0 and (not agent.shift or self._on_shift(agent))
            ]
            uncounted = [a.user_id for a in agents if a.user_id not in self._load]
            if uncounted:
                counts = dict(
                    Lead.objects.filter(
                        workspace=self.workspace, owner__in=uncounted, stage__in=self.open_stages
                    )
                    .values_list("owner")
                    .annotate(n=Count("id"))
                )
                self._load.update({user: counts.get(user, 0) for user in uncounted})
            self._pools[key] = agents
        return self._pools[key]

    def _on_shift(self, agent: Agent) -> bool:
        return is_open(self.now, from_json(agent.shift))

    def candidates(self, lead: Lead, *, exclude: int | None = None) -> tuple[str, list[Agent]]:
        """Agents who may take the lead now, and which pool they are: the first matching
        rule's team, else the location's agents, else the fallback queue. A rule whose
        team has nobody free falls through to the rotation."""
        for label, key, where in self._pools_of(lead):
            free = [
                agent
                for agent in self._pool(key, where)
                if agent.user_id != exclude and self._load[agent.user_id] < agent.max_open
            ]
            if free:
                return label, free
        return "", []

    def set_up(self, lead: Lead) -> bool:
        """Whether any pool of the lead has agents at all (away, off shift or not)."""
        pools = self._pools_of(lead)
        for _, key, where in pools:
            self._pool(key, where)
        return any(self._set_up[key] for _, key, _ in pools)

    def _pools_of(self, lead: Lead) -> list[tuple[str, tuple, Q]]:
        pools = []
        rule = self.rules.first_match(lead, self.hours)
        if rule is not None:
            pools.append(
                (f"rule '{rule.name}': team {rule.team}", ("team", rule.team), Q(team=rule.team))
            )
        if lead.location_id:
            pools.append(
                (
                    "the location's agents",
                    ("location", lead.location_id),
                    Q(location_id=lead.location_id),
                )
            )
        pools.append(("the fallback queue", ("fallback",), Q(location_id__isnull=True)))
        return pools

    def fallback_owner(self, location_id: int | None, *, exclude: int | None = None) -> int | None:
        """The user id of the location's fallback owner, else the workspace's (never
        ``exclude``, nor one away now); None when there is none."""
        if self._fallback is None:
            self._fallback = fallback.owners(self.workspace, self.now)
        for owner in (self._fallback.get(location_id), self._fallback.get(None)):
            if owner is not None and owner != exclude:
                return owner
        return None

    def policy(self, stage: str, location_id: int | None) -> SlaPolicy | None:
        if (stage, location_id) not in self._policies:
            self._policies[stage, location_id] = policy_of(self.workspace, stage, location_id)
        return self._policies[stage, location_id]

    def follow_up_minutes(self, location_id: int | None) -> int:
        """The follow-up time of a lead of ``location_id`` without a deadline: the
        location's own, else the workspace's (each read once)."""
        if self._follow_up is None:
            self._follow_up = sla.location_follow_ups(self.workspace)
        if location_id in self._follow_up:
            return self._follow_up[location_id]
        if self._workspace_follow_up is None:
            self._workspace_follow_up = sla.follow_up_minutes(self.workspace)
        return self._workspace_follow_up

    def hours(self, location_id: int | None) -> Hours:
        if location_id not in self._hours:
            self._hours[location_id] = hours_of(self.workspace, location_id)
        return self._hours[location_id]

    def chain(self, location_id: int | None, form: str = "") -> list[dict]:
        """The escalation steps of a lead of ``location_id`` from ``form`` (as
        ``escalation.chain_of``)."""
        if self._form_chains is None:
            self._form_chains = form_overrides(self.workspace)
        if form in self._form_chains:
            return self._form_chains[form]
        if location_id not in self._chains:
            self._chains[location_id] = chain_of(self.workspace, location_id)
        return self._chains[location_id]

    def took(self, owner_id: int | None, lead: Lead, delta: int) -> None:
        """Count an open lead more (or less) for ``owner_id``."""
        if owner_id in self._load and lead.stage in self.open_stages:
            self._load[owner_id] += delta


def candidates(
    workspace: Workspace, lead: Lead, now: datetime, *, exclude: int | None = None
) -> tuple[str, list[Agent]]:
    """Agents who may take the lead now (locked for the assignment), and which pool they
    are (see ``Router.candidates``)."""
    return Router(workspace, now).candidates(lead, exclude=exclude)


def policy_of(workspace: Workspace, stage: str, location_id: int | None) -> SlaPolicy | None:
    found = {
        p.location_id: p
        for p in SlaPolicy.objects.filter(
            Q(location_id=location_id) | Q(location_id__isnull=True),
            workspace=workspace,
            stage=stage,
        )
    }
    return found.get(location_id) or found.get(None)


def assign(
    lead: Lead,
    now: datetime,
    *,
    exclude: int | None = None,
    why: str = "new",
    deadlines: bool = True,
    since: datetime | None = None,
    router: Router | None = None,
    keep_clock: bool = False,
    waiting: int | None = None,
    reassigned_from: int | None = None,
) -> Lead:
    """Give the lead to the next agent (never ``exclude``) and start its SLA timers.

    The response deadline counts from ``since`` (a new lead: when it arrived) or else
    from ``now`` (a re-assignment gives the new owner the full time). Runs inside the
    caller's transaction; audited with its reason. ``router``: one shared by the leads
    assigned at ``now`` (else one for this lead). ``keep_clock``: the new owner takes
    over the deadline and the pending timers as they are (the previous owner went away),
    instead of a full new time. ``waiting``: the assignment tries so far of a new lead
    that may wait for its location's opening (``wait_for_opening``), or of a
    re-assignment after the deadline away from ``reassigned_from`` (its previous owner,
    never chosen again), which waits and is tried again the same way when nobody is free
    (keeping its missed deadline meanwhile; an agent free at a later try gets a full new
    time).

    Without an agent free, a lead that waits for the opening stays unowned for now; one
    that owes a first response and cannot wait (tries spent, open with nobody free, a
    re-assignment) goes to the location's fallback owner (``pacer.leads.fallback``),
    who is told so, else stays unowned (the location's queue shows it) and the managers
    are alerted (``notices.alert_unowned``) when anyone is set up to take its leads. A
    backfilled lead (no ``deadlines``) just stays unowned.
    """
    workspace = lead.workspace
    router = router or Router(workspace, now)
    scope, pool = router.candidates(lead, exclude=exclude)
    router.took(lead.owner_id, lead, -1)
    lead.assignment_round += 1
    owner_id, alert, missed = None, False, lead.respond_by
    if pool:
        owner_id, reason = _pick(pool, scope, why)
    if keep_clock:
        _carry_timers(lead)
    else:
        lead.respond_by = None
    if owner_id is None:
        reason = f"{why}: no agent available (all away, at their cap, or none set up)"
        retry = (
            waiting is not None
            and deadlines
            and wait_for_opening(lead, router, waiting, reassigned_from=reassigned_from)
        )
        if retry and not is_open(now, router.hours(lead.location_id)):
            reason = f"{why}: nobody on shift; waits for {retry.isoformat()}"
        elif retry:  # open, nobody free: a later try; the managers hear of it at the second
            # (a re-assignment at once: the lead has just lost its owner), once while unowned
            reason = f"{why}: nobody free; tries again at {retry.isoformat()}"
            if (
                (waiting or reassigned_from is not None)
                and lead.unowned_alerted_at is None
                and router.fallback_owner(lead.location_id, exclude=exclude) is None
            ):
                alert, reason = True, reason + "; no fallback owner: managers alerted"
        elif deadlines and lead.first_response_at is None:
            owner_id = router.fallback_owner(lead.location_id, exclude=exclude)
            if owner_id is not None:
                reason += "; to the fallback owner"
            elif lead.owner_id is not None or (
                lead.unowned_alerted_at is None and router.set_up(lead)
            ):  # a lead never owned: its managers are alerted once
                alert, reason = True, reason + "; no fallback owner: managers alerted"
        if owner_id is None and reassigned_from is not None:
            lead.respond_by = missed  # still waiting for its first response: shown late
    lead.owner_id, lead.assigned_at = owner_id, now if owner_id is not None else None
    if owner_id is not None:
        lead.unowned_alerted_at = None  # owned: a later wait without an owner alerts again
        router.took(owner_id, lead, +1)
        if not keep_clock and deadlines and lead.first_response_at is None:
            start_clock(lead, router, since or now)
    lead.save(
        update_fields=[
            "owner",
            "assigned_at",
            "respond_by",
            "assignment_round",
            "unowned_alerted_at",
        ]
    )
    after: dict = {"owner": owner_id, "reason": reason}
    if owner_id is not None or lead.respond_by:
        after["respond_by"] = lead.respond_by.isoformat() if lead.respond_by else None
    audit.record(workspace, "leads.assign", lead, after=after)
    if owner_id is not None and not pool:
        tell_new_owner(lead, "went to you as the fallback owner: nobody else can take it now")
    elif alert:
        alert_unowned(
            lead, "has no owner", "every agent who may take it is away, off shift or at their cap"
        )
    return lead


def _pick(pool: list[Agent], scope: str, why: str) -> tuple[int, str]:
    """The pool's next agent by weighted rotation (counted), and the reason in words."""
    chosen = min(pool, key=lambda a: ((a.assigned + 1) / a.weight, a.assigned, a.id))
    chosen.assigned += 1
    chosen.save(update_fields=["assigned"])
    return chosen.user_id, (
        f"{why}: weighted rotation among {len(pool)} of {scope} "
        f"(weight {chosen.weight:g}, lead {chosen.assigned} of theirs)"
    )


def hand_on(lead: Lead, now: datetime, *, why: str) -> int | None:
    """Give the answered lead to the next agent free now by the usual routing (its rule's
    team, its location's agents, the fallback queue; away, off shift and at cap left out;
    weighted rotation), never its owner, else to its location's fallback owner (not its
    owner either), in a new assignment round; audited (``leads.assign``) with ``why``.
    Its response deadline stays as it was (the reports measure the first response by
    it). Inside the caller's transaction, the lead locked. Returns the new owner; None,
    with nothing changed, when nobody else can take it."""
    router = Router(lead.workspace, now)
    previous = lead.owner_id
    scope, pool = router.candidates(lead, exclude=previous)
    if pool:
        owner_id, reason = _pick(pool, scope, why)
    else:
        owner_id = router.fallback_owner(lead.location_id, exclude=previous)
        if owner_id is None:
            return None
        reason = f"{why}: no agent available (all away, at their cap, or none set up); "
        reason += "to the fallback owner"
    lead.assignment_round += 1
    lead.owner_id, lead.assigned_at, lead.unowned_alerted_at = owner_id, now, None
    lead.save(update_fields=["owner", "assigned_at", "assignment_round", "unowned_alerted_at"])
    audit.record(
        lead.workspace,
        "leads.assign",
        lead,
        after={"owner": owner_id, "reason": reason, "previous_owner": previous},
    )
    return owner_id


def _carry_timers(lead: Lead) -> None:
    """The same deadline and pending timers, now the lead's new round's."""
    Timer.objects.filter(
        lead=lead,
        assignment_round=lead.assignment_round - 1,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(assignment_round=lead.assignment_round)


def wait_for_opening(
    lead: Lead, router: Router, tries: int, *, reassigned_from: int | None = None
) -> datetime | None:
    """Nobody can take the unanswered lead now (its round already counted): while its
    location is closed, or once open after ``tries`` (> 0) assignment timers, it waits
    unowned with its clock running, and an assignment timer is set at the next opening
    (or ``RETRY_MINUTES`` working minutes on). The first wait starts the clock from the
    lead's arrival (later ones keep it: the caller carries the timers over). A
    re-assignment away from ``reassigned_from`` waits the same way from its first try
    (its clock already ran out; the timer names the previous owner, left out of every
    try). Returns when the next try is due; None (nothing set) when the location is open
    at a first try and a fallback owner takes it, after ``ASSIGN_TRIES``, or when nobody
    is set up to take it."""
    hours = router.hours(lead.location_id)
    closed = not is_open(router.now, hours)
    if lead.first_response_at is not None or tries >= ASSIGN_TRIES:
        return None
    first = not (closed or tries)
    if first and router.fallback_owner(lead.location_id, exclude=reassigned_from) is not None:
        return None  # open at its arrival (or re-assignment): its fallback owner takes it now
    if not router.set_up(lead):
        return None
    if tries == 0 and reassigned_from is None:
        start_clock(lead, router, lead.created_at)
    due = (
        next_opening(router.now, hours)
        if closed
        else add_working_minutes(router.now, RETRY_MINUTES, hours)
    )
    Timer.objects.create(
        workspace_id=lead.workspace_id,
        lead=lead,
        kind=TimerKind.ASSIGN,
        assignment_round=lead.assignment_round,
        step=tries,
        target={} if reassigned_from is None else {"reassigned_from": reassigned_from},
        due_at=due,
    )
    return due


def response_deadline(lead: Lead, router: Router, base: datetime) -> datetime | None:
    """When the lead's first response is due, counted from ``base`` in its location's
    working hours by its stage and location's SLA policy; None without a policy."""
    policy = router.policy(lead.stage, lead.location_id)
    if policy is None:
        return None
    return add_working_minutes(base, policy.respond_minutes, router.hours(lead.location_id))


def start_clock(lead: Lead, router: Router, base: datetime) -> list[str]:
    """Set the lead's response deadline and its timers for its current round, counted
    from ``base`` by its stage and location's SLA policy (the reminder, each escalation
    step of its location's or form's chain, the re-assignment); returns the timers made
    as ``kind:step``. Without a policy there is no deadline, escalation or
    re-assignment, but the lead is not forgotten: one reminder at its follow-up time,
    its location's or else the workspace's follow-up minutes (``sla``) working minutes
    from ``base`` (its first-response task falls due then). The caller saves the lead."""
    policy = router.policy(lead.stage, lead.location_id)
    lead.respond_by = response_deadline(lead, router, base)
    hours = router.hours(lead.location_id)
    if policy is None:
        Timer.objects.create(
            workspace_id=lead.workspace_id,
            lead=lead,
            kind=TimerKind.REMIND,
            assignment_round=lead.assignment_round,
            due_at=add_working_minutes(base, router.follow_up_minutes(lead.location_id), hours),
        )
        return [f"{TimerKind.REMIND}:0"]
    remind = add_working_minutes(
        base, max(policy.respond_minutes - policy.remind_minutes, 0), hours
    )
    reassign = add_working_minutes(lead.respond_by, policy.reassign_minutes, hours)
    steps = [  # escalation: each step of the chain, its delay after the deadline
        (TimerKind.BREACH, index, step, due)
        for index, step, due in step_times(
            router.chain(lead.location_id, lead.form), lead.respond_by, hours
        )
    ]
    timers = [(TimerKind.REMIND, 0, {}, remind), *steps, (TimerKind.REASSIGN, 0, {}, reassign)]
    Timer.objects.bulk_create(
        Timer(
            workspace_id=lead.workspace_id,
            lead=lead,
            kind=kind,
            assignment_round=lead.assignment_round,
            step=index,
            target=target,
            due_at=due,
        )
        for kind, index, target, due in timers
    )
    return [f"{kind}:{index}" for kind, index, _, _ in timers]
