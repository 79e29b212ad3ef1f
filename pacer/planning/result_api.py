"""Results against spend over the REST API (under ``/api/plans/``): every plan node's
results with the portfolio's call, the agency scorecards, and the variance alerts raised,
as the results, scorecards and node pages show them. Money spent as decimal strings;
what the attribution model credits (conversions, revenue) as numbers."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.db.models import Q
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from pacer.analytics.journeys import JourneyError
from pacer.core import clock
from pacer.core.api_schema import ERRORS, MAX_OFFSET, Day, Id, Number, check_order
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import endpoint
from pacer.metrics.labels import MODEL_LABELS
from pacer.planning import results, scope
from pacer.planning.alerts import raised_alerts
from pacer.planning.budget_actions import cents
from pacer.planning.close_actions import first_of_month
from pacer.planning.models import VarianceAlert
from pacer.planning.plan_api import Month, PlanTeamQuery
from pacer.warehouse.sync import default_store

router = Router(tags=["plans"])


class PlanResultsQuery(PlanTeamQuery):
    start: Day = Field(examples=["2026-01-01"])
    end: Day = Field(examples=["2026-03-31"], description="inclusive")
    model: Literal[tuple(MODEL_LABELS)] = Field(
        results.DEFAULT_MODEL, description="the attribution model that credits revenue"
    )

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end, info):
        return check_order(info.data.get("start"), end, "start")


class PlanOutcomeOut(Schema):
    spend: Decimal = Field(description="spend of the linked campaigns (workspace currency)")
    leads: float
    customers: float = Field(description="new customers acquired")
    revenue: float = Field(description="what the acquired customers bought")
    conversions: float = Field(description="conversions the model credits")
    attributed: float = Field(description="revenue the model credits")
    cac: Number = Field(description="spend / customers; null without customers")
    romi: Number = Field(description="(attributed - spend) / spend; null without spend")
    predicted_clv: Number = Field(description="the acquired customers' predicted CLV")
    clv_romi: Number = Field(description="(predicted CLV - spend) / spend")


class NodeResultOut(Schema):
    node: int
    parent: int | None
    name: str
    depth: int
    context: bool = Field(
        description="another team's node, shown only to place the chosen teams' nodes "
        "(its own results left out)"
    )
    own: PlanOutcomeOut = Field(description="the node's linked campaign")
    total: PlanOutcomeOut = Field(description="the node and everything under it")


class PortfolioCallOut(Schema):
    node: int
    call: Literal["scale", "keep", "stop"]
    why: str
    romi_low: Number = Field(description="the 95% interval of ROMI; null without conversions")
    romi_high: Number


class PlanResultsOut(Schema):
    model: str
    start: date
    end: date
    problem: str = Field(description="why attributed figures are missing; empty when none")
    model_total: float = Field(
        description="revenue the model credits in the range to every campaign and channel, "
        "in the plan or not (the rows' attributed revenue is the plan's share of it)"
    )
    rows: list[NodeResultOut] = Field(description="in tree order")
    portfolio: list[PortfolioCallOut] = Field(description="nodes with a campaign, best ROMI first")


def _outcome(outcome: results.Outcome) -> dict:
    fields = ("spend", "leads", "customers", "revenue", "conversions", "attributed")
    derived = ("cac", "romi", "predicted_clv", "clv_romi")
    return {
        **{name: getattr(outcome, name) for name in (*fields, *derived)},
        "spend": cents(outcome.spend),
    }


def _results(request, query: PlanResultsQuery) -> results.Results:
    team_ids = scope.reader_team_ids(request, query.team)
    try:
        return results.node_results(
            request.workspace,
            default_store(),
            start=query.start,
            end=query.end,
            model=query.model,
            node_ids=None
            if team_ids is None
            else scope.nodes_of_teams(request.workspace, team_ids),
        )
    except JourneyError as error:
        field, _, reason = str(error).partition(": ")
        raise ValidationFailed({field: reason}) from None


@router.get("/results", response={200: PlanResultsOut, **ERRORS})
@endpoint("budgets.view")
def node_results(request, query: Query[PlanResultsQuery]):
    """Every plan node's results from ``start`` to ``end`` under ``model``: of the teams
    ``team`` names (by default a member's own teams, as on the page) with the ancestors
    that place them; and the portfolio's scale / keep / stop call per campaign."""
    found = _results(request, query)
    rows = [
        {
            "node": item.node.pk,
            "parent": item.node.parent_id,
            "name": item.node.name,
            "depth": item.depth,
            "context": item.context,
            "own": _outcome(item.own),
            "total": _outcome(item.total),
        }
        for item in found.rows
    ]
    calls = [
        {
            "node": row.node.pk,
            "call": row.call,
            "why": row.why,
            "romi_low": row.interval[0] if row.interval else None,
            "romi_high": row.interval[1] if row.interval else None,
        }
        for row in results.portfolio(found)
    ]
    return {
        "model": found.model,
        "start": found.start,
        "end": found.end,
        "problem": found.problem,
        "model_total": found.model_total,
        "rows": rows,
        "portfolio": calls,
    }


class VendorScorecardOut(Schema):
    vendor: int
    name: str
    kind: str
    committed: Decimal = Field(
        description="an open order its amount, a closed one what was invoiced on it "
        "(workspace currency)"
    )
    invoiced: Decimal
    results: PlanOutcomeOut = Field(description="of the plan nodes its orders are for")
    on_time: int = Field(description="orders invoiced in full by the end of the next month")
    late: int
    not_due: int
    on_time_rate: Number = Field(description="on_time / (on_time + late); null with none due")


@router.get("/scorecards", response={200: list[VendorScorecardOut], **ERRORS})
@endpoint("budgets.view")
def scorecards(request, query: Query[PlanResultsQuery]):
    """Each vendor's scorecard (as on the agency scorecards page): money committed and
    invoiced on the orders against the lines of the teams ``team`` names, the results of
    the nodes those orders are for from ``start`` to ``end`` under ``model``, delivery."""
    found = _results(request, query)
    lines = scope.team_lines(
        request.workspace, scope.reader_team_ids(request, query.team), "line__"
    )
    today = timezone.localdate(clock.now())
    return [
        {
            "vendor": card.vendor_id,
            "name": card.name,
            "kind": card.kind,
            "committed": cents(card.committed),
            "invoiced": cents(card.invoiced),
            "results": _outcome(card.outcome),
            "on_time": card.on_time,
            "late": card.late,
            "not_due": card.not_due,
            "on_time_rate": card.on_time_rate,
        }
        for card in results.scorecards(request.workspace, found, today, lines)
    ]


class RaisedAlertsQuery(PlanTeamQuery):
    node: Id | None = Field(None, description="only the alerts on this node's own lines")
    kind: Literal[("", *VarianceAlert.Kind.values)] = ""
    month: Month | None = Field(None, description="only alerts on lines of this month")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RaisedAlertOut(Schema):
    id: int
    node: int
    line: int
    month: str = Field(description="the line's month, YYYY-MM")
    kind: str
    message: str
    owner: int | None = Field(description="the user it was sent to")
    raised_on: date


@router.get("/alerts", response={200: list[RaisedAlertOut], **ERRORS})
@endpoint("budgets.view")
def list_alerts(request, query: Query[RaisedAlertsQuery]):
    """The variance alerts raised (each once, sent to the owner), newest first, on the
    lines of the teams ``team`` names: of a ``node``'s own lines, of a ``kind``, of a
    ``month``."""
    lines = scope.team_lines(
        request.workspace, scope.reader_team_ids(request, query.team), "line__"
    )
    found = raised_alerts(
        request.workspace,
        node_id=query.node,
        kind=query.kind,
        month=first_of_month(query.month) if query.month else None,
    ).filter(lines or Q())
    return [
        {
            "id": alert.pk,
            "node": alert.node_id,
            "line": alert.line_id,
            "month": f"{alert.month:%Y-%m}",
            "kind": alert.kind,
            "message": alert.message,
            "owner": alert.owner_id,
            "raised_on": alert.raised_on,
        }
        for alert in found[query.offset : query.offset + query.limit]
    ]
