"""Who gets a lead: the team of the first routing rule it matches (``pacer.leads.rules``),
else the agents of its location (else the fallback queue of agents for every location);
those away, off their shift or at their cap of open leads left out; by weighted rotation.

The rotation is deterministic: the next lead goes to the agent whose share would stay
closest to their weight (smallest ``(assigned + 1) / weight``, ties to the longest
waiting), so after any number of leads each agent's count is within one of its weighted
share. Each assignment sets the response deadline and its timers and is audited with its
reason.
"""

from datetime import datetime

from django.db.models import Count, Q

from pacer.core import audit
from pacer.core.models import Workspace
from pacer.leads.hours import Hours, add_working_minutes, from_json, is_open
from pacer.leads.models import Agent, Lead, LocationHours, SlaPolicy, Timer, TimerKind
from pacer.leads.rules import Rules
from pacer.leads.stages import open_stages


def _free(workspace: Workspace, pools: list[tuple[str, Q]], now: datetime, exclude: int | None):
    """The first pool with an agent free now: not away, on shift, under their cap."""
    open_ones = open_stages(workspace)
    for label, where in pools:
        agents = [
            agent
            for agent in Agent.objects.select_for_update()
            .filter(where, workspace=workspace)
            .filter(Q(away_until__isnull=True) | Q(away_until__lte=now))
            .order_by("id")
            if agent.weight > 0
            and agent.user_id != exclude
            and (not agent.shift or is_open(now, from_json(agent.shift)))
        ]
        if not agents:
            continue
        load = dict(
            Lead.objects.filter(
                workspace=workspace, owner__in=[a.user_id for a in agents], stage__in=open_ones
            )
            .values_list("owner")
            .annotate(n=Count("id"))
        )
        free = [a for a in agents if load.get(a.user_id, 0) < a.max_open]
        if free:
            return label, free
    return "", []


def candidates(
    workspace: Workspace, lead: Lead, now: datetime, *, exclude: int | None = None
) -> tuple[str, list[Agent]]:
    """Agents who may take the lead now (locked for the assignment), and which pool they
    are: the first matching rule's team, else the location's agents, else the fallback
    queue. A rule whose team has nobody free falls through to the rotation."""
    pools = []
    rule = Rules.of(workspace).first_match(lead)
    if rule is not None:
        pools.append((f"rule '{rule.name}': team {rule.team}", Q(team=rule.team)))
    if lead.location_id:
        pools.append(("the location's agents", Q(location_id=lead.location_id)))
    pools.append(("the fallback queue", Q(location_id__isnull=True)))
    return _free(workspace, pools, now, exclude)


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
) -> Lead:
    """Give the lead to the next agent (never ``exclude``) and start its SLA timers.

    The response deadline counts from ``since`` (a new lead: when it arrived) or else
    from ``now`` (a re-assignment gives the new owner the full time). Runs inside the
    caller's transaction. Without an agent the lead stays unassigned
    (the inbox shows it in the location's queue), audited as such.
    """
    workspace = lead.workspace
    scope, pool = candidates(workspace, lead, now, exclude=exclude)
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
    policy = policy_of(workspace, lead.stage, lead.location_id)
    lead.respond_by = None
    if deadlines and policy is not None and lead.first_response_at is None:
        hours = hours_of(workspace, lead.location_id)
        base = since or now
        lead.respond_by = add_working_minutes(base, policy.respond_minutes, hours)
        remind = add_working_minutes(
            base, max(policy.respond_minutes - policy.remind_minutes, 0), hours
        )
        reassign = add_working_minutes(lead.respond_by, policy.reassign_minutes, hours)
        Timer.objects.bulk_create(
            Timer(
                workspace=workspace,
                lead=lead,
                kind=kind,
                assignment_round=lead.assignment_round,
                due_at=due,
            )
            for kind, due in (
                (TimerKind.REMIND, remind),
                (TimerKind.BREACH, lead.respond_by),
                (TimerKind.REASSIGN, reassign),
            )
        )
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
