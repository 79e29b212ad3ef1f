"""The monthly close: closing a month makes its figures final (budget lines of the month,
spend, purchase orders, invoices dated in it, and transfers between its lines are then
refused with the reason); an admin may reopen it. Both are audited."""

from collections.abc import Mapping
from datetime import date

from django.db import transaction

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.planning.models import ClosedMonth


def first_of_month(value, field: str = "month") -> date:
    """A month as its first day, from a date or ``YYYY-MM`` text."""
    if isinstance(value, date):
        return value.replace(day=1)
    if isinstance(value, str) and len(value) == 7:
        try:
            return date.fromisoformat(value + "-01")
        except ValueError:
            pass
    raise ValidationFailed({field: "must be a month such as 2026-03"})


def closed_errors(workspace: Workspace, days: Mapping[str, date | None]) -> dict[str, str]:
    """``{field: reason}`` for each of ``days`` (field → a date) in a closed month."""
    months = {field: day.replace(day=1) for field, day in days.items() if isinstance(day, date)}
    if not months:
        return {}
    closed = set(
        ClosedMonth.objects.filter(workspace=workspace, month__in=set(months.values())).values_list(
            "month", flat=True
        )
    )
    return {
        field: f"{month:%Y-%m} is closed: an admin must reopen it before changes dated in it"
        for field, month in months.items()
        if month in closed
    }


def refuse_closed(workspace: Workspace, days: Mapping[str, date | None]) -> None:
    errors = closed_errors(workspace, days)
    if errors:
        raise ValidationFailed(errors)


def closed_months(workspace: Workspace) -> dict[date, ClosedMonth]:
    rows = ClosedMonth.objects.filter(workspace=workspace).select_related("closed_by")
    return {row.month: row for row in rows}


@transaction.atomic
def close_month(workspace: Workspace, month, *, figures: dict | None = None, actor=None):
    """Close ``month``; ``figures`` (the close report's row) go into the audit entry."""
    month = first_of_month(month)
    if ClosedMonth.objects.filter(workspace=workspace, month=month).exists():
        raise ValidationFailed({"month": f"{month:%Y-%m} is closed already"})
    closed = ClosedMonth.objects.create(
        workspace=workspace, month=month, closed_by=actor, closed_at=clock.now()
    )
    after = {"month": f"{month:%Y-%m}", **{k: f"{v:.2f}" for k, v in (figures or {}).items()}}
    audit.record(workspace, "budget.month_close", closed, actor=actor, after=after)
    return closed


@transaction.atomic
def reopen_month(workspace: Workspace, month, reason, *, actor=None) -> None:
    """Reopen a closed month (the permission gate lets only admins), with a reason."""
    month = first_of_month(month)
    errors: dict[str, str] = {}

    reason = check_text(errors, "reason", reason, 500, required=True)
    closed = ClosedMonth.objects.select_for_update().filter(workspace=workspace, month=month)
    found = closed.first()
    if found is None:
        errors["month"] = f"{month:%Y-%m} is not closed"
    if errors:
        raise ValidationFailed(errors)
    audit.record(
        workspace,
        "budget.month_reopen",
        found,
        actor=actor,
        before={"month": f"{month:%Y-%m}"},
        after={"reason": reason},
    )
    found.delete()
