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
"""

from datetime import datetime

from django.db.models import Count, Q

from pacer.core import audit
from pacer.core.models import Workspace
from pacer.leads.escalation import chain_of, form_overrides
from pacer.leads.hours import Hours, add_working_minutes, from_json, is_open
from pacer.leads.models import Agent, Lead, LocationHours, SlaPolicy, Timer, TimerKind
from pacer.leads.rules import Rules
from pacer.leads.stages import open_stages


class Router:
    """Assignment state of one workspace at ``now``, for any number of leads in the
    caller's transaction (the agents read are locked until it ends)."""

    def __init__(self, workspace: Workspace, now: datetime):
        self.workspace, self.now = workspace, now
        self.rules = Rules.of(workspace)
        self.open_stages = open_stages(workspace)
        self._agents: dict[int, Agent] = {}  # by id: one object per agent across pools
        self._pools: dict[tuple, list[Agent]] = {}
        self._load: dict[int, int] = {}  # user id -> open leads owned
        self._policies: dict[tuple[str, int | None], SlaPolicy | None] = {}
        self._hours: dict[int | None, Hours] = {}
        self._chains: dict[int | None, list[dict]] = {}
        self._form_chains: dict[str, list[dict]] | None = None

    def _pool(self, key: tuple, where: Q) -> list[Agent]:
        """The pool's agents able to take leads now (not away, on shift, weight > 0),
        read and locked once; their open leads counted once."""
        if key not in self._pools:
            found = (
                Agent.objects.select_for_update()
                .filter(where, workspace=self.workspace)
                .filter(Q(away_until__isnull=True) | Q(away_until__lte=self.now))
                .order_by("id")
            )
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
        pools = []
        rule = self.rules.first_match(lead)
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
        for label, key, where in pools:
            free = [
                agent
                for agent in self._pool(key, where)
                if agent.user_id != exclude and self._load[agent.user_id] < agent.max_open
            ]
            if free:
                return label, free
        return "", []

    def policy(self, stage: str, location_id: int | None) -> SlaPolicy | None:
        if (stage, location_id) not in self._policies:
            self._policies[stage, location_id] = policy_of(self.workspace, stage, location_id)
        return self._policies[stage, location_id]

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


def hours_of(workspace: Workspace, location_id: int | None) -> Hours:
    rows = {
        row.location_id: row
        for row in LocationHours.objects.filter(
            Q(location_id=location_id) | Q(location_id__isnull=True), workspace=workspace
        )
    }
    row = rows.get(location_id) or rows.get(None)
    if row is None:
        return Hours()
    return Hours(
        row.timezone,
        {day: [tuple(i) for i in intervals] for day, intervals in row.weekly.items()},
        frozenset(datetime.fromisoformat(d).date() for d in row.holidays),
    )


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
) -> Lead:
    """Give the lead to the next agent (never ``exclude``) and start its SLA timers.

    The response deadline counts from ``since`` (a new lead: when it arrived) or else
    from ``now`` (a re-assignment gives the new owner the full time). Runs inside the
    caller's transaction. Without an agent the lead stays unassigned
    (the inbox shows it in the location's queue), audited as such. ``router``: one
    shared by the leads assigned at ``now`` (else one for this lead). ``keep_clock``: the
    new owner takes over the deadline and the pending timers as they are (the previous
    owner went away), instead of a full new time.
    """
    workspace = lead.workspace
    router = router or Router(workspace, now)
    scope, pool = router.candidates(lead, exclude=exclude)
    router.took(lead.owner_id, lead, -1)
    lead.assignment_round += 1
    if not pool:
        lead.owner, lead.assigned_at, lead.respond_by = None, None, None
        lead.save(update_fields=["owner", "assigned_at", "respond_by", "assignment_round"])
        audit.record(
            workspace,
            "leads.assign",
            lead,
            after={
                "owner": None,
                "reason": why + ": no agent available (all away, at their cap, or none set up)",
            },
        )
        return lead
    chosen = min(pool, key=lambda a: ((a.assigned + 1) / a.weight, a.assigned, a.id))
    chosen.assigned += 1
    chosen.save(update_fields=["assigned"])
    lead.owner_id, lead.assigned_at = chosen.user_id, now
    router.took(chosen.user_id, lead, +1)
    if keep_clock:  # the same deadline and pending timers, now the new round's
        Timer.objects.filter(
            lead=lead,
            assignment_round=lead.assignment_round - 1,
            fired_at__isnull=True,
            cancelled_at__isnull=True,
        ).update(assignment_round=lead.assignment_round)
    else:
        lead.respond_by = None
        if deadlines and lead.first_response_at is None:
            start_clock(lead, router, since or now)
    lead.save(update_fields=["owner", "assigned_at", "respond_by", "assignment_round"])
    audit.record(
        workspace,
        "leads.assign",
        lead,
        after={
            "owner": chosen.user_id,
            "reason": f"{why}: weighted rotation among {len(pool)} of {scope} "
            f"(weight {chosen.weight:g}, lead {chosen.assigned} of theirs)",
            "respond_by": lead.respond_by.isoformat() if lead.respond_by else None,
        },
    )
    return lead


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
    as ``kind:step`` (none without a policy: then no deadline either). The caller saves
    the lead."""
    policy = router.policy(lead.stage, lead.location_id)
    lead.respond_by = response_deadline(lead, router, base)
    if policy is None:
        return []
    hours = router.hours(lead.location_id)
    remind = add_working_minutes(
        base, max(policy.respond_minutes - policy.remind_minutes, 0), hours
    )
    reassign = add_working_minutes(lead.respond_by, policy.reassign_minutes, hours)
    steps = [  # escalation: each step of the chain, its delay after the deadline
        (
            TimerKind.BREACH,
            index,
            step,
            add_working_minutes(lead.respond_by, step["delay_minutes"], hours)
            if step["delay_minutes"]
            else lead.respond_by,
        )
        for index, step in enumerate(router.chain(lead.location_id, lead.form))
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
