"""The planned-vs-actual report page (rows, optional columns and the filters in the URL)
and its CSV and XLSX exports."""

import io

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from pacer.core.csv_export import export_csv as csv_lines
from pacer.core.permissions import page
from pacer.planning import plan_selectors
from pacer.planning.money import money_column
from pacer.planning.report import DIMENSIONS, MAX_DEPTH, MEASURES, Report, plan_report, table_rows
from pacer.planning.scope import ALL, TeamScope, team_filter
from pacer.web.charts import Series, chart
from pacer.web.filters import Choice, FilterBar
from pacer.web.tables import Column, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bar(request, scope: TeamScope) -> FilterBar:
    workspace = request.workspace
    depth = min(max(plan_selectors.max_depth(workspace), 1), MAX_DEPTH)
    years = plan_selectors.years_in_use(workspace)
    return FilterBar(
        request,
        [
            Choice("rows", "Rows", DIMENSIONS.items(), default="node"),
            Choice(
                "depth",
                "Node depth",
                [(str(d), "Plans" if d == 0 else f"Level {d}") for d in range(depth + 1)],
                default="1",
            ),
            Choice("columns", "Columns", DIMENSIONS.items(), blank="No columns"),
            Choice("measure", "Cells show", MEASURES.items(), default="actual"),
            Choice("year", "Fiscal year", [(str(y), f"FY{y}") for y in years], blank="All years"),
            scope.choice,
        ],
        keep=("sort", "cols", "per_page"),
        html_id="report-filters",
    )


def _report(request) -> tuple[FilterBar, Report, TeamScope]:
    """The report the filters ask for: by default a member of teams (not an admin) sees
    the money of their teams (``scope.team_filter``)."""
    scope = team_filter(request)
    bar = _bar(request, scope)
    values = bar.values
    if values["columns"] == values["rows"]:
        bar.errors["columns"] = "must differ from rows; no columns shown"
        values["columns"] = ""
    year = int(values["year"]) if values["year"] else None
    found = plan_report(
        request.workspace,
        rows=values["rows"],
        columns=values["columns"],
        depth=int(values["depth"]),
        fiscal_year=year,
        team_ids=scope.team_ids(request.workspace),
    )
    return bar, found, scope


def _table(request, found: Report, measure: str) -> Table:
    currency = request.workspace.currency

    def measure_column(key: str, text: str, shown: str) -> Column:
        if shown == "used":
            return Column(key, text, format="percent", sortable=True)
        return money_column(key, text, currency, sortable=True)

    label = Column(
        "label",
        DIMENSIONS[found.rows_by],
        sortable=True,
        href=lambda r: reverse("plan-node", args=[r["node"]]) if r["node"] else None,
    )

    def item(label: str, node_id, cells: dict, total) -> dict:
        found_item = {"label": label, "node": node_id}
        if found.columns_by:
            for index, (key, _) in enumerate(found.columns):
                cell = cells.get(key)
                found_item[f"c{index}"] = cell.value(measure) if cell else None
            found_item["total"] = total.value(measure)
        else:
            found_item |= total.as_dict()
        return found_item

    rows = [
        {"position": position, **item(row.label, row.node_id, row.cells, row.total)}
        for position, row in enumerate(found.rows)
    ]
    # the report's totals: every amount once, not the sum of rows shown on a page
    totals = item("Total", None, found.column_totals, found.total) if found.rows else None
    if found.columns_by:
        columns = [label]
        columns += [
            measure_column(f"c{i}", text, measure) for i, (_, text) in enumerate(found.columns)
        ]
        columns.append(measure_column("total", "Total", measure))
    else:
        columns = [label] + [measure_column(key, text, key) for key, text in MEASURES.items()]
    return Table(
        request,
        rows,
        columns,
        default_sort="position",
        per_page=100,
        caption=f"Plan money by {DIMENSIONS[found.rows_by].lower()}",
        empty_title="No money planned, committed or spent yet.",
        empty_hint="Plan budget lines on the plan's nodes, or link campaigns with spend.",
        html_id="plan-report",
        footer=totals,
    )


CHART_ROWS = 20
CHART_LABEL = 22  # characters of a bar's label (the table below has the whole name)


def _short(label: str) -> str:
    """A bar's label cut to ``CHART_LABEL`` characters: the chart gives labels a fixed
    share of its width, and a long node name was cut at its start at 390 px."""
    return label if len(label) <= CHART_LABEL else label[: CHART_LABEL - 1].rstrip() + "…"


def _chart(request, found: Report) -> dict | None:
    """Planned against actual for the report's first ``CHART_ROWS`` rows, as the table
    orders them (horizontal bars: labels stay readable at any width)."""
    rows = found.rows[:CHART_ROWS]
    if not rows:
        return None
    return chart(
        "bar",
        [_short(row.label) for row in rows],
        [
            Series("Planned", [float(row.total.planned) for row in rows]),
            Series("Actual", [float(row.total.actual) for row in rows]),
        ],
        y="money",
        currency=request.workspace.currency,
        horizontal=True,
    )


@page("budgets.view")
def report(request):
    bar, found, scope = _report(request)
    measure = bar.values["measure"]
    query = request.GET.urlencode()
    context = {
        "bar": bar,
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "report": found,
        "chart": _chart(request, found),
        "chart_caption": f"Planned and actual by {DIMENSIONS[found.rows_by].lower()}"
        + (f": the first {CHART_ROWS} rows of the table" if len(found.rows) > CHART_ROWS else ""),
        "table": _table(request, found, measure),
        "measure_label": MEASURES[measure],
        "csv_href": reverse("plan-report-csv") + (f"?{query}" if query else ""),
        "xlsx_href": reverse("plan-report-xlsx") + (f"?{query}" if query else ""),
    }
    return render(request, "planning/report.html", context)


def _filename(found: Report, extension: str) -> str:
    name = f"plan-by-{found.rows_by}" + (f"-and-{found.columns_by}" if found.columns_by else "")
    return f"{name}.{extension}"


@page("budgets.view")
def export_csv(request):
    bar, found, _ = _report(request)
    header, body = table_rows(found, bar.values["measure"])
    # labels escaped against formulas, numbers plain (negatives too)
    response = StreamingHttpResponse(
        csv_lines(header, body), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(found, "csv")}"'
    return response


@page("budgets.view")
def export_xlsx(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bar, found, scope = _report(request)
    measure = bar.values["measure"]
    header, body = table_rows(found, measure)
    book = Workbook()
    sheet = book.active
    sheet.title = "Plan report"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    used_columns = set(range(1, len(header))) if found.columns_by and measure == "used" else set()
    if not found.columns_by:
        used_columns = {header.index(MEASURES["used"])}
    for number, row in enumerate(body, start=2):
        for index, value in enumerate(row):
            cell = sheet.cell(row=number, column=index + 1, value=value)
            if index == 0:
                cell.data_type = "s"  # a label is text, never a formula
            elif value is not None:
                cell.number_format = "0.0%" if index in used_columns else "#,##0.00"
    for cell in sheet[len(body) + 1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(found, "xlsx")}"'
    return response
