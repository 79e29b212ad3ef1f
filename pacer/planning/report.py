"""Planned vs committed vs invoiced vs actual by any dimension: the plan's money grouped
by rows (and optionally columns) of plan node at a depth, channel, team, location,
vendor, month, quarter or fiscal year, with the variance and the share used.

Every amount is a *fact* with all its dimensions, and each fact is counted in exactly
one row and one column, so every grouping's grand total is the plan tree's root totals
(``rollups.tree``):

- planned: a budget line's amount (workspace currency);
- committed and invoiced: per purchase order (what ``budget_actions.committed_base``
  counts: an open order its amount, a closed one what was invoiced on it), on its line,
  under the order's vendor;
- actual: spend of the campaigns linked to nodes, matched to lines as the tree matches
  it; spend no line matches (the tree's *unplanned*) keeps its node, month, channel and
  location, the node's (inherited) team and no vendor.

A line's planned and actual amounts go to its vendor when every order on it (cancelled
ones aside) is to one vendor, to "Several vendors" when to more, else to "No vendor". A
line's team is its own, else its node's, else (as the team scoping has it) its nearest
ancestor's. Quarters are calendar quarters; the fiscal year is the node's.

The facts are summed by the actions as they write (``pacer.planning.summary``): by node
and time the report sums the node-month rows, by node and any other dimension the facts
per line key (``pacer.planning.facts``), both grouped per row node at the depth in SQL
(``pacer.planning.node_groups``); without node it reads the facts summed over nodes
(``pacer.planning.sums``: thousands of rows where the facts are hundreds of thousands);
none reads a line or a spend line.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.planning import node_groups
from pacer.planning.facts import NO_VENDOR, SEVERAL_VENDORS
from pacer.planning.models import PlanNode, PlanSum, Vendor
from pacer.teams import selectors as teams

ZERO = Decimal(0)
CENT, USED = Decimal("0.01"), Decimal("0.0001")
MONEY = ("planned", "committed", "invoiced", "actual")
MEASURES = {
    "planned": "Planned",
    "committed": "Committed",
    "invoiced": "Invoiced",
    "actual": "Actual",
    "variance": "Variance (actual − planned)",
    "used": "% used (actual ÷ planned)",
}
DIMENSIONS = {
    "node": "Plan node",
    "channel": "Channel",
    "team": "Team",
    "location": "Location",
    "vendor": "Vendor",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Fiscal year",
}
MAX_DEPTH = 20


@dataclass
class Money:
    planned: Decimal = ZERO
    committed: Decimal = ZERO
    invoiced: Decimal = ZERO
    actual: Decimal = ZERO

    def add(self, other: "Money") -> None:
        for name in MONEY:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def variance(self) -> Decimal:
        """Actual less planned: above 0 is overspend."""
        return self.actual - self.planned

    @property
    def used(self) -> Decimal | None:
        """Actual as a share of planned; None with nothing planned."""
        return self.actual / self.planned if self.planned else None

    def value(self, measure: str) -> Decimal | None:
        """A measure to show: money in cents, the share used to four places."""
        found = getattr(self, measure)
        return None if found is None else found.quantize(USED if measure == "used" else CENT)

    def as_dict(self) -> dict:
        return {name: self.value(name) for name in MEASURES}


@dataclass
class ReportRow:
    key: str
    label: str
    node_id: int | None  # the node a node row stands for (a link)
    total: Money = field(default_factory=Money)
    cells: dict[str, Money] = field(default_factory=dict)  # column key -> money


@dataclass
class Report:
    rows_by: str
    columns_by: str
    depth: int
    rows: list[ReportRow]
    columns: list[tuple[str, str]]  # (key, label), in order
    total: Money
    column_totals: dict[str, Money]


@dataclass(frozen=True)
class _Fact:
    node_id: int
    fiscal_year: int  # 0: the node's
    month: date
    channel: str
    team: str
    location: str
    vendor: str
    money: Money


def check_grouping(rows: str, columns: str = "", depth: int = 1) -> None:
    """Refuse an unknown dimension or depth, naming the field."""
    errors = {}
    if rows not in DIMENSIONS:
        errors["rows"] = f"must be one of {', '.join(DIMENSIONS)}"
    if columns and columns not in DIMENSIONS:
        errors["columns"] = f"must be empty or one of {', '.join(DIMENSIONS)}"
    elif columns and columns == rows:
        errors["columns"] = "must differ from rows"
    if not isinstance(depth, int) or isinstance(depth, bool) or not 0 <= depth <= MAX_DEPTH:
        errors["depth"] = f"must be a whole number from 0 to {MAX_DEPTH}"
    if errors:
        raise ValidationFailed(errors)


# each dimension's columns of the facts summed over nodes (``PlanSum``): the fiscal year
# its column (the node's), time the month
_GROUP_COLUMNS = {
    "year": ("fiscal_year",),
    "team": ("team_id",),
    "month": ("month",),
    "quarter": ("month",),
    "channel": ("channel",),
    "location": ("location",),
    "vendor": ("vendor",),
}
NODE_MONTH_DIMENSIONS = {"node", "month", "quarter", "year"}


def _fact(row: dict, team_keys: dict[int, str]) -> _Fact:
    """A fact of a row summed in SQL (cents), blank in the columns it was not grouped by."""
    return _Fact(
        row.get("node_id", 0),
        row.get("fiscal_year", 0),
        row.get("month", date.min),
        row.get("channel", ""),
        team_keys.get(row.get("team_id"), ""),
        row.get("location", ""),
        row.get("vendor", NO_VENDOR),
        Money(*(Decimal(row[m]).scaleb(-2) for m in MONEY)),
    )


def _facts(
    workspace: Workspace,
    team_keys: dict[int, str],
    dimensions: list[str],
    fiscal_year: int | None,
    team_ids: set[int] | None = None,
) -> list[_Fact]:
    """The plan's money summed in SQL per the columns ``dimensions`` (none of them plan
    node) need, the others left blank, from the facts summed over nodes (``PlanSum``);
    only the money of ``team_ids`` (None: all)."""
    grouped = sorted({c for d in dimensions for c in _GROUP_COLUMNS[d]})
    rows = PlanSum.objects.filter(workspace=workspace)
    if fiscal_year is not None:
        rows = rows.filter(fiscal_year=fiscal_year)
    if team_ids is not None:
        rows = rows.filter(team_id__in=sorted(team_ids))
    sums = rows.values(*grouped).annotate(**{m: Sum(m) for m in MONEY}).order_by()
    return [_fact(row, team_keys) for row in sums]


def _node_facts(
    workspace: Workspace,
    team_keys: dict[int, str],
    dimensions: list[str],
    depth: int,
    fiscal_year: int | None,
    team_ids: set[int] | None,
) -> list[_Fact]:
    """The plan's money per row node at ``depth`` (and the other dimension), summed in
    SQL (``pacer.planning.node_groups``): from the node months by node and time, else
    from the facts per line key (which know the team)."""
    other = next((d for d in dimensions if d != "node"), "")
    by_facts = team_ids is not None or not set(dimensions) <= NODE_MONTH_DIMENSIONS
    found = node_groups.grouped(
        workspace.pk,
        depth,
        other,
        by_facts=by_facts,
        fiscal_year=fiscal_year,
        team_ids=team_ids,
    )
    return [_fact(row, team_keys) for row in found]


def _chains(nodes: dict[int, PlanNode]) -> dict[int, list[int]]:
    """Each node's ancestors from the top down, ending with itself."""
    chains: dict[int, list[int]] = {}

    def chain(node_id: int) -> list[int]:
        if node_id not in chains:
            parent = nodes[node_id].parent_id
            chains[node_id] = [*(chain(parent) if parent in nodes else []), node_id]
        return chains[node_id]

    for node_id in nodes:
        chain(node_id)
    return chains


class _Labeller:
    """The key, label, sort order and node of a fact under one dimension."""

    def __init__(
        self,
        workspace: Workspace,
        nodes: dict[int, PlanNode],
        depth: int,
        team_names: dict[str, str],
    ):
        self.nodes, self.depth, self.team_names = nodes, depth, team_names
        self.chains = _chains(nodes)
        self._vendors: dict[str, str] | None = None
        self.workspace = workspace

    def vendors(self) -> dict[str, str]:
        if self._vendors is None:
            found = Vendor.objects.filter(workspace=self.workspace).values_list("pk", "name")
            self._vendors = {str(pk): name for pk, name in found}
        return self._vendors

    def key(self, fact: _Fact, dimension: str) -> str:
        if dimension == "node":
            chain = self.chains[fact.node_id]
            found = chain[min(self.depth, len(chain) - 1)]
            return str(found) if len(chain) > self.depth else f"{found}:own"
        if dimension == "month":
            return fact.month.strftime("%Y-%m")
        if dimension == "quarter":
            return f"{fact.month.year}-Q{(fact.month.month - 1) // 3 + 1}"
        if dimension == "year":
            return str(fact.fiscal_year or self.nodes[fact.node_id].fiscal_year)
        return getattr(fact, dimension)

    def label(self, key: str, dimension: str) -> str:
        if dimension == "node":
            node_id, _, own = key.partition(":")
            name = self.nodes[int(node_id)].name
            return f"{name} (its own lines)" if own else name
        if dimension == "channel":
            return CHANNELS.get(key, key)
        if dimension == "team":  # the key is the team's key; the row shows its name
            return self.team_names.get(key, key) if key else "No team"
        if dimension == "location":
            return key or "No location"
        if dimension == "vendor":
            if key == NO_VENDOR:
                return "No vendor"
            if key == SEVERAL_VENDORS:
                return "Several vendors"
            return self.vendors().get(key, key)
        if dimension == "year":
            return f"FY{key}"
        return key

    def order(self, key: str, dimension: str) -> tuple:
        """Nodes in tree order (names at each level), time in time order, the rest by
        label with the blank bucket last."""
        if dimension == "node":
            node_id, _, own = key.partition(":")
            names = [(self.nodes[i].name.lower(), i) for i in self.chains[int(node_id)]]
            return (names, bool(own))
        if dimension in ("month", "quarter", "year"):
            return (key,)
        label = self.label(key, dimension)
        blank = key in ("", NO_VENDOR, SEVERAL_VENDORS)
        return (blank, label.lower(), key)


def plan_report(
    workspace: Workspace,
    *,
    rows: str,
    columns: str = "",
    depth: int = 1,
    fiscal_year: int | None = None,
    team_ids: set[int] | None = None,
) -> Report:
    """The plan's money grouped by ``rows`` (and ``columns``), of the nodes of
    ``fiscal_year`` (every node when None) and the money that counts for ``team_ids``
    (a line's team, else its node's: every team's and none's when None); ``depth``
    places node rows (0: plans)."""
    check_grouping(rows, columns, depth)
    nodes = {n.pk: n for n in PlanNode.objects.filter(workspace=workspace)}
    found_teams = teams.teams_by_id(workspace)
    team_keys = {pk: t.key for pk, t in found_teams.items()}
    labeller = _Labeller(workspace, nodes, depth, {t.key: t.name for t in found_teams.values()})
    found: dict[str, ReportRow] = {}
    column_totals: dict[str, Money] = defaultdict(Money)
    total = Money()
    dimensions = [rows, columns] if columns else [rows]
    if "node" in dimensions:
        facts = _node_facts(workspace, team_keys, dimensions, depth, fiscal_year, team_ids)
    else:
        facts = _facts(workspace, team_keys, dimensions, fiscal_year, team_ids)
    for fact in facts:
        key = labeller.key(fact, rows)
        row = found.get(key)
        if row is None:
            node_id = int(key.partition(":")[0]) if rows == "node" else None
            row = found[key] = ReportRow(key, labeller.label(key, rows), node_id)
        row.total.add(fact.money)
        total.add(fact.money)
        if columns:
            column = labeller.key(fact, columns)
            row.cells.setdefault(column, Money()).add(fact.money)
            column_totals[column].add(fact.money)
    ordered = sorted(found.values(), key=lambda r: labeller.order(r.key, rows))
    column_keys = sorted(column_totals, key=lambda k: labeller.order(k, columns))
    return Report(
        rows,
        columns,
        depth,
        ordered,
        [(k, labeller.label(k, columns)) for k in column_keys],
        total,
        dict(column_totals),
    )


def table_rows(report: Report, measure: str) -> tuple[list[str], list[list]]:
    """The report as a header and plain rows (for CSV and XLSX): with columns, one per
    column value of ``measure`` and the row's total; without, every measure. The last row
    is the total."""
    title = DIMENSIONS[report.rows_by]
    if report.columns_by:
        header = [title, *(label for _, label in report.columns), "Total"]

        def line(label, cells, row_total):
            values = [cells[k].value(measure) if k in cells else None for k, _ in report.columns]
            return [label, *values, row_total.value(measure)]

        body = [line(r.label, r.cells, r.total) for r in report.rows]
        body.append(line("Total", report.column_totals, report.total))
        return header, body
    header = [title, *MEASURES.values()]
    body = [[r.label, *r.total.as_dict().values()] for r in report.rows]
    body.append(["Total", *report.total.as_dict().values()])
    return header, body
