"""Reads for plans and budgets: nodes, lines, transfers, vendors and orders; variance
alerts of a node; the timeline of what is planned."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth

from pacer.core.models import Workspace
from pacer.core.permissions import members_holding
from pacer.planning.budget_actions import planning_settings
from pacer.planning.models import (
    BudgetLine,
    BudgetTransfer,
    FxRate,
    Invoice,
    PlanNode,
    PurchaseOrder,
    SpendEntry,
    Vendor,
)
from pacer.planning.money import money
from pacer.planning.rollups import ZERO, Figures, line_figures, tree
from pacer.teams import selectors as teams
from pacer.web import formats


def node(workspace: Workspace, node_id: int) -> PlanNode | None:
    return (
        PlanNode.objects.filter(workspace=workspace, pk=node_id)
        .select_related("owner", "campaign", "parent")
        .first()
    )


def node_choices(workspace: Workspace, exclude_subtree_of: int | None = None) -> list[tuple]:
    """``(id, indented name)`` of every node in tree order (without the subtree of
    ``exclude_subtree_of``, where a node cannot move)."""
    choices, skip_depth = [], None
    for row in tree(workspace):
        if skip_depth is not None and row.depth > skip_depth:
            continue
        skip_depth = None
        if row.node.pk == exclude_subtree_of:
            skip_depth = row.depth
            continue
        choices.append((str(row.node.pk), "· " * row.depth + row.node.name))
    return choices


def member_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """The members who may own a plan node (not a partner's login)."""
    rows = members_holding(workspace, "plans.view")
    return sorted(
        ((str(m.user_id), formats.person(m.user)) for m in rows),
        key=lambda pair: pair[1].lower(),
    )


def lines(workspace: Workspace, node_id: int | None = None) -> QuerySet[BudgetLine]:
    found = BudgetLine.objects.filter(workspace=workspace).select_related("node")
    return found.filter(node_id=node_id) if node_id is not None else found


def line(workspace: Workspace, line_id: int) -> BudgetLine | None:
    return lines(workspace).filter(pk=line_id).first()


def line_choices(workspace: Workspace) -> list[tuple[str, str]]:
    keys = team_names(workspace)
    found = lines(workspace).order_by("node__name", "month")
    return [(str(x.pk), line_label(x, keys)) for x in found]


def team_keys(workspace: Workspace) -> dict[int, str]:
    """Each team's key by its id."""
    return {pk: team.key for pk, team in teams.teams_by_id(workspace).items()}


def team_names(workspace: Workspace) -> dict[int, str]:
    """Each team's name by its id (what a page shows of a team)."""
    return {pk: team.name for pk, team in teams.teams_by_id(workspace).items()}


def line_label(line: BudgetLine, keys: dict[int, str]) -> str:
    """``node · month · channel[ · team][ · location] (#id)``; ``keys``: ``team_names``
    (or ``team_keys``) by team id."""
    parts = [line.node.name, line.month.strftime("%Y-%m"), line.channel]
    parts += [p for p in (keys.get(line.team_id, ""), line.location) if p]
    return " · ".join(parts) + f" (#{line.pk})"


def transfers(workspace: Workspace) -> QuerySet[BudgetTransfer]:
    return (
        BudgetTransfer.objects.filter(workspace=workspace)
        .select_related("source__node", "target__node", "requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
    )


def transfer(workspace: Workspace, transfer_id: int) -> BudgetTransfer | None:
    return transfers(workspace).filter(pk=transfer_id).first()


def rates(workspace: Workspace) -> QuerySet[FxRate]:
    return FxRate.objects.filter(workspace=workspace).order_by("currency", "-day")


def vendors(workspace: Workspace) -> QuerySet[Vendor]:
    return (
        Vendor.objects.filter(workspace=workspace)
        .annotate(committed=Sum("orders__amount_base"))
        .order_by("name")
    )


def vendor(workspace: Workspace, vendor_id: int) -> Vendor | None:
    return Vendor.objects.filter(workspace=workspace, pk=vendor_id).first()


def orders(workspace: Workspace) -> QuerySet[PurchaseOrder]:
    return (
        PurchaseOrder.objects.filter(workspace=workspace)
        .select_related("vendor", "line__node")
        .annotate(invoiced=Sum("invoices__amount"))
        .order_by("-issued_on", "number")
    )


def order(workspace: Workspace, order_id: int) -> PurchaseOrder | None:
    return orders(workspace).filter(pk=order_id).first()


def invoices(
    workspace: Workspace,
    *,
    vendor_id: int | None = None,
    order_id: int | None = None,
    month: date | None = None,
) -> QuerySet[Invoice]:
    """Invoices, newest first: of a vendor, of an order, dated in a month (its first day)."""
    found = Invoice.objects.filter(workspace=workspace).select_related("order")
    if vendor_id is not None:
        found = found.filter(order__vendor_id=vendor_id)
    if order_id is not None:
        found = found.filter(order_id=order_id)
    if month is not None:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        found = found.filter(invoiced_on__gte=month, invoiced_on__lt=following)
    return found.order_by("-invoiced_on", "-pk")


@dataclass(frozen=True)
class Alert:
    kind: str  # overspend, underspend, pacing
    message: str


def _elapsed(month: date, today: date) -> Decimal:
    """The share of ``month`` gone by at the end of ``today``."""
    days = calendar.monthrange(month.year, month.month)[1]
    if today < month:
        return ZERO
    if (today.year, today.month) != (month.year, month.month):
        return Decimal(1)
    return Decimal(today.day) / Decimal(days)


def alerts(workspace: Workspace, node_id: int, today: date) -> list[Alert]:
    """Variance alerts of a node's subtree on ``today``: overspend (spent, invoiced or
    committed beyond the plan), pacing (spend more than the workspace's pacing tolerance
    away from the plan for the days gone by) and underspend (a finished period that
    spent less than the workspace's ``underspend_below`` share of its plan); amounts in
    the workspace currency, to the cent."""
    rules = planning_settings(workspace)

    def shown(value: Decimal) -> str:
        return money(value, workspace.currency)

    rows = tree(workspace, node_id)
    total = rows[0].total if rows else Figures()
    found: list[Alert] = []
    for name, value in (
        ("spent", total.spent),
        ("invoiced", total.invoiced),
        ("committed", total.committed),
    ):
        if value > total.planned:
            found.append(
                Alert(
                    "overspend",
                    f"{name} {shown(value)} is over the plan of {shown(total.planned)}",
                )
            )
    figures, _ = line_figures(workspace, [row.node.pk for row in rows])
    expected = sum((f.planned * _elapsed(f.line.month, today) for f in figures.values()), ZERO)
    months = [f.line.month for f in figures.values()]
    if not months or total.planned == 0:
        return found
    last = max(months)
    finished = _elapsed(last, today) == 1 and (today.year, today.month) != (last.year, last.month)
    if finished:
        if total.spent < total.planned * rules.underspend_below:
            share = total.spent / total.planned
            found.append(
                Alert(
                    "underspend",
                    f"spent {shown(total.spent)} of {shown(total.planned)} ({share:.0%}) "
                    "in a finished period",
                )
            )
    elif expected > 0:
        pace = total.spent / expected
        if abs(pace - 1) > rules.pacing_tolerance:
            direction = "ahead of" if pace > 1 else "behind"
            found.append(
                Alert(
                    "pacing",
                    f"spent {shown(total.spent)} against {shown(expected)} planned "
                    f"for the days gone by: {direction} pace ({pace:.0%})",
                )
            )
    return found


@dataclass
class Bar:
    node: PlanNode
    depth: int
    offset: float  # percent of the window before the bar
    width: float  # percent of the window the bar covers


def timeline(
    workspace: Workspace,
    *,
    year: int,
    node_ids: set[int] | None = None,
    channel: str = "",
    location: str = "",
) -> tuple[list[Bar], list[tuple[str, float]]]:
    """Bars of the nodes with dates that overlap ``year`` (clipped to it) and match the
    filters (among ``node_ids`` when given; a node matches a channel or location it
    lists), in tree order; and the month marks ``(label, offset percent)`` of the
    window."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    span = (end - start).days + 1
    bars = []
    for row in tree(workspace):
        found = row.node
        if not (found.starts_on and found.ends_on):
            continue
        if found.ends_on < start or found.starts_on > end:
            continue
        if node_ids is not None and found.pk not in node_ids:
            continue
        if channel and channel not in found.channels:
            continue
        if location and location not in found.locations:
            continue
        first, last = max(found.starts_on, start), min(found.ends_on, end)
        offset = (first - start).days / span * 100
        width = ((last - first).days + 1) / span * 100
        bars.append(Bar(found, row.depth, round(offset, 3), round(width, 3)))
    marks = [
        (calendar.month_abbr[m], round((date(year, m, 1) - start).days / span * 100, 3))
        for m in range(1, 13)
    ]
    return bars, marks


def years_in_use(workspace: Workspace) -> list[int]:
    found = PlanNode.objects.filter(workspace=workspace).values_list("fiscal_year", flat=True)
    return sorted(set(found))


def monthly_campaign_spend(workspace: Workspace) -> list[dict]:
    """Spend by campaign key, channel and month (``month`` the first day), oldest first."""
    rows = (
        SpendEntry.objects.filter(workspace=workspace, campaign__isnull=False)
        .annotate(month=TruncMonth("day"))
        .values("campaign__key", "channel", "month")
        .annotate(total=Sum("amount"))
        .order_by("month", "campaign__key", "channel")
    )
    return [
        {
            "campaign": row["campaign__key"],
            "channel": row["channel"],
            "month": row["month"].date() if hasattr(row["month"], "date") else row["month"],
            "total": row["total"],
        }
        for row in rows
    ]


def max_depth(workspace: Workspace) -> int:
    """How deep the plan tree goes (0: plans alone, or no plan)."""
    parents = dict(PlanNode.objects.filter(workspace=workspace).values_list("pk", "parent_id"))
    depths: dict[int, int] = {}

    def depth(node_id: int) -> int:
        if node_id not in depths:
            parent = parents.get(node_id)
            depths[node_id] = 0 if parent is None else depth(parent) + 1
        return depths[node_id]

    return max((depth(node_id) for node_id in parents), default=0)
