"""The monthly close report: per month of a year, money planned, committed, invoiced and
actually spent, what the month accrues and the variances, each summed in SQL; of every
team's money, or of some teams' (``scope``: a line's own team, else its node's)."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from pacer.core.models import Workspace
from pacer.planning.close_actions import closed_months
from pacer.planning.models import BudgetLine, Invoice, PlanFact, PurchaseOrder, SpendDay
from pacer.planning.scope import team_lines
from pacer.web import formats

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass
class CloseRow:
    month: date
    planned: Decimal = ZERO  # budget lines of the month
    committed: Decimal = ZERO  # against the month's lines: open orders, closed ones' invoices
    invoiced: Decimal = ZERO  # invoices dated in the month
    actual: Decimal = ZERO  # spend lines dated in the month
    accrued: Decimal = ZERO  # open orders issued by the month's end, not yet invoiced then
    closed_by: str = ""
    closed_at: object = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def variance(self) -> Decimal:
        """Actual less planned: above 0 is overspend."""
        return self.actual - self.planned

    @property
    def uncommitted(self) -> Decimal:
        """Planned less committed."""
        return self.planned - self.committed

    def figures(self) -> dict:
        names = ("planned", "committed", "invoiced", "actual", "accrued", "variance")
        return {name: getattr(self, name) for name in names}


def _by_month(rows, key: str = "month") -> dict[date, Decimal]:
    found = {}
    for row in rows:
        month = row[key]
        found[month.date() if hasattr(month, "date") else month] = row["total"]
    return found


def _lines(workspace: Workspace, team_ids: set[int] | None, prefix: str = "") -> Q:
    """The budget lines (``prefix``: the path to them) of ``team_ids`` (None: all)."""
    return team_lines(workspace, team_ids, prefix) or Q()


def _actual(workspace: Workspace, start: date, end: date, team_ids: set[int] | None):
    """Spend per month: every spend line (``SpendDay``), or with ``team_ids`` the spend
    the plan counts for those teams (``PlanFact``: the spend of their nodes' campaigns,
    as the plan tree and the planned-vs-actual report count it)."""
    if team_ids is None:
        rows = (
            SpendDay.objects.filter(workspace=workspace, day__range=(start, end))
            .annotate(month=TruncMonth("day"))
            .values("month")
        )
    else:
        rows = PlanFact.objects.filter(
            workspace=workspace, team_id__in=sorted(team_ids), month__range=(start, end)
        ).values("month")
    cents = "cents" if team_ids is None else "actual"
    found = _by_month(rows.annotate(total=Sum(cents)).order_by())
    return {month: Decimal(total) / 100 for month, total in found.items()}


def close_report(
    workspace: Workspace, year: int, team_ids: set[int] | None = None
) -> list[CloseRow]:
    """The twelve months of ``year``: of every team's money, or (``team_ids``) of the
    budget lines of those teams, the orders and invoices against them and the spend the
    plan counts for them (spend of campaigns in no plan counts only for every team)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    planned = _by_month(
        BudgetLine.objects.filter(_lines(workspace, team_ids), workspace=workspace)
        .filter(month__range=(start, end))
        .values("month")
        .annotate(total=Sum("amount_base"))
        .order_by()
    )
    # an open order commits its amount, a closed one what was invoiced on it
    billed = (
        Invoice.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum("amount_base"))
        .values("total")
    )
    commits = Case(
        When(
            status=PurchaseOrder.Status.CLOSED,
            then=Coalesce(Subquery(billed), Value(ZERO), output_field=MONEY),
        ),
        default=F("amount_base"),
        output_field=MONEY,
    )
    committed = _by_month(
        PurchaseOrder.objects.filter(workspace=workspace)
        .filter(_lines(workspace, team_ids, "line__"), line__month__range=(start, end))
        .exclude(status=PurchaseOrder.Status.CANCELLED)
        .values("line__month")
        .annotate(total=Sum(commits))
        .order_by(),
        "line__month",
    )
    invoiced = _by_month(
        Invoice.objects.filter(workspace=workspace, invoiced_on__range=(start, end))
        .filter(_lines(workspace, team_ids, "order__line__"))
        .annotate(month=TruncMonth("invoiced_on"))
        .values("month")
        .annotate(total=Sum("amount_base"))
        .order_by()
    )
    actual = _actual(workspace, start, end, team_ids)
    months = [date(year, number, 1) for number in range(1, 13)]
    ends = [m.replace(day=calendar.monthrange(year, m.month)[1]) for m in months]
    accruals = accrued(workspace, ends, _lines(workspace, team_ids, "line__"))
    closed = closed_months(workspace)
    rows = []
    for month, month_end in zip(months, ends, strict=True):
        row = CloseRow(
            month,
            planned=planned.get(month, ZERO),
            committed=committed.get(month, ZERO),
            invoiced=invoiced.get(month, ZERO),
            actual=actual.get(month, ZERO),
            accrued=accruals[month_end],
        )
        if month in closed:
            found = closed[month]
            row.closed_at = found.closed_at
            row.closed_by = formats.person(found.closed_by)
        rows.append(row)
    return rows


def accrued(workspace: Workspace, ends: list[date], lines: Q | None = None) -> dict:
    """For each day of ``ends``: the money committed by orders issued on or before it and
    not invoiced by then, order by order (never below 0 for one order), summed: what a
    month closing that day accrues. Cancelled and closed orders accrue nothing.
    ``lines``: only the orders against those lines (a condition on the order, such as
    ``line__team_id``). Two queries whatever the number of days (the orders and their
    invoices up to the last day), not two a day."""
    last = max(ends)
    orders = list(
        PurchaseOrder.objects.filter(lines or Q())
        .filter(workspace=workspace, issued_on__lte=last, status=PurchaseOrder.Status.OPEN)
        .values_list("pk", "issued_on", "amount_base")
    )
    invoices: dict[int, list[tuple[date, Decimal]]] = {}
    for order_id, day, amount in Invoice.objects.filter(
        order__workspace=workspace,
        order__issued_on__lte=last,
        order__status=PurchaseOrder.Status.OPEN,
        invoiced_on__lte=last,
    ).values_list("order_id", "invoiced_on", "amount_base"):
        invoices.setdefault(order_id, []).append((day, amount))
    found = {}
    for end in ends:
        total = ZERO
        for pk, issued_on, amount in orders:
            if issued_on <= end:
                billed = sum((a for day, a in invoices.get(pk, ()) if day <= end), ZERO)
                total += max(amount - billed, ZERO)
        found[end] = total
    return found
