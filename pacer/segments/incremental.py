"""Incremental evaluation: which of a few contacts a definition matches, read from the
operational store (through the people, ingest and leads selectors) and decided in Python.

The change feed hands segments the contacts each batch touched; this module loads only
what the definitions ask about (the events they name, orders only if an order condition
is present, ...) for those contacts, in one query per kind of fact for all of them, and
decides each definition per contact. Its semantics are those of ``pacer.segments.full``
condition by condition: a missing value makes a comparison false, counts and sums of
nothing are 0, consent is the latest decision per (channel, purpose) by (recorded time,
id), and JSON values compare by type.

A definition is compiled once into nested Python functions (``compiled``). The cache is
keyed by the parsed tree itself, which is immutable, and ``parsed`` keys trees by the
stored definition's text: an edited definition is new text, so it is parsed and compiled
anew and the old version is never used for it.
"""

import operator
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson

from pacer.core.models import Workspace
from pacer.ingest import selectors as events
from pacer.leads import selectors as leads
from pacer.people import selectors as people
from pacer.segments import definition as d
from pacer.segments.full import Resolver

CACHE_SIZE = 1024  # definitions kept parsed and compiled per process
COMPARE = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


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
    orders: list = field(default_factory=list)  # (placed at, total, SKUs)
    events: dict = field(default_factory=dict)  # name -> [(timestamp, properties)]
    lead_scores: list = field(default_factory=list)  # (score, predicted or None)


def load(workspace: Workspace, contact_ids: Iterable[int], needs: Needs) -> dict[int, Facts]:
    """The facts of the live contacts among ``contact_ids``, by id: one query per kind of
    fact the definitions need, for all the contacts at once."""
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
            facts[contact_id].events.setdefault(name, []).append((at, properties))
    if needs.lead_scores:
        rows = leads.leads(workspace).filter(contact_id__in=ids)
        for contact_id, score, predicted in rows.values_list("contact_id", "score", "predicted"):
            facts[contact_id].lead_scores.append((score, predicted))
    return facts


@dataclass
class Moment:
    """What a compiled definition is decided against besides a contact's facts: the time
    (windows end now) and the segments it may refer to."""

    now: datetime
    resolve: Resolver
    expanding: list[int] = field(default_factory=list)  # references being followed
    _cutoffs: dict = field(default_factory=dict)

    def cutoff(self, days) -> datetime:
        found = self._cutoffs.get(days)
        if found is None:
            found = self._cutoffs[days] = self.now - timedelta(days=days)
        return found


Predicate = Callable[[Facts, Moment], bool]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_test(node: d.ValueFilter) -> Callable[[object], bool]:
    """``pacer.segments.full.json_test`` as a function of a decoded JSON document."""
    key, op, target = node.key, node.op, node.value

    def value_of(document):
        return document.get(key) if isinstance(document, dict) else None

    if op == "is_set":
        return lambda doc: isinstance(v := value_of(doc), str | bool) or _is_number(v)
    if op == "contains":
        needle = target.lower()
        return lambda doc: isinstance(v := value_of(doc), str) and needle in v.lower()
    if op in ("gt", "gte", "lt", "lte"):
        compare, bound = COMPARE[op], float(target)
        return lambda doc: _is_number(v := value_of(doc)) and compare(float(v), bound)
    if isinstance(target, bool):
        same = lambda doc: isinstance(v := value_of(doc), bool) and v == target  # noqa: E731
    elif isinstance(target, str):
        same = lambda doc: isinstance(v := value_of(doc), str) and v == target  # noqa: E731
    else:
        number = float(target)
        same = lambda doc: _is_number(v := value_of(doc)) and float(v) == number  # noqa: E731
    return same if op == "eq" else (lambda doc: not same(doc))


def json_test(document, node: d.ValueFilter) -> bool:
    """``pacer.segments.full.json_test`` on a decoded JSON document."""
    return value_test(node)(document)


_COMPILED: OrderedDict[int, tuple[d.Group, Predicate]] = OrderedDict()
_PARSED: OrderedDict[str, d.Group] = OrderedDict()
_CACHES = threading.Lock()  # the worker's loops share the caches across threads


def _cached(cache: OrderedDict, key, make: Callable, keep=lambda made: made):
    with _CACHES:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    made = make()
    with _CACHES:
        found = cache.setdefault(key, keep(made))
        cache.move_to_end(key)
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return found


def compiled(tree: d.Group) -> Predicate:
    """The definition as a predicate of (facts, moment), compiled once per tree. Keyed by
    the tree's identity: the cache holds the tree, so its id cannot be reused while the
    entry lives, and a tree never changes (frozen)."""
    return _cached(_COMPILED, id(tree), lambda: _compile(tree), lambda made: (tree, made))[1]


def parsed(stored) -> d.Group:
    """A stored definition (its JSON text, or the decoded value) parsed, once per distinct
    text: the text is the definition's version, so an edit is always parsed anew."""
    text = stored if isinstance(stored, str) else orjson.dumps(stored).decode()
    return _cached(_PARSED, text, lambda: d.parse(orjson.loads(text)))


def _compile(node) -> Predicate:
    if isinstance(node, d.Group):
        return _group(node)
    return globals()[f"_{node.type}"](node)


def _group(node: d.Group) -> Predicate:
    parts = tuple(_compile(child) for child in node.children)
    negate = node.negate
    if node.op == "and":

        def every(facts: Facts, moment: Moment) -> bool:
            for part in parts:
                if not part(facts, moment):
                    return negate
            return not negate

        return every

    def some(facts: Facts, moment: Moment) -> bool:
        for part in parts:
            if part(facts, moment):
                return not negate
        return negate

    return some


def _field(node: d.FieldCondition) -> Predicate:
    name, op, target = node.field, node.op, node.value
    if name in d.TEXT_FIELDS:
        chosen = frozenset(target) if op == "in" else frozenset()
        text = {
            "is_set": lambda v: v != "",
            "is_not_set": lambda v: v == "",
            "eq": lambda v: v == target,
            "ne": lambda v: v != target,
            "contains": lambda v: target.lower() in v.lower(),
            "starts_with": lambda v: v.lower().startswith(target.lower()),
            "in": lambda v: v in chosen,
        }[op]
        return lambda facts, moment: text(facts.profile[name] or "")
    if op == "is_set":
        return lambda facts, moment: facts.profile[name] is not None
    if op == "is_not_set":
        return lambda facts, moment: facts.profile[name] is None
    if op in ("within_days", "before_days"):
        compare = operator.ge if op == "within_days" else operator.lt

        def timed(facts: Facts, moment: Moment) -> bool:
            value = facts.profile[name]
            return value is not None and compare(value, moment.cutoff(target))

        return timed
    compare, bound = COMPARE[op], float(target)

    def numeric(facts: Facts, moment: Moment) -> bool:
        value = facts.profile[name]
        return value is not None and compare(float(value), bound)

    return numeric


def _trait(node: d.TraitCondition) -> Predicate:
    test = value_test(node)
    return lambda facts, moment: test(facts.profile["traits"])


def _location(node: d.LocationCondition) -> Predicate:
    codes = frozenset(node.codes)
    return lambda facts, moment: facts.profile["location_code"] in codes


def _consent(node: d.ConsentCondition) -> Predicate:
    key = (node.channel, node.purpose)
    return lambda facts, moment: facts.consents.get(key) is True


def _event(node: d.EventCondition) -> Predicate:
    name, days, did = node.event, node.within_days, node.did
    tests = tuple(value_test(test) for test in node.where)
    compare, count = COMPARE[node.count_op], node.count

    def event(facts: Facts, moment: Moment) -> bool:
        cutoff = moment.cutoff(days) if days is not None else None
        found = 0
        for at, properties in facts.events.get(name, ()):
            if (cutoff is None or at >= cutoff) and all(test(properties) for test in tests):
                found += 1
        return compare(found, count) == did

    return event


def _orders(node: d.OrdersCondition) -> Predicate:
    days, sku, revenue = node.within_days, node.sku, node.measure == "revenue"
    compare, bound = COMPARE[node.op], float(node.value)

    def orders(facts: Facts, moment: Moment) -> bool:
        cutoff = moment.cutoff(days) if days is not None else None
        chosen = [
            total
            for placed_at, total, skus in facts.orders
            if (cutoff is None or placed_at >= cutoff) and (sku is None or sku in skus)
        ]
        return compare(float(sum(chosen)) if revenue else float(len(chosen)), bound)

    return orders


def _rfm(node: d.RFMCondition) -> Predicate:
    names = frozenset(node.segments)
    spans = [
        (str(s[0]), str(s[1])) if s else None for s in (getattr(node, n) for n in d.RFM_SCORES)
    ]

    def rfm(facts: Facts, moment: Moment) -> bool:
        code = facts.profile["rfm_code"]
        if len(code) != 3 or (names and facts.profile["rfm_segment"] not in names):
            return False
        return all(
            span is None or span[0] <= digit <= span[1]
            for digit, span in zip(code, spans, strict=True)
        )

    return rfm


def _lead_score(node: d.LeadScoreCondition) -> Predicate:
    index = 0 if node.measure == "score" else 1
    compare, bound = COMPARE[node.op], node.value

    def lead_score(facts: Facts, moment: Moment) -> bool:
        values = [row[index] for row in facts.lead_scores if row[index] is not None]
        return bool(values) and compare(max(values), bound)

    return lead_score


def _segment(node: d.SegmentCondition) -> Predicate:
    segment_id, member = node.segment_id, node.member

    def segment(facts: Facts, moment: Moment) -> bool:
        found = moment.resolve(segment_id)
        if found is None or segment_id in moment.expanding:
            inside = False
        elif found[0] == "static":
            inside = facts.profile["id"] in found[1]
        else:
            moment.expanding.append(segment_id)
            inside = compiled(found[1])(facts, moment)
            moment.expanding.pop()
        return inside == member

    return segment


def decide(
    trees: dict[int, d.Group], facts: dict[int, Facts], moment: Moment
) -> dict[int, set[int]]:
    """segment id -> the contacts among ``facts`` each definition matches."""
    matched: dict[int, set[int]] = defaultdict(set)
    for segment_id, tree in trees.items():
        predicate = compiled(tree)
        matched[segment_id] = {cid for cid, fact in facts.items() if predicate(fact, moment)}
    return matched


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
    return decide(trees, facts, Moment(now, resolve))
