"""Results against spend for every node of the plan: spend, leads, customers, revenue,
CAC, ROMI under the attribution model the reader chooses, and ROMI on the predicted CLV
of the customers acquired; the portfolio of campaigns with a scale / keep / stop call;
agency scorecards.

A node's own results are those of the campaign linked to it (``PlanNode.campaign``); its
total adds its children's totals, so every campaign is counted once, in its node and in
each ancestor. Sources, all over one date range:

- spend: the campaign's spend lines on days in the range (matched to budget lines or not);
- leads, customers, revenue: the KPI cube's sums for the people the campaign acquired
  (their first campaign) in the range's whole months;
- attributed revenue and conversions: the chosen model's credit to the campaign for
  people first seen in the range (``pacer.metrics.analysis.attribution_report``);
- CLV: the predicted CLV (written back by the CLV analysis) of the customers the campaign
  acquired who were first seen in the range.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import polars as pl
from django.db.models import Q, Sum
from scipy.stats import chi2

from pacer.analytics.journeys import JourneyError
from pacer.core.models import Workspace
from pacer.metrics.analysis import attribution_report
from pacer.metrics.labels import MODEL_LABELS, trackable
from pacer.metrics.selectors import KpiFilter, by_campaign
from pacer.people.selectors import clv_by_acquisition_campaign
from pacer.planning.models import Invoice, PlanNode, PurchaseOrder, SpendEntry
from pacer.planning.rollups import ZERO
from pacer.warehouse.store import Store

DEFAULT_MODEL = "linear"
# The portfolio's rule: a campaign with at least MIN_SPEND spent in the range is scaled
# when the 95% interval of its ROMI lies above SCALE_ROMI, stopped when it lies below
# STOP_ROMI, kept otherwise (and kept, unjudged, under MIN_SPEND or when its channel has no
# trackable touches).
MIN_SPEND = Decimal(1000)
SCALE_ROMI = 0.0
STOP_ROMI = 0.0
CONFIDENCE = 0.95


@dataclass
class Outcome:
    """What a node (or a subtree) spent and brought in; money in the workspace currency."""

    spend: Decimal = ZERO
    leads: float = 0.0
    customers: float = 0.0  # new customers it acquired
    revenue: float = 0.0  # what the customers it acquired bought
    conversions: float = 0.0  # conversions the chosen model credits to it
    attributed: float = 0.0  # revenue the chosen model credits to it
    clv_customers: int = 0  # acquired customers with a predicted CLV
    clv: float = 0.0  # their predicted CLV

    def add(self, other: "Outcome") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def cac(self) -> float | None:
        return float(self.spend) / self.customers if self.customers else None

    @property
    def romi(self) -> float | None:
        """(attributed revenue − spend) ÷ spend."""
        return (self.attributed - float(self.spend)) / float(self.spend) if self.spend else None

    @property
    def predicted_clv(self) -> float | None:
        """The acquired customers' predicted CLV; ``None`` while none has a prediction
        (the CLV analysis has not written any), not 0."""
        return self.clv if self.clv_customers else None

    @property
    def clv_romi(self) -> float | None:
        """(predicted CLV of the acquired customers − spend) ÷ spend; ``None`` without a
        prediction, rather than a −100% that only says the analysis has not run."""
        if not self.spend or not self.clv_customers:
            return None
        return (self.clv - float(self.spend)) / float(self.spend)


@dataclass
class NodeResult:
    node: PlanNode
    depth: int
    own: Outcome = field(default_factory=Outcome)
    total: Outcome = field(default_factory=Outcome)
    context: bool = False  # not of the nodes asked for: shown to place them, own left out


@dataclass
class Results:
    model: str
    start: date
    end: date
    rows: list[NodeResult]
    model_total: float  # revenue the model credits to every campaign and channel
    problem: str = ""  # why attributed figures are missing (no journeys in the range)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _tree_order(workspace: Workspace, node_ids: set[int] | None) -> list[tuple[PlanNode, int]]:
    """The nodes in tree order: all, or ``node_ids`` and their ancestors."""
    nodes = {
        n.pk: n
        for n in PlanNode.objects.filter(workspace=workspace).select_related("campaign", "owner")
    }
    shown = set(nodes)
    if node_ids is not None:
        shown = set()
        for node_id in node_ids:
            while node_id is not None and node_id in nodes and node_id not in shown:
                shown.add(node_id)
                node_id = nodes[node_id].parent_id
    children: dict[int | None, list[PlanNode]] = defaultdict(list)
    for node_id in shown:
        children[nodes[node_id].parent_id].append(nodes[node_id])
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.name.lower(), n.pk))
    ordered, stack = [], [(node, 0) for node in reversed(children[None])]
    while stack:
        node, depth = stack.pop()
        ordered.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children[node.pk]))
    return ordered


def _credits(store: Store, workspace: Workspace, start: date, end: date, model: str):
    """``({campaign: (conversions, revenue)}, the model's total revenue, problem)``."""
    try:
        frame = attribution_report(store, workspace.pk, start, end, by="campaign")
    except JourneyError as error:
        return {}, 0.0, str(error)
    frame = frame.filter(pl.col("model") == model)
    credits = {r["channel"]: (r["conversions"], r["revenue"]) for r in frame.iter_rows(named=True)}
    return credits, float(frame["revenue"].sum()), ""


def check_model(model: str) -> str:
    if model not in MODEL_LABELS:
        raise JourneyError(f"model: must be one of {', '.join(MODEL_LABELS)}")
    return model


def node_results(
    workspace: Workspace,
    store: Store,
    *,
    start: date,
    end: date,
    model: str = DEFAULT_MODEL,
    node_ids: set[int] | None = None,
) -> Results:
    """Every node's own and total results from ``start`` to ``end`` (inclusive) under
    ``model``, in tree order; with ``node_ids`` (a team's, ``scope.nodes_of_teams``) only
    those nodes and the ancestors that place them, whose own results are left out so each
    total adds up those nodes' only."""
    check_model(model)
    if end < start:
        raise JourneyError("end: must not be before start")
    ordered = _tree_order(workspace, node_ids)
    spend = dict(
        SpendEntry.objects.filter(
            workspace=workspace, day__gte=start, day__lte=end, campaign__plan_node__isnull=False
        )
        .values("campaign__plan_node")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("campaign__plan_node", "total")
    )
    cube = by_campaign(store, workspace.pk, KpiFilter(start=start, end=end))
    credits, model_total, problem = _credits(store, workspace, start, end, model)
    clv = clv_by_acquisition_campaign(workspace, _instant(start), _instant(end + timedelta(days=1)))
    own: dict[int, Outcome] = {}
    context = {n.pk for n, _ in ordered} - node_ids if node_ids is not None else set()
    for node, _ in ordered:
        if node.pk in context:
            own[node.pk] = Outcome()
            continue
        outcome = Outcome(spend=spend.get(node.pk, ZERO))
        if node.campaign is not None:
            key = node.campaign.key
            sums = cube.get(key, {})
            outcome.leads = float(sums.get("leads") or 0)
            outcome.customers = float(sums.get("new_customers") or 0)
            outcome.revenue = float(sums.get("revenue") or 0)
            outcome.conversions, outcome.attributed = credits.get(key, (0.0, 0.0))
            outcome.clv_customers, outcome.clv = clv.get(key, (0, 0.0))
        own[node.pk] = outcome
    totals: dict[int, Outcome] = {}
    for node, _ in reversed(ordered):  # children come after their parent
        total = totals.setdefault(node.pk, Outcome())
        total.add(own[node.pk])
        if node.parent_id is not None:
            totals.setdefault(node.parent_id, Outcome()).add(total)
    rows = [
        NodeResult(node, depth, own[node.pk], totals[node.pk], node.pk in context)
        for node, depth in ordered
    ]
    return Results(model, start, end, rows, model_total, problem)


def romi_interval(outcome: Outcome) -> tuple[float, float] | None:
    """The 95% interval of ROMI from the count of credited conversions (exact Poisson
    interval of the count, revenue per conversion held at its mean); None without spend
    or conversions."""
    if not outcome.spend or outcome.conversions <= 0:
        return None
    count, spend = outcome.conversions, float(outcome.spend)
    alpha = 1 - CONFIDENCE
    low = chi2.ppf(alpha / 2, 2 * count) / 2
    high = chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    per = outcome.attributed / count
    return (per * low - spend) / spend, (per * high - spend) / spend


@dataclass
class PortfolioRow:
    node: PlanNode
    outcome: Outcome
    interval: tuple[float, float] | None
    call: str  # scale, keep, stop
    why: str


def portfolio(results: Results) -> list[PortfolioRow]:
    """The nodes linked to a campaign, best ROMI first, each with its call and the reason."""
    rows = []
    for item in results.rows:
        if item.node.campaign is None or item.context:
            continue
        outcome, channel = item.own, item.node.campaign.channel
        interval = romi_interval(outcome)
        if not trackable(channel):
            call, why = "keep", "no trackable touches: judge it with the mix model"
        elif outcome.spend < MIN_SPEND:
            call, why = (
                "keep",
                f"spent under {MIN_SPEND:,.0f} (workspace currency): too little to judge",
            )
        elif interval is None:
            call, why = "stop", "spend and no credited conversion"
        elif interval[0] > SCALE_ROMI:
            call, why = "scale", f"the whole ROMI interval is above {SCALE_ROMI:.0%}"
        elif interval[1] < STOP_ROMI:
            call, why = "stop", f"the whole ROMI interval is below {STOP_ROMI:.0%}"
        else:
            call, why = "keep", "the ROMI interval straddles the thresholds"
        rows.append(PortfolioRow(item.node, outcome, interval, call, why))
    rows.sort(key=lambda r: (r.outcome.romi is None, -(r.outcome.romi or 0), r.node.name))
    return rows


def _deadline(month: date) -> date:
    """The last day of the month after ``month``: when its orders should be invoiced."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following.replace(day=calendar.monthrange(following.year, following.month)[1])


@dataclass
class Scorecard:
    vendor_id: int
    name: str
    kind: str
    committed: Decimal = ZERO
    invoiced: Decimal = ZERO
    outcome: Outcome = field(default_factory=Outcome)
    on_time: int = 0
    late: int = 0
    not_due: int = 0

    @property
    def on_time_rate(self) -> float | None:
        judged = self.on_time + self.late
        return self.on_time / judged if judged else None


def scorecards(
    workspace: Workspace, results: Results, today: date, lines: Q | None = None
) -> list[Scorecard]:
    """Per vendor: money committed (an open order its amount, a closed one what was
    invoiced on it) and invoiced (workspace currency), the results of the
    nodes its orders are for (each subtree once: a node under another of its nodes is
    not added again), and delivery: an order is on time when what it commits was invoiced
    by the end of the month after its budget month, late when not, not yet due before then.
    ``lines``: only the orders against those lines (a condition on the order, such as
    ``scope.team_lines(..., "line__")``); ``results`` then holds those teams' nodes."""
    orders = (
        PurchaseOrder.objects.filter(lines or Q())
        .filter(workspace=workspace)
        .exclude(status=PurchaseOrder.Status.CANCELLED)
        .select_related("vendor", "line")
        .order_by("vendor__name", "pk")
    )
    invoices: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for order_id, day, amount in Invoice.objects.filter(workspace=workspace).values_list(
        "order_id", "invoiced_on", "amount_base"
    ):
        invoices[order_id].append((day, amount))
    totals = {item.node.pk: item.total for item in results.rows}
    parents = {item.node.pk: item.node.parent_id for item in results.rows}
    cards: dict[int, Scorecard] = {}
    nodes: dict[int, set[int]] = defaultdict(set)
    for order in orders:
        card = cards.setdefault(
            order.vendor_id, Scorecard(order.vendor_id, order.vendor.name, order.vendor.kind)
        )
        billed = invoices.get(order.pk, [])
        invoiced = sum((amount for _, amount in billed), ZERO)
        # an open order commits its amount, a closed one what was invoiced on it
        commits = invoiced if order.status == PurchaseOrder.Status.CLOSED else order.amount_base
        card.committed += commits
        card.invoiced += invoiced
        nodes[order.vendor_id].add(order.line.node_id)
        deadline = _deadline(order.line.month)
        by_deadline = sum((a for day, a in billed if day <= deadline), ZERO)
        if by_deadline >= commits:
            card.on_time += 1
        elif today > deadline:
            card.late += 1
        else:
            card.not_due += 1
    for vendor_id, card in cards.items():
        for node_id in nodes[vendor_id]:
            ancestor, covered = parents.get(node_id), False
            while ancestor is not None and not covered:
                covered = ancestor in nodes[vendor_id]
                ancestor = parents.get(ancestor)
            if not covered and node_id in totals:
                card.outcome.add(totals[node_id])
    return sorted(cards.values(), key=lambda c: c.name.lower())
