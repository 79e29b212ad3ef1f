"""Pages of results against spend: every plan node's results under the chosen
attribution model with the portfolio's calls, and the agency scorecards."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from pacer.analytics.journeys import JourneyError
from pacer.core import clock
from pacer.core.permissions import page
from pacer.metrics.customers import activity_bounds
from pacer.metrics.labels import MODEL_LABELS
from pacer.planning import results as planning_results
from pacer.planning.models import Vendor
from pacer.planning.money import money_column
from pacer.planning.scope import (
    ALL,
    TeamScope,
    kept_team,
    scoped_address,
    team_filter,
    team_lines,
)
from pacer.warehouse.sync import default_store
from pacer.web.filters import Choice, DateRange, FilterBar
from pacer.web.tables import Column, Table

CALL_LABELS = {"scale": "Scale", "keep": "Keep", "stop": "Stop"}


def _results(request, html_id: str, scope: TeamScope | None = None):
    """The filter bar (dates, model, and the team with a ``scope``) and the results (of
    the scope's nodes), or the reason there are none."""
    store = default_store()
    bounds = activity_bounds(store, request.workspace.pk)
    bar = FilterBar(
        request,
        [
            DateRange(label="Dates", data_end=bounds[1] if bounds else None, default="all"),
            Choice(
                "model",
                "Attribution model",
                list(MODEL_LABELS.items()),
                default=planning_results.DEFAULT_MODEL,
            ),
            *([scope.choice] if scope else []),
        ],
        html_id=html_id,
    )
    start, end = bar.values["start"], bar.values["end"]
    if bounds:
        start, end = start or bounds[0], end or bounds[1]
    if start is None or end is None:
        return bar, None, "No data yet: record spend, send events or load the demo, then sync."
    try:
        found = planning_results.node_results(
            request.workspace,
            store,
            start=start,
            end=end,
            model=bar.values["model"],
            node_ids=scope.node_ids(request.workspace) if scope else None,
        )
    except JourneyError as error:
        return bar, None, str(error)
    return bar, found, found.problem


def _portfolio_table(request, found) -> Table:
    rows = []
    for row in planning_results.portfolio(found) if found else []:
        low, high = row.interval or (None, None)
        rows.append(
            {
                "pk": row.node.pk,
                "name": row.node.name,
                "call": row.call,
                "why": row.why,
                "spend": row.outcome.spend,
                "attributed": row.outcome.attributed,
                "romi": row.outcome.romi,
                "low": low,
                "high": high,
                "clv_romi": row.outcome.clv_romi,
            }
        )
    currency = request.workspace.currency
    columns = [
        Column("name", "Campaign", href=lambda r: reverse("plan-node", args=[r["pk"]])),
        Column("call", "Call", labels=CALL_LABELS, sortable=True),
        money_column("spend", "Spend", currency, sortable=True),
        money_column("attributed", "Attributed revenue", currency, sortable=True),
        Column("romi", "ROMI", format="percent", sortable=True),
        Column("low", "ROMI low (95%)", format="percent"),
        Column("high", "ROMI high (95%)", format="percent"),
        Column("clv_romi", "CLV ROMI", format="percent", sortable=True),
        Column("why", "Why"),
    ]
    return Table(
        request,
        rows,
        columns,
        default_sort="-romi",
        prefix="portfolio",
        caption="Campaigns ranked by ROMI with the call the rule makes",
        empty_title="No plan node is linked to a campaign.",
        currency=request.workspace.currency,
        html_id="portfolio",
    )


@page("budgets.view")
def results(request):
    """Every node's results; a member of teams sees their nodes (``scope.team_filter``)
    and the ancestors that place them, whose totals add up those nodes only."""
    scope = team_filter(request)
    bar, found, problem = _results(request, "results-filters", scope)
    context = {
        "bar": bar,
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "kept_team": kept_team(request, scope),
        "found": found,
        "problem": problem,
        "model_label": MODEL_LABELS[bar.values["model"]],
        "portfolio": _portfolio_table(request, found),
        "rule": planning_results,
    }
    return render(request, "planning/results.html", context)


@page("budgets.view")
def scorecards(request):
    """Each vendor's scorecard; a member of teams sees the orders against their teams'
    lines and the results of their nodes (``scope.team_filter``)."""
    scope = team_filter(request)
    bar, found, problem = _results(request, "scorecard-filters", scope)
    today = timezone.localdate(clock.now())
    lines = team_lines(request.workspace, scope.team_ids(request.workspace), "line__")
    team = kept_team(request, scope)
    cards = planning_results.scorecards(request.workspace, found, today, lines) if found else []
    rows = [
        {
            "pk": card.vendor_id,
            "name": card.name,
            "kind": card.kind,
            "committed": card.committed,
            "invoiced": card.invoiced,
            "spend": card.outcome.spend,
            "customers": card.outcome.customers,
            "attributed": card.outcome.attributed,
            "romi": card.outcome.romi,
            "on_time": card.on_time,
            "late": card.late,
            "not_due": card.not_due,
            "on_time_rate": card.on_time_rate,
        }
        for card in cards
    ]
    currency = request.workspace.currency
    columns = [
        Column(
            "name",
            "Vendor",
            sortable=True,
            href=lambda r: scoped_address("vendor", r["pk"], team=team),
        ),
        Column("kind", "Kind", labels=dict(Vendor.Kind.choices)),
        money_column("committed", "Committed", currency, sortable=True),
        money_column("invoiced", "Invoiced", currency, sortable=True),
        money_column("spend", "Campaign spend", currency, sortable=True),
        Column("customers", "New customers", format="count", sortable=True),
        money_column("attributed", "Attributed revenue", currency, sortable=True),
        Column("romi", "ROMI", format="percent", sortable=True),
        Column("on_time", "On time", format="count"),
        Column("late", "Late", format="count"),
        Column("not_due", "Not yet due", format="count", visible=False),
        Column("on_time_rate", "On-time rate", format="percent", sortable=True),
    ]
    table = Table(
        request,
        rows,
        columns,
        default_sort="name",
        caption="Agency and vendor scorecards",
        empty_title="No purchase orders yet.",
        empty_hint="Issue purchase orders to vendors against budget lines to score them.",
        currency=request.workspace.currency,
        html_id="scorecards",
    )
    context = {
        "bar": bar,
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "kept_team": team,
        "problem": problem,
        "table": table,
        "model_label": MODEL_LABELS[bar.values["model"]],
    }
    return render(request, "planning/scorecards.html", context)
