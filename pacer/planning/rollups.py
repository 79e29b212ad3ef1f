"""The plan tree's money: each budget line's planned, committed, invoiced and actual
amounts (workspace currency), and every node's figures rolled up from its subtree, so a
node's total is its own lines plus its children's totals and no amount is counted twice.

Actual spend comes from the spend lines of campaigns linked to nodes. Each aggregated
spend amount (node, month, channel, location) goes to exactly one budget line: the
node's line for that month and channel with the same location, else the one without a
location (the lowest id when several teams plan the same key); spend no line matches is
the node's *unplanned* spend.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from pacer.core.models import Workspace
from pacer.planning import summary
from pacer.planning.budget_actions import committed_base
from pacer.planning.models import (
    BudgetLine,
    Invoice,
    NodeSum,
    PlanNode,
    PurchaseOrder,
    SpendEntry,
)
from pacer.planning.scope import nodes_of_teams

ZERO = Decimal(0)
MONEY = ("planned", "committed", "invoiced", "actual", "unplanned")


@dataclass
class Figures:
    """Money on a line or a node (workspace currency)."""

    planned: Decimal = ZERO
    committed: Decimal = ZERO
    invoiced: Decimal = ZERO
    actual: Decimal = ZERO
    unplanned: Decimal = ZERO  # actual spend no budget line matched

    def add(self, other: "Figures") -> None:
        for name in MONEY:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def spent(self) -> Decimal:
        """Everything actually spent: matched to lines and not."""
        return self.actual + self.unplanned

    @property
    def remaining(self) -> Decimal:
        """Planned money not yet committed."""
        return self.planned - self.committed

    @property
    def accrual(self) -> Decimal:
        """Committed but not invoiced (never below 0 per order; see ``accruals``)."""
        return max(self.committed - self.invoiced, ZERO)


@dataclass
class LineFigures(Figures):
    line: BudgetLine | None = None


@dataclass
class NodeRow:
    node: PlanNode
    depth: int
    own: Figures = field(default_factory=Figures)
    total: Figures = field(default_factory=Figures)
    child_allocation: Decimal = ZERO
    context: bool = False  # not the viewer's teams': shown only to place their nodes


def line_figures(
    workspace: Workspace, node_ids=None, since: date | None = None
) -> tuple[dict[int, LineFigures], dict]:
    """Each budget line's figures, and each node's unplanned spend (``{node id: amount}``),
    for the nodes ``node_ids`` (all when None), of the months from ``since`` (a first of
    the month; all when None)."""
    lines = BudgetLine.objects.filter(workspace=workspace).order_by("id")
    if node_ids is not None:
        lines = lines.filter(node_id__in=node_ids)
    if since is not None:
        lines = lines.filter(month__gte=since)
    result = {line.pk: LineFigures(planned=line.amount_base, line=line) for line in lines}
    by_key = lines_by_key(f.line for f in result.values())
    # the lines as a subquery, not a list of ids: SQLite refuses more than 250,000
    # variables in one statement
    line_ids = lines.values("pk")
    for line_id, amount in committed_base(line_ids).items():
        result[line_id].committed = amount
    invoices = Invoice.objects.filter(order__line_id__in=line_ids)
    for row in invoices.values("order__line_id").annotate(total=Sum("amount_base")):
        result[row["order__line_id"]].invoiced = row["total"]
    unplanned: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for match in spend_matches(workspace, by_key, node_ids, since):
        if match.line is None:
            unplanned[match.node_id] += match.amount
        else:
            result[match.line.pk].actual += match.amount
    return result, dict(unplanned)


@dataclass(frozen=True)
class SpendMatch:
    """Spend of a node in one month through one channel at one location (code, "" for
    none), and the budget line it goes to (None: unplanned)."""

    node_id: int
    month: date
    channel: str
    location: str
    amount: Decimal
    line: BudgetLine | None


def lines_by_key(lines) -> dict[tuple, list[BudgetLine]]:
    """Budget lines (in id order) by ``(node id, month, channel)``."""
    found: dict[tuple, list[BudgetLine]] = defaultdict(list)
    for line in lines:
        found[(line.node_id, line.month, line.channel)].append(line)
    return found


def _spend_sums(workspace: Workspace, node_ids=None, since: date | None = None):
    """``(node id, month, channel, location code or "", amount)``: the spend of the
    campaigns linked to nodes (``node_ids``: all when None) summed per node, month,
    channel and location, from the month ``since`` when given."""
    spend = SpendEntry.objects.filter(workspace=workspace, campaign__plan_node__isnull=False)
    if since is not None:
        spend = spend.filter(day__gte=since)
    if node_ids is not None:
        spend = spend.filter(campaign__plan_node__in=node_ids)
    spend = spend.annotate(month=TruncMonth("day")).values(
        "campaign__plan_node", "month", "channel", "location__code"
    )
    for row in spend.annotate(total=Sum("amount")).order_by():
        month = row["month"]
        if hasattr(month, "date"):
            month = month.date()
        code = row["location__code"] or ""
        yield row["campaign__plan_node"], month, row["channel"], code, row["total"]


def spend_matches(
    workspace: Workspace, by_key: dict, node_ids=None, since: date | None = None
) -> list[SpendMatch]:
    """The spend of the campaigns linked to nodes (``node_ids``: all when None), summed per
    node, month, channel and location (from the month ``since``, when given), each sum
    with the one line it goes to (the module's rule) among ``by_key`` (``lines_by_key``)."""
    found = []
    for node_id, month, channel, code, total in _spend_sums(workspace, node_ids, since):
        candidates = by_key.get((node_id, month, channel), [])
        line = next((c for c in candidates if c.location == code), None) or next(
            (c for c in candidates if c.location == ""), None
        )
        found.append(SpendMatch(node_id, month, channel, code, total, line))
    return found


def node_figures(workspace: Workspace, node_ids=None) -> dict[int, Figures]:
    """Each node's own figures (its lines' money, the spend matched to them and its
    unplanned spend) for the nodes ``node_ids`` (all when None): the node's months summed
    from the maintained summary (``pacer.planning.summary``), the same amounts as adding
    up ``line_figures`` without reading a line."""
    own: dict[int, Figures] = defaultdict(Figures)
    found = summary.read(workspace, None if node_ids is None else list(node_ids))
    for node_id, cents in found.items():
        own[node_id] = Figures(*(Decimal(c).scaleb(-2) for c in cents))
    return own


def roll_up(parents: dict[int, int | None], own: dict[int, Figures]) -> dict[int, Figures]:
    """Each node's total: its own figures plus its children's totals. ``parents`` maps
    every node to its parent (None at the top); a parent missing from it (outside the
    subtree read) counts as the top."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for node_id, parent_id in parents.items():
        children[parent_id if parent_id in parents else None].append(node_id)
    totals: dict[int, Figures] = {}
    order: list[int] = []
    stack = list(children[None])
    while stack:  # parents before children; totals filled children first
        node_id = stack.pop()
        order.append(node_id)
        stack.extend(children[node_id])
    for node_id in reversed(order):
        total = Figures()
        total.add(own.get(node_id, Figures()))
        for child in children[node_id]:
            total.add(totals[child])
        totals[node_id] = total
    return totals


def team_figures(
    workspace: Workspace, team_ids: set[int], node_ids: list[int] | None = None
) -> dict[int, Figures]:
    """Each node's own figures (of the nodes ``node_ids``; all when None) counting only
    the money of ``team_ids`` (a line's team, else its node's inherited one: the facts'
    rule, ``pacer.planning.facts``); the spend no line matched is in ``actual`` there, so
    ``unplanned`` stays 0 and ``spent`` is the same sum. Read from the facts summed over
    months (``NodeSum``, by its index ``node_sum_team``: the teams' rows alone, a twelfth
    of their facts), so a node holding none of their money has no figures here."""
    sums = NodeSum.objects.filter(workspace=workspace, team_id__in=sorted(team_ids))
    if node_ids is not None:
        sums = sums.filter(node_id__in=node_ids)
    rows = (
        sums.values("node_id")
        .annotate(**{m: Sum(m) for m in ("planned", "committed", "invoiced", "actual")})
        .order_by()
    )
    return {
        row["node_id"]: Figures(
            *(Decimal(row[m]).scaleb(-2) for m in ("planned", "committed", "invoiced", "actual"))
        )
        for row in rows
    }


def team_rows(workspace: Workspace, rows: list[NodeRow], team_ids: set[int]) -> list[NodeRow]:
    """``rows`` (``tree`` of a subtree, its root first) with every figure counting only
    the money of ``team_ids`` (``team_figures``): the same nodes and envelopes."""
    own = team_figures(workspace, team_ids, [row.node.pk for row in rows])
    totals = roll_up({row.node.pk: row.node.parent_id for row in rows}, own)
    return [
        replace(row, own=own.get(row.node.pk, Figures()), total=totals[row.node.pk]) for row in rows
    ]


def _with_ancestors(nodes: dict[int, PlanNode], node_ids: set[int]) -> set[int]:
    shown = set()
    for node_id in node_ids:
        while node_id is not None and node_id in nodes and node_id not in shown:
            shown.add(node_id)
            node_id = nodes[node_id].parent_id
    return shown


def tree(
    workspace: Workspace, root_id: int | None = None, team_ids: set[int] | None = None
) -> list[NodeRow]:
    """The plan tree (or the subtree under ``root_id``), depth first by name, each node
    with its own and rolled-up figures. With ``team_ids`` (not with ``root_id``): only the
    nodes of those teams (``scope.nodes_of_teams``), and those of other teams holding
    their money and the ancestors that place them (both ``context``), every figure
    counting only those teams' money."""
    nodes = {n.pk: n for n in PlanNode.objects.filter(workspace=workspace).select_related("owner")}
    scoped: dict[int, Figures] | None = None
    shown = mine = set(nodes)
    if team_ids is not None:
        scoped = team_figures(workspace, team_ids)
        mine = nodes_of_teams(workspace, team_ids)
        shown = _with_ancestors(nodes, mine | set(scoped))
    children: dict[int | None, list[PlanNode]] = defaultdict(list)
    for node in nodes.values():
        if node.pk in shown:
            children[node.parent_id].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.name.lower(), n.pk))
    top = [nodes[root_id]] if root_id is not None else children[None]
    ordered: list[tuple[PlanNode, int]] = []
    stack = [(node, 0) for node in reversed(top)]
    while stack:
        node, depth = stack.pop()
        ordered.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children[node.pk]))
    ids = [node.pk for node, _ in ordered]
    if scoped is None:
        found = node_figures(workspace, ids if root_id is not None else None)
    else:
        found = scoped
    own: dict[int, Figures] = {node_id: found.get(node_id, Figures()) for node_id in ids}
    parents = {node.pk: node.parent_id for node, _ in ordered}
    totals = roll_up(parents, own)
    rows = []
    for node, depth in ordered:
        allocated = sum((c.allocation or ZERO for c in children[node.pk]), ZERO)
        context = node.pk not in mine
        rows.append(NodeRow(node, depth, own[node.pk], totals[node.pk], allocated, context))
    return rows


def accruals(workspace: Workspace, as_of: date) -> list[dict]:
    """Money committed by open orders issued on or before ``as_of`` and not invoiced by
    then (workspace currency), per order: what a period closing on ``as_of`` accrues."""
    orders = (
        PurchaseOrder.objects.filter(
            workspace=workspace, issued_on__lte=as_of, status=PurchaseOrder.Status.OPEN
        )
        .select_related("vendor", "line__node")
        .order_by("issued_on", "number")
    )
    invoiced = dict(
        Invoice.objects.filter(workspace=workspace, invoiced_on__lte=as_of)
        .values("order_id")
        .annotate(total=Sum("amount_base"))
        .values_list("order_id", "total")
    )
    rows = []
    for order in orders:
        billed = invoiced.get(order.pk, ZERO)
        accrued = max(order.amount_base - billed, ZERO)
        if accrued:
            rows.append({"order": order, "invoiced": billed, "accrued": accrued})
    return rows
