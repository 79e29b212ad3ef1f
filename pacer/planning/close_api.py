"""The monthly close over the REST API (under ``/api/plans/``): a year's months with their
figures, closing a month, and reopening one (admins) with a reason, as on the page.
Money goes in and out as decimal strings."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from pacer.core import clock
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, text
from pacer.core.errors import FIRST_DAY, LAST_DAY
from pacer.core.permissions import endpoint
from pacer.planning import close_actions, scope
from pacer.planning.budget_actions import cents
from pacer.planning.close_selectors import CloseRow, close_report
from pacer.planning.plan_api import Month, PlanTeamQuery
from pacer.web import formats

router = Router(tags=["plans"])


class MonthsQuery(PlanTeamQuery):
    year: int | None = Field(
        None, ge=FIRST_DAY.year, le=LAST_DAY.year, description="the year (default: this one)"
    )


class CloseMonthOut(Schema):
    month: str = Field(description="YYYY-MM", examples=["2026-03"])
    planned: Decimal = Field(description="budget lines of the month")
    committed: Decimal = Field(
        description="orders against the month's lines: an open one its amount, a closed one "
        "what was invoiced on it"
    )
    invoiced: Decimal = Field(description="invoices dated in the month")
    actual: Decimal = Field(description="spend dated in the month")
    accrued: Decimal = Field(
        description="open orders issued by the month's end, not yet invoiced then"
    )
    variance: Decimal = Field(description="actual - planned; above 0 is overspend")
    uncommitted: Decimal = Field(description="planned - committed")
    closed: bool
    closed_by: str = Field(description="who closed it; empty while open")
    closed_at: datetime | None


class MonthReopenIn(Schema):
    reason: text(500, min_length=1) = Field(description="why it is reopened (audited)")


def _out(row: CloseRow) -> dict:
    return {
        "month": f"{row.month:%Y-%m}",
        **{name: cents(value) for name, value in row.figures().items()},
        "uncommitted": cents(row.uncommitted),
        "closed": row.closed,
        "closed_by": row.closed_by,
        "closed_at": row.closed_at,
    }


def _row(request, month: date) -> dict:
    """``month``'s row of every team's money (what a close records)."""
    return _out(close_report(request.workspace, month.year)[month.month - 1])


@router.get("/months", response={200: list[CloseMonthOut], **ERRORS})
@endpoint("budgets.view")
def list_months(request, query: Query[MonthsQuery]):
    """The twelve months of ``year`` with their figures, of the teams ``team`` names (by
    default a member's own teams, as on the page), and whether each is closed (a month
    is closed for the whole workspace)."""
    year = query.year or timezone.localdate(clock.now()).year
    team_ids = scope.reader_team_ids(request, query.team)
    return [_out(row) for row in close_report(request.workspace, year, team_ids)]


@router.post("/months/{month}/close", response={200: CloseMonthOut, **ERRORS, **NOT_FOUND})
@endpoint("budgets.manage")
def close_month(request, month: Month):
    """Close a month: budget lines of it, spend, orders and invoices dated in it, and
    transfers between its lines are then refused. Its figures (every team's) go into the
    audit entry. Refused (422 naming ``month``) when closed already."""
    start = close_actions.first_of_month(month)
    row = close_report(request.workspace, start.year)[start.month - 1]
    closed = close_actions.close_month(
        request.workspace, start, figures=row.figures(), actor=request.user
    )
    row.closed_at, row.closed_by = closed.closed_at, formats.person(closed.closed_by)
    return _out(row)


@router.post(
    "/months/{month}/reopen", response={200: CloseMonthOut, **ERRORS, **NOT_FOUND, **BODY_ERRORS}
)
@endpoint("budgets.approve")
def reopen_month(request, month: Month, payload: MonthReopenIn):
    """Reopen a closed month with a reason (audited). Refused (422 naming ``month``) when
    it is not closed, naming ``reason`` when it is blank."""
    start = close_actions.first_of_month(month)
    close_actions.reopen_month(request.workspace, start, payload.reason, actor=request.user)
    return _row(request, start)
