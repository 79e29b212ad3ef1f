"""Plans, budget lines, transfers, rates, vendors, purchase orders and invoices over the
REST API. Money goes in and out as decimal strings (never floats)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    NOT_FOUND,
    Channel,
    Day,
    Id,
    Money,
    check_order,
    text,
)
from pacer.core.errors import FIRST_DAY, LAST_DAY, NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.planning import (
    budget_actions,
    plan_actions,
    plan_selectors,
    report,
    scope,
)
from pacer.planning.models import PlanNode
from pacer.planning.plan_actions import ancestors
from pacer.planning.rollups import tree
from pacer.planning.scope import label_teams

router = Router(tags=["plans"])

MAX_LINE_ROWS = 5000
Currency = text(3, min_length=3, pattern=r"^[A-Za-z]{3}$")
Month = text(7, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-03"])


class PlanTeamQuery(Schema):
    team: text(40) = Field(
        "",
        description="whose money: mine (the default for a member of teams who is not an "
        "admin: their teams'), all (the default otherwise), or a team's key",
    )


class NodeIn(Schema):
    kind: Literal[tuple(PlanNode.Kind.values)] = Field(examples=["program"])
    name: text(200, min_length=1)
    fiscal_year: int = Field(ge=FIRST_DAY.year, le=LAST_DAY.year, examples=[2026])
    period: text(20) = ""
    owner: Id | None = Field(None, description="a member's user id")
    team: text(40) = Field("", description="the key of a team (see /api/teams); none: no team")
    channels: list[Channel] = Field([], max_length=plan_actions.MAX_LIST)
    locations: list[text(40)] = Field([], max_length=plan_actions.MAX_LIST)
    starts_on: Day | None = None
    ends_on: Day | None = None
    objective: text(2000) = ""
    target_kpis: dict[text(40, min_length=1), Decimal] = Field(
        {}, max_length=plan_actions.MAX_KPIS, description="KPI name -> target"
    )
    campaign: text(200) = Field("", description="the key of a campaign to link")

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, ends_on, info):
        return check_order(info.data.get("starts_on"), ends_on, "starts_on")

    @field_validator("target_kpis")
    @classmethod
    def _finite(cls, targets):
        for name, value in targets.items():
            if not value.is_finite() or abs(value) >= Decimal(10) ** 12:
                raise ValueError(f"{name}: must be a finite number below 10^12")
        return targets


class NodeCreateIn(NodeIn):
    parent: Id | None = Field(None, description="the parent node's id; none for a plan")


class PlanFiguresOut(Schema):
    planned: Decimal
    committed: Decimal
    invoiced: Decimal
    actual: Decimal
    unplanned: Decimal = Field(description="actual spend that no budget line matched")


class NodeOut(Schema):
    id: int
    parent: int | None
    kind: str
    name: str
    fiscal_year: int
    period: str
    owner: int | None
    team: str = Field(description="the key of the node's team; empty for none")
    channels: list[str]
    locations: list[str]
    starts_on: date | None
    ends_on: date | None
    objective: str
    target_kpis: dict[str, str]
    campaign: str
    allocation: Decimal | None
    depth: int
    context: bool = Field(
        description="another team's node, shown only to place the chosen teams' nodes"
    )
    totals: PlanFiguresOut = Field(description="this node and everything under it")


class VarianceAlertOut(Schema):
    kind: str
    message: str


class NodeDetailOut(NodeOut):
    alerts: list[VarianceAlertOut]


class NodeMoveIn(Schema):
    parent: Id | None = Field(None, description="the new parent; none for the top level")


class EnvelopesIn(Schema):
    children: dict[Id, Money] = Field(
        {}, description="child node id -> its envelope (workspace currency); others kept"
    )
    envelope: Money | None = Field(None, description="a top-level plan's own; none: kept")


def _node_out(row) -> dict:
    node = row.node
    return {
        "id": node.pk,
        "parent": node.parent_id,
        "kind": node.kind,
        "name": node.name,
        "fiscal_year": node.fiscal_year,
        "period": node.period,
        "owner": node.owner_id,
        "team": node.team_key,
        "channels": node.channels,
        "locations": node.locations,
        "starts_on": node.starts_on,
        "ends_on": node.ends_on,
        "objective": node.objective,
        "target_kpis": node.target_kpis,
        "campaign": node.campaign.key if node.campaign_id else "",
        "allocation": node.allocation,
        "depth": row.depth,
        "context": row.context,
        "totals": vars(row.total),
    }


def _one(request, node: PlanNode) -> dict:
    """A node's answer: its subtree's totals, its depth in the whole tree."""
    row = tree(request.workspace, node.pk)[0]
    label_teams(request.workspace, [row.node])
    return {**_node_out(row), "depth": len(ancestors(node))}


def _node(request, node_id: int) -> PlanNode:
    found = plan_selectors.node(request.workspace, node_id)
    if found is None:
        raise NotFound("node_id", "no such node in this workspace")
    return found


def _values(payload: NodeIn) -> dict:
    values = payload.dict()
    values["target_kpis"] = {k: str(v) for k, v in payload.target_kpis.items()}
    return values


@router.get("/nodes", response={200: list[NodeOut], **ERRORS})
@endpoint("plans.view")
def list_nodes(request, query: Query[PlanTeamQuery]):
    """The nodes in tree order with their rolled-up figures (workspace currency): of the
    teams ``team`` names (by default a member's own teams, as on the plan tree), with the
    ancestors that place them (``context``), every figure counting those teams' money."""
    rows = tree(request.workspace, team_ids=scope.reader_team_ids(request, query.team))
    label_teams(request.workspace, [row.node for row in rows])
    return [_node_out(row) for row in rows]


@router.post("/nodes", response={201: NodeOut, **ERRORS, **BODY_ERRORS})
@endpoint("plans.manage")
def create_node(request, payload: NodeCreateIn):
    node = plan_actions.create_node(
        request.workspace, _values(payload), parent_id=payload.parent, actor=request.user
    )
    return Status(201, _one(request, node))


@router.get("/nodes/{node_id}", response={200: NodeDetailOut, **ERRORS, **NOT_FOUND})
@endpoint("plans.view")
def get_node(request, node_id: Id):
    """A node with its subtree's figures and its variance alerts today."""
    node = _node(request, node_id)
    found = plan_selectors.alerts(request.workspace, node.pk, date.today())
    return {**_one(request, node), "alerts": [vars(a) for a in found]}


@router.put("/nodes/{node_id}", response={200: NodeOut, **ERRORS, **NOT_FOUND, **BODY_ERRORS})
@endpoint("plans.manage")
def update_node(request, node_id: Id, payload: NodeIn):
    node = plan_actions.update_node(_node(request, node_id), _values(payload), actor=request.user)
    return _one(request, node)


@router.post("/nodes/{node_id}/move", response={200: NodeOut, **ERRORS, **NOT_FOUND, **BODY_ERRORS})
@endpoint("plans.manage")
def move_node(request, node_id: Id, payload: NodeMoveIn):
    node = plan_actions.move_node(_node(request, node_id), payload.parent, actor=request.user)
    return _one(request, node)


@router.delete("/nodes/{node_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("plans.manage")
def delete_node(request, node_id: Id):
    """Delete a node planned by mistake (audited). Refused (422 naming ``node``, with
    what it has and how many) while it has child nodes, budget lines, purchase orders
    or spend of its linked campaign."""
    plan_actions.delete_node(_node(request, node_id), actor=request.user)
    return Status(204, None)


@router.post(
    "/nodes/{node_id}/envelopes",
    response={200: list[NodeOut], **ERRORS, **NOT_FOUND, **BODY_ERRORS},
)
@endpoint("budgets.manage")
def set_envelopes(request, node_id: Id, payload: EnvelopesIn):
    """Allocate top-down: the children's envelopes, and a top-level plan's own, all or
    nothing; together they may not exceed the node's envelope. Returns the node and its
    children."""
    node = _node(request, node_id)
    try:
        plan_actions.set_envelopes(
            node, dict(payload.children), envelope=payload.envelope, actor=request.user
        )
    except ValidationFailed as error:  # named as the body names them
        raise ValidationFailed(
            {k.replace("allocations", "children", 1): v for k, v in error.errors.items()}
        ) from None
    rows = [row for row in tree(request.workspace, node.pk) if row.depth <= 1]
    label_teams(request.workspace, [row.node for row in rows])
    return [_node_out(row) for row in rows]


class BudgetLineIn(Schema):
    node: Id
    month: Month
    channel: Channel
    team: text(40) = Field("", description="the key of a team (see /api/teams); none: the node's")
    location: text(40) = Field("", description="a location code")
    currency: Currency | Literal[""] = Field("", description="defaults to the workspace's")
    amount: Money = Field(examples=["12500.00"])


class BudgetLinesIn(Schema):
    rows: list[BudgetLineIn] = Field(min_length=1, max_length=MAX_LINE_ROWS)


class BudgetLinesPlanned(Schema):
    created: int
    updated: int = Field(description="lines planned before whose amount was replaced")


class BudgetLineOut(Schema):
    id: int
    node: int
    month: date
    channel: str
    team: str = Field(description="the key of the line's team; empty: the node's team counts")
    location: str
    currency: str
    amount: Decimal
    fx_rate: Decimal
    amount_base: Decimal = Field(description="in the workspace currency")


def _line_out(line, keys: dict[int, str]) -> dict:
    return {
        **{f: getattr(line, f) for f in BudgetLineOut.model_fields if f not in ("node", "team")},
        "node": line.node_id,
        "team": keys.get(line.team_id, ""),
    }


class LinesQuery(PlanTeamQuery):
    node: Id | None = Field(None, description="only this node's lines")


@router.get("/lines", response={200: list[BudgetLineOut], **ERRORS})
@endpoint("budgets.view")
def list_lines(request, query: Query[LinesQuery]):
    """Budget lines of the teams ``team`` names (a line's own team, else its node's)."""
    keys = plan_selectors.team_keys(request.workspace)
    found = plan_selectors.lines(request.workspace, query.node).order_by("id")
    shown = scope.team_lines(request.workspace, scope.reader_team_ids(request, query.team))
    return [_line_out(x, keys) for x in (found if shown is None else found.filter(shown))]


@router.post("/lines", response={201: BudgetLinesPlanned, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.manage")
def plan_lines(request, payload: BudgetLinesIn):
    """Set budget lines, all or none; idempotent: one amount per key (node, month,
    channel, team, location), a row for a planned key replaces its amount."""
    rows = [row.dict() for row in payload.rows]
    return Status(201, budget_actions.plan_lines(request.workspace, rows, actor=request.user))


@router.delete("/lines/{line_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("budgets.manage")
def delete_line(request, line_id: Id):
    """Remove a budget line planned by mistake (audited, the node's figures updated).
    Refused (422 naming ``line``) in a closed month, or while a purchase order or a
    transfer refers to it; to plan nothing on a key kept for them, set its amount to 0."""
    found = plan_selectors.line(request.workspace, line_id)
    if found is None:
        raise NotFound("line_id", "no such budget line in this workspace")
    budget_actions.delete_line(found, actor=request.user)
    return Status(204, None)


class TransferIn(Schema):
    source: Id
    target: Id
    amount: Money = Field(description="in the workspace currency")
    reason: text(500, min_length=1)


class TransferOut(Schema):
    id: int
    source: int
    target: int
    amount: Decimal
    reason: str
    status: str
    requested_by: int | None
    decided_by: int | None


class TransferDecisionIn(Schema):
    approve: bool


def _transfer_out(transfer) -> dict:
    return {
        "id": transfer.pk,
        "source": transfer.source_id,
        "target": transfer.target_id,
        "amount": transfer.amount,
        "reason": transfer.reason,
        "status": transfer.status,
        "requested_by": transfer.requested_by_id,
        "decided_by": transfer.decided_by_id,
    }


@router.get("/transfers", response={200: list[TransferOut], **ERRORS})
@endpoint("budgets.view")
def list_transfers(request, query: Query[PlanTeamQuery]):
    """The last 1,000 transfers from or to a line of the teams ``team`` names."""
    workspace = request.workspace
    found = plan_selectors.transfers(workspace)
    team_ids = scope.reader_team_ids(request, query.team)
    if team_ids is not None:
        found = found.filter(
            scope.team_lines(workspace, team_ids, "source__")
            | scope.team_lines(workspace, team_ids, "target__")
        )
    return [_transfer_out(t) for t in found[:1000]]


@router.post("/transfers", response={201: TransferOut, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.manage")
def request_transfer(request, payload: TransferIn):
    """Move money between lines: applied at once up to the workspace's threshold,
    pending an approver above it."""
    transfer = budget_actions.request_transfer(
        request.workspace,
        payload.source,
        payload.target,
        payload.amount,
        payload.reason,
        actor=request.user,
    )
    return Status(201, _transfer_out(transfer))


@router.post(
    "/transfers/{transfer_id}/decision",
    response={200: TransferOut, **ERRORS, **NOT_FOUND, **BODY_ERRORS},
)
@endpoint("budgets.approve")
def decide_transfer(request, transfer_id: Id, payload: TransferDecisionIn):
    """Approve or reject a pending transfer (not one you requested)."""
    found = plan_selectors.transfer(request.workspace, transfer_id)
    if found is None:
        raise NotFound("transfer_id", "no such transfer in this workspace")
    decided = budget_actions.decide_transfer(found, payload.approve, actor=request.user)
    return _transfer_out(decided)


class FxRateIn(Schema):
    currency: Currency
    day: Day
    rate: Decimal = Field(gt=0, lt=budget_actions.MAX_RATE, allow_inf_nan=False)


class FxRateOut(Schema):
    currency: str
    day: date
    rate: Decimal


@router.post("/rates", response={201: FxRateOut, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.manage")
def set_rate(request, payload: FxRateIn):
    """What one unit of ``currency`` is worth in the workspace currency from ``day`` on."""
    found = budget_actions.set_rate(
        request.workspace, payload.currency, payload.day, payload.rate, actor=request.user
    )
    return Status(201, found)


class RatesQuery(Schema):
    currency: Currency | None = Field(None, description="only this currency")
    on: Day | None = Field(
        None, description="each currency's rate in force on this day (its latest on or before)"
    )


@router.get("/rates", response={200: list[FxRateOut], **ERRORS})
@endpoint("budgets.view")
def list_rates(request, query: Query[RatesQuery]):
    """The recorded rates, by currency and newest day first; with ``on``, one per currency."""
    found = plan_selectors.rates(request.workspace)
    if query.currency:
        found = found.filter(currency=query.currency.upper())
    if query.on is None:
        return list(found)
    found, seen = found.filter(day__lte=query.on), set()
    return [rate for rate in found if rate.currency not in seen and not seen.add(rate.currency)]


class ThresholdIn(Schema):
    approval_threshold: Money = Field(
        description="transfers of more than this (workspace currency) wait for an approver"
    )


class ThresholdOut(Schema):
    approval_threshold: Decimal
    currency: str


def _threshold_out(request, settings) -> dict:
    """In cents always (a workspace's settings made just now hold the default, 10000)."""
    amount = budget_actions.cents(Decimal(settings.approval_threshold))
    return {"approval_threshold": amount, "currency": request.workspace.currency}


@router.get("/approval-threshold", response={200: ThresholdOut, **ERRORS})
@endpoint("budgets.view")
def get_threshold(request):
    """The amount above which a transfer waits for an approver."""
    return _threshold_out(request, budget_actions.planning_settings(request.workspace))


@router.put("/approval-threshold", response={200: ThresholdOut, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.approve")
def set_threshold(request, payload: ThresholdIn):
    """Set it (who may approve transfers may: ``budgets.approve``)."""
    found = budget_actions.set_threshold(
        request.workspace, payload.approval_threshold, actor=request.user
    )
    return _threshold_out(request, found)


class ReportQuery(PlanTeamQuery):
    rows: Literal[tuple(report.DIMENSIONS)] = Field("node", description="what each row is")
    columns: Literal[("", *report.DIMENSIONS)] = Field("", description="what each column is")
    depth: int = Field(1, ge=0, le=report.MAX_DEPTH, description="node rows' depth (0: plans)")
    year: int | None = Field(
        None, ge=FIRST_DAY.year, le=LAST_DAY.year, description="only nodes of this fiscal year"
    )


class ReportMoneyOut(Schema):
    planned: Decimal
    committed: Decimal
    invoiced: Decimal
    actual: Decimal
    variance: Decimal = Field(description="actual - planned; above 0 is overspend")
    used: Decimal | None = Field(description="actual / planned; null with nothing planned")


class ReportCellOut(ReportMoneyOut):
    column: str


class ReportRowOut(ReportMoneyOut):
    key: str
    label: str
    node: int | None = Field(description="the node a node row stands for")
    cells: list[ReportCellOut] = Field(description="per column value, when columns are asked")


class ReportColumnOut(Schema):
    key: str
    label: str


class ReportOut(Schema):
    rows_by: str
    columns_by: str
    columns: list[ReportColumnOut]
    rows: list[ReportRowOut]
    total: ReportMoneyOut = Field(description="the plan tree's totals (every amount once)")


@router.get("/report", response={200: ReportOut, **ERRORS})
@endpoint("budgets.view")
def plan_report(request, query: Query[ReportQuery]):
    """Planned, committed, invoiced and actual money by ``rows`` (and ``columns``): plan
    node at ``depth``, channel, team, location, vendor, month, quarter or fiscal year, of
    the teams ``team`` names (by default a member's own teams, as on the page). Every
    amount counts once: with every team's money the total is the plan tree's root
    totals."""
    if query.columns and query.columns == query.rows:
        raise ValidationFailed({"columns": "must differ from rows"})
    found = report.plan_report(
        request.workspace,
        rows=query.rows,
        columns=query.columns,
        depth=query.depth,
        fiscal_year=query.year,
        team_ids=scope.reader_team_ids(request, query.team),
    )
    rows = [
        {
            "key": row.key,
            "label": row.label,
            "node": row.node_id,
            **row.total.as_dict(),
            "cells": [
                {"column": key, **row.cells[key].as_dict()}
                for key, _ in found.columns
                if key in row.cells
            ],
        }
        for row in found.rows
    ]
    return {
        "rows_by": found.rows_by,
        "columns_by": found.columns_by,
        "columns": [{"key": key, "label": label} for key, label in found.columns],
        "rows": rows,
        "total": found.total.as_dict(),
    }
