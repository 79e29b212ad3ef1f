"""Full evaluation: a segment definition compiled to one Ibis expression over the
warehouse tables, so the same expression runs on DuckDB (the default) or Spark.

Every condition becomes a boolean over the workspace's live contacts (``contact_profiles``
rows whose canonical id is their own): field and trait conditions read the profile row;
RFM conditions read the profile's RFM code and segment; event, order, consent and
lead-score conditions test the contact id against the set of
people whose rows pass (``id IN (SELECT ...)``), rows counted under their canonical
contact so a merged contact's history counts for the survivor. A missing value makes a
comparison false (``fill_null(False)``), as in ``pacer.segments.incremental``.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import reduce
from operator import and_, or_

import ibis
import ibis.expr.types as ir

from pacer.segments import definition as d

# segment id -> ("dynamic", tree) | ("static", member ids) | None (no such segment)
Resolver = Callable[[int], tuple[str, object] | None]
LEAD_SCORE_SCHEMA = {"contact_id": "int64", "score": "float64", "predicted": "float64"}


def compare(value: ir.Value, op: str, target) -> ir.BooleanValue:
    """``value op target`` for the numeric operators."""
    return {
        "eq": lambda: value == target,
        "ne": lambda: value != target,
        "gt": lambda: value > target,
        "gte": lambda: value >= target,
        "lt": lambda: value < target,
        "lte": lambda: value <= target,
    }[op]()


def holds(op: str, value: float, target: float) -> bool:
    """The same comparison in Python (for the implicit zero of a contact with no rows)."""
    return {
        "eq": value == target,
        "ne": value != target,
        "gt": value > target,
        "gte": value >= target,
        "lt": value < target,
        "lte": value <= target,
    }[op]


def json_test(text: ir.StringValue, node: d.ValueFilter) -> ir.BooleanValue:
    """A trait or property filter on a JSON text column, by the JSON type of the value."""
    value = text.cast("json")[node.key]
    target = node.value
    if node.op == "is_set":
        return value.str.notnull() | value.float.notnull() | value.bool.notnull()
    if node.op == "contains":
        return value.str.lower().contains(target.lower())
    if node.op in ("gt", "gte", "lt", "lte"):
        return compare(value.float, node.op, float(target))
    if isinstance(target, bool):
        same = value.bool == target
    elif isinstance(target, str):
        same = value.str == target
    else:
        same = value.float == float(target)
    same = same.fill_null(False)
    return same if node.op == "eq" else ~same


class Compiler:
    """Compiles definitions for one workspace at one moment over a dict of Ibis tables:
    ``contact_profiles``, ``events``, ``orders``, ``order_lines``, ``consents`` and
    ``lead_scores`` (``contact_id``, ``score``, ``predicted``); optionally
    ``current_consents`` (``current_consents`` made ahead), else it is computed inline."""

    def __init__(self, tables: dict, workspace_id: int, now: datetime, resolve: Resolver):
        self.tables = tables
        self.workspace_id = workspace_id
        self.now = now
        self.resolve = resolve
        profiles = tables["contact_profiles"]
        mine = profiles.filter(profiles.workspace_id == workspace_id)
        self.live = mine.filter(mine.canonical_id == mine.id)
        self.base = self.live
        # only the merged-away contacts (about 1%): an event or order of any other
        # contact counts for the contact itself, so its person is found without joining
        # every profile
        merged = mine.filter(mine.canonical_id != mine.id)
        self.merged = merged.select(merged_id=merged.id, survivor=merged.canonical_id)
        self.expanding: list[int] = []
        self.event_columns: dict[int, str] = {}  # id(node) -> its column in event_counts

    def members(self, tree: d.Group) -> ir.Table:
        """The matching contacts' ids (one column, ``contact_id``)."""
        self._count_events(tree)
        return self.base.filter(self.predicate(tree)).select(contact_id=self.base.id)

    def count(self, tree: d.Group) -> ir.IntegerScalar:
        self._count_events(tree)
        return self.base.filter(self.predicate(tree)).count()

    def _event_nodes(self, tree: d.Group, seen: set[int]) -> list[d.EventCondition]:
        """The event conditions of the tree and of the dynamic segments it refers to."""
        found = []
        for node in d.walk(tree):
            if isinstance(node, d.EventCondition):
                found.append(node)
            elif isinstance(node, d.SegmentCondition) and node.segment_id not in seen:
                seen.add(node.segment_id)
                target = self.resolve(node.segment_id)
                if target is not None and target[0] == "dynamic":
                    found += self._event_nodes(target[1], seen)
        return found

    def _count_events(self, tree: d.Group) -> None:
        """One pass over the events for every event condition: per person, how many of
        their events each condition counts (a column per condition). Only the events some
        condition can count are read: each name within its widest window."""
        self.base, self.event_columns = self.live, {}
        nodes = self._event_nodes(tree, set())
        if not nodes:
            return
        events = self._scoped("events")
        widest: dict[str, int | None] = {}
        for node in nodes:
            days = widest.get(node.event, 0)
            unbounded = days is None or node.within_days is None
            widest[node.event] = None if unbounded else max(days, node.within_days)
        chosen = events.filter(events.type == "track")
        if None not in widest.values():  # a bound for the files' statistics to skip by
            chosen = chosen.filter(chosen.timestamp >= self._cutoff(max(widest.values())))
        wanted = [
            chosen.event == name
            if days is None
            else (chosen.event == name) & (chosen.timestamp >= self._cutoff(days))
            for name, days in sorted(widest.items(), key=lambda item: item[0])
        ]
        chosen = chosen.filter(reduce(or_, wanted))
        values = {}
        for index, node in enumerate(nodes):
            counted = chosen.event == node.event
            if node.within_days is not None:
                counted &= chosen.timestamp >= self._cutoff(node.within_days)
            for test in node.where:
                counted &= json_test(chosen.properties, test).fill_null(False)
            column = f"n{index}"
            self.event_columns[id(node)] = column
            values[column] = ibis.ifelse(counted, 1, 0)
        counts = self._per_person(chosen, **values)
        base = self.base
        joined = base.left_join(counts, base.id == counts.person)
        self.base = joined.select(*[joined[c] for c in base.columns], *[joined[c] for c in values])

    def predicate(self, node) -> ir.BooleanValue:
        if isinstance(node, d.Group):
            parts = [self.predicate(child) for child in node.children]
            combined = reduce(and_ if node.op == "and" else or_, parts)
            return ~combined if node.negate else combined
        method = getattr(self, f"_{node.type}")
        return method(node).fill_null(False)

    def _cutoff(self, days: int | float) -> ir.TimestampScalar:
        return ibis.literal(self.now - timedelta(days=days), type="timestamp('UTC')")

    def _scoped(self, name: str) -> ir.Table:
        table = self.tables[name]
        return table.filter(table.workspace_id == self.workspace_id)

    def _per_person(self, rows: ir.Table, **values) -> ir.Table:
        """``values`` (an expression per row) summed per person (canonical contact), in
        one aggregation: a row of a merged-away contact counts for its survivor."""
        valued = rows.select(contact_id=rows.contact_id, **values)
        merged = self.merged
        joined = valued.left_join(merged, valued.contact_id == merged.merged_id)
        person = ibis.coalesce(joined.survivor, joined.contact_id)
        return joined.group_by(person=person).aggregate(
            **{name: joined[name].sum() for name in values}
        )

    def _field(self, node: d.FieldCondition) -> ir.BooleanValue:
        column = self.base[node.field]
        op, value = node.op, node.value
        if op == "is_set":
            return column != "" if node.field in d.TEXT_FIELDS else column.notnull()
        if op == "is_not_set":
            return column == "" if node.field in d.TEXT_FIELDS else column.isnull()
        if op == "within_days":
            return column >= self._cutoff(value)
        if op == "before_days":
            return column < self._cutoff(value)
        if op == "contains":
            return column.lower().contains(value.lower())
        if op == "starts_with":
            return column.lower().startswith(value.lower())
        if op == "in":
            return column.isin(value)
        return compare(column, op, value)

    def _trait(self, node: d.TraitCondition) -> ir.BooleanValue:
        return json_test(self.base.traits, node)

    def _location(self, node: d.LocationCondition) -> ir.BooleanValue:
        return self.base.location_code.isin(node.codes)

    def _consent(self, node: d.ConsentCondition) -> ir.BooleanValue:
        current = self.tables.get("current_consents")
        if current is None:
            current = current_consents(self.tables["contact_profiles"], self.tables["consents"])
        granted = current.filter(
            (current.workspace_id == self.workspace_id)
            & (current.channel == node.channel)
            & (current.purpose == node.purpose)
            & current.granted
        )
        return self.base.id.isin(granted.person)

    def _with_implicit_zero(self, sums: ir.Table, measure: str, op: str, target) -> ir.BooleanValue:
        """People whose ``measure`` passes; a contact without rows has 0 of it."""
        if holds(op, 0, target):
            failing = sums.filter(~compare(sums[measure], op, target))
            return ~self.base.id.isin(failing.person)
        passing = sums.filter(compare(sums[measure], op, target))
        return self.base.id.isin(passing.person)

    def _event(self, node: d.EventCondition) -> ir.BooleanValue:
        count = self.base[self.event_columns[id(node)]].fill_null(0)
        matched = compare(count, node.count_op, node.count)
        return matched if node.did else ~matched

    def _orders(self, node: d.OrdersCondition) -> ir.BooleanValue:
        totals = self.tables.get("order_totals")
        if node.within_days is None and node.sku is None and totals is not None:
            # every order of every person, summed once per warehouse snapshot
            sums = totals.filter(totals.workspace_id == self.workspace_id)
            return self._with_implicit_zero(sums, node.measure, node.op, node.value)
        orders = self._scoped("orders")
        if node.within_days is not None:
            orders = orders.filter(orders.placed_at >= self._cutoff(node.within_days))
        if node.sku is not None:
            lines = self._scoped("order_lines")
            orders = orders.filter(orders.id.isin(lines.filter(lines.sku == node.sku).order_id))
        sums = self._per_person(orders, count=ibis.literal(1.0), revenue=orders.total)
        return self._with_implicit_zero(sums, node.measure, node.op, node.value)

    def _rfm(self, node: d.RFMCondition) -> ir.BooleanValue:
        code = self.base.rfm_code
        test = code.length() == 3  # scored (an unscored contact's code is empty)
        if node.segments:
            test &= self.base.rfm_segment.isin(node.segments)
        for position, score in enumerate(d.RFM_SCORES):
            span = getattr(node, score)
            if span is not None:  # one digit each: text order is number order
                digit = code.substr(position, 1)
                test &= (digit >= str(span[0])) & (digit <= str(span[1]))
        return test

    def _lead_score(self, node: d.LeadScoreCondition) -> ir.BooleanValue:
        scores = self.tables["lead_scores"]
        measure = scores[node.measure]
        best = scores.group_by(person=scores.contact_id).aggregate(best=measure.max())
        passing = best.filter(best.best.notnull() & compare(best.best, node.op, node.value))
        return self.base.id.isin(passing.person)

    def _segment(self, node: d.SegmentCondition) -> ir.BooleanValue:
        found = self.resolve(node.segment_id)
        if found is None or node.segment_id in self.expanding:
            inside = ibis.literal(False)
        elif found[0] == "static":
            ids = sorted(found[1])
            inside = self.base.id.isin(ids) if ids else ibis.literal(False)
        else:
            self.expanding.append(node.segment_id)
            inside = self.predicate(found[1])
            self.expanding.pop()
        return inside if node.member else ~inside


def current_consents(profiles: ir.Table, consents: ir.Table) -> ir.Table:
    """The latest consent decision of each person (canonical contact) on each (channel,
    purpose), by (recorded time, id): ``workspace_id``, ``person``, ``channel``,
    ``purpose``, ``granted``. ``pacer.segments.evaluation`` keeps it as a DuckDB table per
    warehouse snapshot, so an evaluation reads it instead of windowing every decision."""
    canonical = profiles.select(contact_id=profiles.id, person=profiles.canonical_id)
    decisions = consents.join(canonical, "contact_id")
    ranked = decisions.mutate(
        rank=ibis.row_number().over(
            group_by=[decisions.person, decisions.channel, decisions.purpose],
            order_by=[ibis.desc(decisions.recorded_at), ibis.desc(decisions.id)],
        )
    )
    latest = ranked.filter(ranked["rank"] == 0)
    return latest.select("workspace_id", "person", "channel", "purpose", "granted")


def order_totals(profiles: ir.Table, orders: ir.Table) -> ir.Table:
    """Every person's (canonical contact's) order count and revenue over all their
    orders: ``workspace_id``, ``person``, ``count``, ``revenue``. Conditions without a
    window or a product read it (``pacer.segments.evaluation`` keeps it as a DuckDB table
    per warehouse snapshot, so an evaluation does not sum every order again)."""
    canonical = profiles.select(contact_id=profiles.id, person=profiles.canonical_id)
    joined = orders.join(canonical, "contact_id")
    return joined.group_by("workspace_id", "person").aggregate(
        count=joined.count().cast("float64"), revenue=joined.total.sum()
    )


def lead_scores_table(rows: list[tuple[int, float, float | None]]) -> ir.Table:
    """``(contact_id, score, predicted)`` rows from the operational store as an Ibis
    table (``predicted`` None for a lead the predictive score has not scored)."""
    return ibis.memtable(
        {
            "contact_id": [r[0] for r in rows],
            "score": [float(r[1]) for r in rows],
            "predicted": [None if r[2] is None else float(r[2]) for r in rows],
        },
        schema=LEAD_SCORE_SCHEMA,
    )
