"""Rule scores: fit points from the contact, behaviour points from its events decaying
with a half-life, arrival points for when the lead arrived (weekday, hour, inside or
outside opening hours, in its location's time zone: the zone of its opening hours, else
the workspace's default hours', else UTC), and thresholds that move a lead's stage
(recorded as ``rule:score``).

Scores are recomputed for the leads of every contact the change feed says changed, and
for every open lead by the worker's hourly loop (so decay shows without new events).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction

from pacer.core import clock, faults
from pacer.core.models import Workspace
from pacer.ingest.selectors import event_times
from pacer.leads.actions import move_stage
from pacer.leads.hours import Hours, hours_of
from pacer.leads.models import Lead, ScoreRule, ScoreThreshold
from pacer.leads.rules import arrival_matches
from pacer.leads.stages import open_stages, stages
from pacer.people.selectors import contacts_by_ids

FIT_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "lifecycle_stage",
    "location_id",
    "acquisition_channel",
    "acquisition_campaign",
)
LEAD_FIELDS = ("form", "channel", "source")  # fit rules on what the lead itself carries
LEADS_PER_RUN = 2000
# a lead scored this recently is not rescored by the hourly loop: it was scored in this
# hour's round (the loop runs again at once while a workspace has more), or by new events
RESCORED_AFTER = timedelta(minutes=30)


def add_missing_rules(workspace: Workspace, rules: Iterable[dict]) -> int:
    """Add the score rules (``name``, ``kind``, ``points`` and ``field``/``value`` or
    ``event``/``half_life_days``) the workspace has none of that name of; how many."""
    added = 0
    for rule in rules:
        _, made = ScoreRule.objects.get_or_create(
            workspace=workspace, name=rule["name"], defaults=rule
        )
        added += made
    return added


def _fit_points(rule: ScoreRule, person, lead: dict) -> float:
    """The rule's points when its field (a lead field of ``LEAD_FIELDS``, a contact field
    or trait) is set, or equals its value."""
    if rule.field in LEAD_FIELDS:
        value = lead.get(rule.field)
    elif rule.field not in FIT_FIELDS:
        value = (person.traits or {}).get(rule.field)
    else:
        value = getattr(person, rule.field, None)
    if value in (None, ""):
        return 0.0
    if rule.value and str(value).strip().lower() != rule.value.strip().lower():
        return 0.0
    return rule.points


class _ArrivalHours:
    """The opening hours (with their zone) of each location, read once per run."""

    def __init__(self, workspace: Workspace):
        self.workspace, self.known = workspace, {}

    def __call__(self, location_id: int | None) -> Hours:
        if location_id not in self.known:
            self.known[location_id] = hours_of(self.workspace, location_id)
        return self.known[location_id]


def _arrival_facts(rules: list[ScoreRule], workspace: Workspace):
    """What arrival rules need of a lead (its arrival and its location's hours), as a
    function of ``(created_at, location_id)``; None without arrival rules."""
    if not any(rule.kind == "arrival" for rule in rules):
        return None
    hours = _ArrivalHours(workspace)
    return lambda created_at, location_id: {
        "created_at": created_at,
        "hours": hours(location_id),
    }


def _points(
    rules: list[ScoreRule],
    person,
    lead: dict,
    seen: dict,
    contact_id: int,
    now: datetime,
    *,
    past=False,
) -> float:
    """A lead's rule points at ``now``: the fit points of its contact and of the lead
    (``lead``: its ``LEAD_FIELDS``, with ``created_at`` and ``hours`` when there are
    arrival rules), the arrival rules it matches, and its contact's behaviour events
    (``seen``: their times by contact and event), each halved every half-life; ``past``:
    only the events before ``now`` (else a later one counts in full)."""
    points = sum(_fit_points(r, person, lead) for r in rules if r.kind == "fit" and person)
    points += sum(
        rule.points
        for rule in rules
        if rule.kind == "arrival" and arrival_matches(rule, lead["created_at"], lead["hours"])
    )
    for rule in rules:
        if rule.kind != "behaviour":
            continue
        for at in seen[(contact_id, rule.event)]:
            if past and at >= now:
                continue
            age_days = max((now - at).total_seconds() / 86400, 0.0)
            decay = 0.5 ** (age_days / rule.half_life_days) if rule.half_life_days else 1.0
            points += rule.points * decay
    return points


def scores_at_arrival(workspace: Workspace, leads: list[dict]) -> list[float] | None:
    """The rule score each lead had when it arrived (``leads``: rows with ``contact_id``,
    ``created_at`` and ``LEAD_FIELDS``): its fit points and its contact's behaviour
    events before then, decayed to then; what the predictive score also knows, never
    what came after. None when the workspace has no score rules. Writes nothing."""
    rules = list(ScoreRule.objects.filter(workspace=workspace))
    if not rules:
        return None
    contact_ids = [row["contact_id"] for row in leads]
    seen = defaultdict(list)
    events = [r.event for r in rules if r.kind == "behaviour"]
    for contact_id, name, at in event_times(workspace.pk, contact_ids, events):
        seen[(contact_id, name)].append(at)
    people = contacts_by_ids(workspace, contact_ids)
    arrival = _arrival_facts(rules, workspace)
    return [
        round(
            _points(
                rules,
                people.get(row["contact_id"]),
                {name: row.get(name) for name in LEAD_FIELDS}
                | (arrival(row["created_at"], row.get("location_id")) if arrival else {}),
                seen,
                row["contact_id"],
                row["created_at"],
                past=True,
            ),
            4,
        )
        for row in leads
    ]


def score_leads(workspace: Workspace, leads: Iterable[Lead], now: datetime) -> int:
    """Recompute the leads' scores and apply the thresholds; returns how many moved."""
    leads = list(leads)
    rules = list(ScoreRule.objects.filter(workspace=workspace))
    if not leads or not rules:
        return 0
    seen = defaultdict(list)
    for contact_id, name, at in event_times(
        workspace.pk,
        [lead.contact_id for lead in leads],
        [r.event for r in rules if r.kind == "behaviour"],
    ):
        seen[(contact_id, name)].append(at)
    thresholds = sorted(ScoreThreshold.objects.filter(workspace=workspace), key=lambda t: t.score)
    known = {s.key for s in stages(workspace)}
    people = contacts_by_ids(workspace, [lead.contact_id for lead in leads])
    arrival = _arrival_facts(rules, workspace)
    moved = 0
    for lead in leads:
        values = {name: getattr(lead, name) for name in LEAD_FIELDS}
        if arrival:
            values |= arrival(lead.created_at, lead.location_id)
        points = _points(rules, people.get(lead.contact_id), values, seen, lead.contact_id, now)
        lead.score, lead.scored_at = round(points, 4), now
        Lead.objects.filter(pk=lead.pk).update(score=lead.score, scored_at=now)
        for threshold in thresholds:
            if (
                lead.stage == threshold.from_stage
                and lead.score >= threshold.score
                and threshold.to_stage in known
            ):
                lead = move_stage(
                    workspace,
                    lead.pk,
                    threshold.to_stage,
                    at=now,
                    by=f"rule:score>={threshold.score:g}",
                )
                moved += 1
    return moved


def rescore_contacts(workspace_id: int, contact_ids: list[int]) -> int:
    """The change feed's part: rescore the open leads of contacts that changed."""
    workspace = Workspace.objects.get(pk=workspace_id)
    open_ones = open_stages(workspace)
    leads = Lead.objects.filter(
        workspace=workspace, contact_id__in=contact_ids, stage__in=open_ones
    )
    return score_leads(workspace, leads, clock.now())


def rescore_open_leads() -> int:
    """The worker's hourly loop: decay changes scores without new events. Scores the
    longest-unscored open leads not scored in the last ``RESCORED_AFTER``,
    ``LEADS_PER_RUN`` per workspace; returns 1 while some workspace may have more (the
    worker then runs it again at once), else 0. A round ends once every open lead has
    been scored in it (before, a lead scored a moment ago was due again, so with more
    than ``LEADS_PER_RUN`` open leads the loop never stopped)."""
    more = 0
    now = clock.now()
    for workspace_id in ScoreRule.objects.values_list("workspace_id", flat=True).distinct():
        workspace = Workspace.objects.get(pk=workspace_id)
        open_ones = open_stages(workspace)
        with transaction.atomic():
            leads = list(
                Lead.objects.filter(workspace=workspace, stage__in=open_ones)
                .exclude(scored_at__gt=now - RESCORED_AFTER)
                .order_by("scored_at", "id")[:LEADS_PER_RUN]
            )
            score_leads(workspace, leads, now)
            faults.point("leads.scores.scored")  # scores and stage moves made; no COMMIT
        more = more or len(leads) == LEADS_PER_RUN
    return int(more)
