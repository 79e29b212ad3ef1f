"""Variance alerts to owners: each budget line is checked against its month, with the
workspace's thresholds (``PlanningSettings``):

- **overspend**: spent, invoiced or committed more than planned × (1 + tolerance); lines
  of last month, this month and later months (orders for later months count);
- **underspend**: last month (finished) spent less than planned × ``underspend_below``;
- **pacing**: this month, from day ``PACING_FROM_DAY`` on, spend more than the pacing
  tolerance away from the money planned for the days gone by (pro rata of the month).

Older months and closed months are not checked. Each alert is raised once per line,
month and kind (a unique key: a second run, or a second worker, raises nothing new) and
emailed to the owner of the line's node, else of its nearest ancestor with an owner,
through the staff outbox (``pacer.core.outbox``: queued with the alerts, sent after
COMMIT, retried until the server takes it); every alert shows on its node's page. The
worker's ``planning-variance`` loop runs ``check_all``.
"""

import calendar
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from pacer.core import audit, clock, faults, outbox
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.planning.budget_actions import planning_settings
from pacer.planning.close_actions import closed_months
from pacer.planning.models import BudgetLine, PlanningSettings, PlanNode, VarianceAlert
from pacer.planning.rollups import LineFigures, line_figures

PACING_FROM_DAY = 7  # spend posts late: no pacing alert in a month's first six days
THRESHOLDS = {
    "overspend_tolerance": (Decimal(0), Decimal(1)),
    "underspend_below": (Decimal(0), Decimal(1)),
    "pacing_tolerance": (Decimal("0.01"), Decimal(1)),
}


def _shift(month: date, months: int) -> date:
    number = month.year * 12 + month.month - 1 + months
    return date(number // 12, number % 12 + 1, 1)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def findings(figures: LineFigures, rules: PlanningSettings, today: date) -> list[tuple]:
    """``(kind, message)`` of what one line's figures break on ``today``."""
    line, planned = figures.line, figures.planned
    this_month = today.replace(day=1)
    found = []
    if line.month >= _shift(this_month, -1):
        limit = planned * (1 + rules.overspend_tolerance)
        for name, value in (
            ("spent", figures.actual),
            ("invoiced", figures.invoiced),
            ("committed", figures.committed),
        ):
            if value > limit:
                over = value - planned
                found.append(
                    (
                        "overspend",
                        f"{name} {_money(value)} is {_money(over)} over the plan of "
                        f"{_money(planned)}",
                    )
                )
                break
    if planned <= 0:
        return found
    if line.month == _shift(this_month, -1) and figures.actual < planned * rules.underspend_below:
        share = figures.actual / planned
        found.append(
            (
                "underspend",
                f"spent {_money(figures.actual)} of {_money(planned)} ({share:.0%}) in the month",
            )
        )
    if line.month == this_month and today.day >= PACING_FROM_DAY:
        days = calendar.monthrange(today.year, today.month)[1]
        expected = planned * today.day / days
        pace = figures.actual / expected
        if abs(pace - 1) > rules.pacing_tolerance:
            direction = "ahead of" if pace > 1 else "behind"
            found.append(
                (
                    "pacing",
                    f"spent {_money(figures.actual)} against {_money(expected)} planned to "
                    f"day {today.day} of {days}: {direction} pace ({pace:.0%})",
                )
            )
    return found


def _owners(workspace: Workspace) -> dict[int, int | None]:
    """Each node's owner, else its nearest ancestor's (user ids)."""
    nodes = dict(
        (pk, (parent, owner))
        for pk, parent, owner in PlanNode.objects.filter(workspace=workspace).values_list(
            "pk", "parent_id", "owner_id"
        )
    )
    found: dict[int, int | None] = {}

    def owner(node_id: int) -> int | None:
        if node_id not in found:
            parent, own = nodes[node_id]
            found[node_id] = own or (owner(parent) if parent in nodes else None)
        return found[node_id]

    for node_id in nodes:
        owner(node_id)
    return found


def _raise(workspace: Workspace, line: BudgetLine, kind: str, message: str, owner_id, today):
    """The alert, or None when it was raised before (a unique key)."""
    try:
        with transaction.atomic():
            return VarianceAlert.objects.create(
                workspace=workspace,
                line=line,
                node_id=line.node_id,
                month=line.month,
                kind=kind,
                message=message[:500],
                owner_id=owner_id,
                raised_on=today,
                created_at=clock.now(),
            )
    except IntegrityError:
        return None


def _email(workspace: Workspace, alerts: list[VarianceAlert]) -> None:
    """One email per owner with their new alerts, queued in the alerts' transaction (the
    staff outbox sends it after COMMIT; a rollback takes it away)."""
    by_owner = defaultdict(list)
    for alert in alerts:
        if alert.owner is not None and alert.owner.email:
            by_owner[alert.owner].append(alert)
    for owner, owned in by_owner.items():
        owned.sort(key=lambda a: a.pk)
        lines = "\n".join(
            f"- {a.get_kind_display()}: {a.node.name} · {a.month:%Y-%m} · "
            f"{CHANNELS.get(a.line.channel, a.line.channel)}: {a.message}"
            for a in owned
        )
        outbox.queue(
            workspace,
            key=f"planning.variance:{owner.pk}:{owned[0].pk}",  # the alerts are new: unique
            to=owner.email,
            subject=f"Budget alerts: {len(owned)} of your plan lines need a look",
            body=lines,
            source="planning.alerts",
        )


def check_workspace(workspace: Workspace, today: date) -> list[VarianceAlert]:
    """Raise the alerts due on ``today``; returns the new ones."""
    rules = planning_settings(workspace)
    since = _shift(today.replace(day=1), -1)
    closed = set(closed_months(workspace))
    figures, _ = line_figures(workspace, since=since)
    owners = None
    raised = []
    with transaction.atomic():
        known = set(
            VarianceAlert.objects.filter(workspace=workspace, month__gte=since).values_list(
                "line_id", "kind"
            )
        )
        for line_figures_ in figures.values():
            line = line_figures_.line
            if line.month in closed:
                continue
            for kind, message in findings(line_figures_, rules, today):
                if (line.pk, kind) in known:
                    continue
                owners = owners if owners is not None else _owners(workspace)
                alert = _raise(workspace, line, kind, message, owners.get(line.node_id), today)
                if alert is not None:
                    raised.append(alert)
        if raised:
            ids = [a.pk for a in raised]  # in chunks: SQLite binds at most 250,000
            found = []
            for start in range(0, len(ids), 5000):
                chunk = VarianceAlert.objects.filter(pk__in=ids[start : start + 5000])
                found += chunk.select_related("owner", "node", "line")
            _email(workspace, found)
        faults.point("planning.variance.raised")  # alerts and emails written, before COMMIT
    return raised


def check_all() -> int:
    """Every workspace with budget lines, today (the worker's loop); how many raised."""
    today = timezone.localdate(clock.now())
    ids = BudgetLine.objects.values_list("workspace_id", flat=True).distinct()
    return sum(len(check_workspace(w, today)) for w in Workspace.objects.filter(pk__in=ids))


def node_alerts(workspace: Workspace, node_id: int):
    """The alerts raised on a node's own lines, newest first."""
    return (
        VarianceAlert.objects.filter(workspace=workspace, node_id=node_id)
        .select_related("line", "owner")
        .order_by("-created_at", "-pk")
    )


def raised_alerts(
    workspace: Workspace, *, node_id: int | None = None, kind: str = "", month: date | None = None
):
    """The alerts raised, newest first: on a node's own lines, of a kind, of a month (its
    first day)."""
    found = VarianceAlert.objects.filter(workspace=workspace)
    if node_id is not None:
        found = found.filter(node_id=node_id)
    if kind:
        found = found.filter(kind=kind)
    if month:
        found = found.filter(month=month)
    return found.order_by("-created_at", "-pk")


@transaction.atomic
def set_alert_thresholds(workspace: Workspace, values: dict, *, actor=None) -> PlanningSettings:
    """Set the three thresholds (shares: ``overspend_tolerance`` 0-1,
    ``underspend_below`` 0-1, ``pacing_tolerance`` 0.01-1), all or none."""
    errors, parsed = {}, {}
    for name, (low, high) in THRESHOLDS.items():
        raw = values.get(name)
        try:
            value = Decimal(str(raw).strip()) if raw is not None and str(raw).strip() else None
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite():
            errors[name] = "must be a number such as 0.2 (a share: 0.2 is 20%)"
        elif not low <= value <= high:
            errors[name] = f"must be from {low} to {high} (a share: 0.2 is 20%)"
        elif value != value.quantize(Decimal("0.0001")):
            errors[name] = "must have at most four decimals"
        else:
            parsed[name] = value
    if errors:
        raise ValidationFailed(errors)
    found = PlanningSettings.objects.select_for_update().get(pk=planning_settings(workspace).pk)
    before = {name: str(getattr(found, name)) for name in THRESHOLDS}
    for name, value in parsed.items():
        setattr(found, name, value)
    found.save()
    after = {name: str(value) for name, value in parsed.items()}
    audit.record(
        workspace, "planning.alert_thresholds", found, actor=actor, before=before, after=after
    )
    return found
