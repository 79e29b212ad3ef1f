"""Incremental evaluation: which of a few contacts a definition matches, read from the
operational store (through the people, ingest and leads selectors) and decided in Python.

The change feed hands segments the contacts each batch touched; this module loads only
what the definitions ask about (the events they name, orders only if an order condition
is present, ...) for those contacts and evaluates each definition per contact. Its
semantics are those of ``pacer.segments.full`` condition by condition: a missing value
makes a comparison false, counts and sums of nothing are 0, consent is the latest
decision per (channel, purpose) by (recorded time, id), and JSON values compare by type.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pacer.core.models import Workspace
from pacer.ingest import selectors as events
from pacer.leads import selectors as leads
from pacer.people import selectors as people
from pacer.segments import definition as d
from pacer.segments.full import Resolver, holds


@dataclass
class Needs:
    """What the definitions (and the segments they refer to) read beyond the profile."""

    event_names: set[str] = field(default_factory=set)
    consents: bool = False
    orders: bool = False
    lead_scores: bool = False

    def add(self, tree: d.Group, resolve: Resolver, seen: set[int] | None = None) -> None:
        seen = set() if seen is None else seen
        for node in d.walk(tree):
            if isinstance(node, d.EventCondition):
                self.event_names.add(node.event)
            elif isinstance(node, d.ConsentCondition):
                self.consents = True
            elif isinstance(node, d.OrdersCondition):
                self.orders = True
            elif isinstance(node, d.LeadScoreCondition):
                self.lead_scores = True
            elif isinstance(node, d.SegmentCondition) and node.segment_id not in seen:
                seen.add(node.segment_id)
                found = resolve(node.segment_id)
                if found is not None and found[0] == "dynamic":
                    self.add(found[1], resolve, seen)


@dataclass
class Facts:
    """One contact's facts."""

    profile: dict
    consents: dict = field(default_factory=dict)
    orders: list = field(default_factory=list)
    events: list = field(default_factory=list)
    lead_scores: list = field(default_factory=list)  # (score, predicted or None)


def load(workspace: Workspace, contact_ids: Iterable[int], needs: Needs) -> dict[int, Facts]:
    """The facts of the live contacts among ``contact_ids``, by id."""
    facts = {row["id"]: Facts(row) for row in people.profiles(workspace, sorted(set(contact_ids)))}
    ids = sorted(facts)
    if not ids:
        return facts
    if needs.consents:
        for contact_id, decisions in people.latest_consents(workspace, ids).items():
            facts[contact_id].consents = decisions
    if needs.orders:
        for contact_id, placed_at, total, skus in people.orders_with_skus(workspace, ids):
            facts[contact_id].orders.append((placed_at, float(total), skus))
    if needs.event_names:
        for contact_id, name, at, properties in events.track_events_of(
            workspace.pk, ids, sorted(needs.event_names)
        ):
            facts[contact_id].events.append((name, at, properties))
    if needs.lead_scores:
        rows = leads.leads(workspace).filter(contact_id__in=ids)
        for contact_id, score, predicted in rows.values_list("contact_id", "score", "predicted"):
            facts[contact_id].lead_scores.append((score, predicted))
    return facts


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def json_test(document, node: d.ValueFilter) -> bool:
    """``pacer.segments.full.json_test`` on a decoded JSON document."""
    value = document.get(node.key) if isinstance(document, dict) else None
    target = node.value
    if node.op == "is_set":
        return isinstance(value, str | bool) or _is_number(value)
    if node.op == "contains":
        return isinstance(value, str) and target.lower() in value.lower()
    if node.op in ("gt", "gte", "lt", "lte"):
        return _is_number(value) and holds(node.op, float(value), float(target))
    if isinstance(target, bool):
        same = isinstance(value, bool) and value == target
    elif isinstance(target, str):
        same = isinstance(value, str) and value == target
    else:
        same = _is_number(value) and float(value) == float(target)
    return same if node.op == "eq" else not same


class Evaluator:
    """Decides definitions for contacts whose facts are loaded, at one moment."""

    def __init__(self, now: datetime, resolve: Resolver):
        self.now = now
        self.resolve = resolve
        self.expanding: list[int] = []

    def matches(self, node, facts: Facts) -> bool:
        if isinstance(node, d.Group):
            parts = (self.matches(child, facts) for child in node.children)
            combined = all(parts) if node.op == "and" else any(parts)
            return not combined if node.negate else combined
        return getattr(self, f"_{node.type}")(node, facts)

    def _cutoff(self, days) -> datetime:
        return self.now - timedelta(days=days)

    def _field(self, node: d.FieldCondition, facts: Facts) -> bool:
        value = facts.profile[node.field]
        op, target = node.op, node.value
        if node.field in d.TEXT_FIELDS:
            value = value or ""
            return {
                "is_set": lambda: value != "",
                "is_not_set": lambda: value == "",
                "eq": lambda: value == target,
                "ne": lambda: value != target,
                "contains": lambda: target.lower() in value.lower(),
                "starts_with": lambda: value.lower().startswith(target.lower()),
                "in": lambda: value in target,
            }[op]()
        if op == "is_set":
            return value is not None
        if op == "is_not_set":
            return value is None
        if value is None:
            return False
        if op == "within_days":
            return value >= self._cutoff(target)
        if op == "before_days":
            return value < self._cutoff(target)
        return holds(op, float(value), float(target))

    def _trait(self, node: d.TraitCondition, facts: Facts) -> bool:
        return json_test(facts.profile["traits"], node)

    def _location(self, node: d.LocationCondition, facts: Facts) -> bool:
        return facts.profile["location_code"] in node.codes

    def _consent(self, node: d.ConsentCondition, facts: Facts) -> bool:
        return facts.consents.get((node.channel, node.purpose)) is True

    def _event(self, node: d.EventCondition, facts: Facts) -> bool:
        cutoff = self._cutoff(node.within_days) if node.within_days is not None else None
        count = sum(
            1
            for name, at, properties in facts.events
            if name == node.event
            and (cutoff is None or at >= cutoff)
            and all(json_test(properties, test) for test in node.where)
        )
        matched = holds(node.count_op, count, node.count)
        return matched if node.did else not matched

    def _orders(self, node: d.OrdersCondition, facts: Facts) -> bool:
        cutoff = self._cutoff(node.within_days) if node.within_days is not None else None
        chosen = [
            total
            for placed_at, total, skus in facts.orders
            if (cutoff is None or placed_at >= cutoff) and (node.sku is None or node.sku in skus)
        ]
        value = float(len(chosen)) if node.measure == "count" else float(sum(chosen))
        return holds(node.op, value, node.value)

    def _rfm(self, node: d.RFMCondition, facts: Facts) -> bool:
        code, name = facts.profile["rfm_code"], facts.profile["rfm_segment"]
        if len(code) != 3 or (node.segments and name not in node.segments):
            return False
        return all(
            span is None or str(span[0]) <= digit <= str(span[1])
            for digit, span in zip(code, (getattr(node, s) for s in d.RFM_SCORES), strict=True)
        )

    def _lead_score(self, node: d.LeadScoreCondition, facts: Facts) -> bool:
        index = 0 if node.measure == "score" else 1
        values = [row[index] for row in facts.lead_scores if row[index] is not None]
        return bool(values) and holds(node.op, max(values), node.value)

    def _segment(self, node: d.SegmentCondition, facts: Facts) -> bool:
        found = self.resolve(node.segment_id)
        if found is None or node.segment_id in self.expanding:
            inside = False
        elif found[0] == "static":
            inside = facts.profile["id"] in found[1]
        else:
            self.expanding.append(node.segment_id)
            inside = self.matches(found[1], facts)
            self.expanding.pop()
        return inside if node.member else not inside


def evaluate(
    workspace: Workspace,
    trees: dict[int, d.Group],
    contact_ids: Iterable[int],
    *,
    now: datetime,
    resolve: Resolver,
) -> dict[int, set[int]]:
    """segment id -> the contacts among ``contact_ids`` each definition matches."""
    needs = Needs()
    for tree in trees.values():
        needs.add(tree, resolve)
    facts = load(workspace, contact_ids, needs)
    evaluator = Evaluator(now, resolve)
    matched: dict[int, set[int]] = defaultdict(set)
    for segment_id, tree in trees.items():
        matched[segment_id] = {cid for cid, fact in facts.items() if evaluator.matches(tree, fact)}
    return matched
