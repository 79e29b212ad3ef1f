"""Writes for budgets: exchange rates, budget lines (one per month × node × channel ×
team × location) and transfers between lines, with approval above the workspace's
threshold. Money is ``Decimal`` rounded to cents; a line's workspace-currency amount is
the one every roll-up adds."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet, Sum

from pacer.core import audit, clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import MAX_AMOUNT, FieldError, ValidationFailed, check_day, parse_amount
from pacer.core.models import Workspace
from pacer.people.selectors import locations_by_code
from pacer.planning import summary
from pacer.planning.close_actions import refuse_closed
from pacer.planning.models import (
    BudgetLine,
    BudgetTransfer,
    FxRate,
    Invoice,
    PlanningSettings,
    PlanNode,
    PurchaseOrder,
)
from pacer.teams import selectors as teams

CENT = Decimal("0.01")
MAX_RATE = Decimal("1000000")
MAX_LINES = 5000


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_currency(value, field: str = "currency") -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise FieldError(field, "must be a three-letter ISO 4217 code such as EUR")
    return value.upper()


def planning_settings(workspace: Workspace) -> PlanningSettings:
    found, _ = PlanningSettings.objects.get_or_create(workspace=workspace)
    return found


@transaction.atomic
def set_threshold(workspace: Workspace, amount, *, actor=None) -> PlanningSettings:
    """Transfers of more than ``amount`` (workspace currency) wait for an approver."""
    try:
        value = parse_amount(amount, "approval_threshold")
    except FieldError as error:
        raise ValidationFailed({error.field: error.reason}) from None
    found = PlanningSettings.objects.select_for_update().get(pk=planning_settings(workspace).pk)
    before = {"approval_threshold": str(found.approval_threshold)}
    found.approval_threshold = value
    found.save()
    audit.record(
        workspace,
        "planning.threshold",
        found,
        actor=actor,
        before=before,
        after={"approval_threshold": str(value)},
    )
    return found


@transaction.atomic
def set_rate(workspace: Workspace, currency, day, rate, *, actor=None) -> FxRate:
    """Record what one unit of ``currency`` is worth in the workspace currency from
    ``day`` on (replacing a rate for the same day). Lines already planned keep the rate
    they were converted at."""
    errors = {}
    try:
        currency = check_currency(currency)
        if currency == workspace.currency.upper():
            errors["currency"] = "is the workspace currency (its rate is always 1)"
    except FieldError as error:
        errors[error.field] = error.reason
    try:
        check_day(day, "day")
    except FieldError as error:
        errors[error.field] = error.reason
    try:
        value = Decimal(str(rate).strip())
        if isinstance(rate, bool) or not value.is_finite() or not 0 < value < MAX_RATE:
            raise InvalidOperation
        value = value.quantize(Decimal("0.00000001"))
        if value == 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["rate"] = f"must be a number above 0 and below {MAX_RATE:,} (8 decimals)"
    if errors:
        raise ValidationFailed(errors)
    found, created = FxRate.objects.update_or_create(
        workspace=workspace, currency=currency, day=day, defaults={"rate": value}
    )
    audit.record(workspace, "fx_rate.set", found, actor=actor, after=audit.snapshot(found))
    return found


def rate_on(workspace: Workspace, currency: str, day: date, field: str = "currency") -> Decimal:
    """The rate of ``currency`` on ``day`` (the latest recorded on or before it)."""
    if currency == workspace.currency.upper():
        return Decimal(1)
    found = (
        FxRate.objects.filter(workspace=workspace, currency=currency, day__lte=day)
        .order_by("-day")
        .values_list("rate", flat=True)
        .first()
    )
    if found is None:
        raise FieldError(field, f"no {currency} rate on or before {day}: record one first")
    return found


def to_base(amount: Decimal, rate: Decimal, field: str) -> Decimal:
    value = cents(amount * rate)
    if value > MAX_AMOUNT:
        raise FieldError(field, f"is more than {MAX_AMOUNT:,} in the workspace currency")
    return value


def _month(value, field: str) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value if len(value) > 7 else f"{value}-01")
        except ValueError:
            raise FieldError(field, "must be a month (YYYY-MM)") from None
    check_day(value, field)
    return value.replace(day=1)


def _line(
    workspace: Workspace, row: dict, prefix: str, nodes: dict, codes: dict, team_ids: dict
) -> BudgetLine:
    """A budget line from a row, or ``FieldError`` for its first bad field."""
    node = nodes.get(row.get("node"))
    if node is None:
        raise FieldError(f"{prefix}node", f"no node {str(row.get('node'))[:20]} in this workspace")
    month = _month(row.get("month"), f"{prefix}month")
    channel = row.get("channel")
    if channel not in CHANNELS:
        raise FieldError(f"{prefix}channel", f"'{str(channel)[:40]}' is not a Pacer channel")
    team = row.get("team") or ""
    if not isinstance(team, str) or (team.strip() and team.strip().lower() not in team_ids):
        raise FieldError(f"{prefix}team", f"no team '{str(team)[:40]}' in this workspace")
    location = row.get("location") or ""
    if location and location not in codes:
        raise FieldError(f"{prefix}location", f"no location '{location[:40]}' in this workspace")
    currency = check_currency(row.get("currency") or workspace.currency, f"{prefix}currency")
    amount = parse_amount(row.get("amount"), f"{prefix}amount")
    rate = rate_on(workspace, currency, month, f"{prefix}currency")
    return BudgetLine(
        workspace=workspace,
        node=node,
        month=month,
        channel=channel,
        team_id=team_ids.get(team.strip().lower()),
        location=location,
        currency=currency,
        amount=amount,
        fx_rate=rate,
        amount_base=to_base(amount, rate, f"{prefix}amount"),
    )


def line_key(line: BudgetLine) -> tuple:
    return (line.node_id, line.month, line.channel, line.team_id, line.location)


def committed_base(line_ids: Iterable[int] | QuerySet) -> dict[int, Decimal]:
    """What purchase orders commit on each line (workspace currency): an open order its
    amount, a closed one what was invoiced on it, a cancelled one nothing. ``line_ids``:
    ids, or a query of them (many lines)."""
    committed: dict[int, Decimal] = defaultdict(Decimal)
    open_orders = PurchaseOrder.objects.filter(
        line_id__in=line_ids, status=PurchaseOrder.Status.OPEN
    )
    for row in open_orders.values("line_id").annotate(total=Sum("amount_base")):
        committed[row["line_id"]] += row["total"]
    closed = Invoice.objects.filter(
        order__line_id__in=line_ids, order__status=PurchaseOrder.Status.CLOSED
    )
    for row in closed.values("order__line_id").annotate(total=Sum("amount_base")):
        committed[row["order__line_id"]] += row["total"]
    return dict(committed)


@transaction.atomic
def plan_lines(workspace: Workspace, rows: list[dict], *, actor=None) -> dict[str, int]:
    """Set budget lines (``node`` id, ``month``, ``channel``, ``team`` key, ``location`` code,
    ``currency``, ``amount``), one amount per key: a row for a key planned already
    replaces its amount, so sending the same rows again changes nothing. All or none: one
    bad row, a key repeated in ``rows`` or an amount below what is committed on the line
    refuses the set. Returns ``{"created": n, "updated": n}``."""
    if len(rows) > MAX_LINES:
        raise ValidationFailed({"rows": f"must be at most {MAX_LINES} rows"})
    node_ids = {r.get("node") for r in rows if isinstance(r.get("node"), int)}
    nodes = {n.pk: n for n in PlanNode.objects.filter(workspace=workspace, pk__in=node_ids)}
    codes = locations_by_code(workspace, {r.get("location") or "" for r in rows})
    team_ids = {team.key: pk for pk, team in teams.teams_by_id(workspace).items()}
    errors: dict[str, str] = {}
    lines: list[BudgetLine] = []
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        prefix = f"rows[{index}]."
        try:
            line = _line(workspace, row, prefix, nodes, codes, team_ids)
        except FieldError as error:
            errors[error.field] = error.reason
            continue
        earlier = seen.setdefault(line_key(line), index)
        if earlier != index:
            errors[f"{prefix}month"] = f"repeats rows[{earlier}] (same node, month, channel, "
            errors[f"{prefix}month"] += "team and location): send one amount per key"
        lines.append(line)
    if errors:
        raise ValidationFailed(errors)
    refuse_closed(workspace, {f"rows[{i}].month": line.month for i, line in enumerate(lines)})
    existing = {
        line_key(line): line
        for line in BudgetLine.objects.select_for_update().filter(
            workspace=workspace, node_id__in={line.node_id for line in lines}
        )
    }
    replaced = [existing[line_key(line)].pk for line in lines if line_key(line) in existing]
    committed = committed_base(replaced)
    new, changed = [], []
    for index, line in enumerate(lines):
        old = existing.get(line_key(line))
        if old is None:
            new.append(line)
            continue
        if old.currency != line.currency:
            errors[f"rows[{index}].currency"] = f"the line is planned in {old.currency}"
        elif line.amount_base < committed.get(old.pk, 0):
            errors[f"rows[{index}].amount"] = (
                f"must be at least {committed[old.pk]:.2f}, committed on this line by "
                "purchase orders"
            )
        elif old.amount != line.amount:
            old.amount, old.amount_base, old.fx_rate = line.amount, line.amount_base, line.fx_rate
            changed.append(old)
    if errors:
        raise ValidationFailed(errors)
    BudgetLine.objects.bulk_create(new, batch_size=1000)
    BudgetLine.objects.bulk_update(changed, ["amount", "amount_base", "fx_rate"], batch_size=1000)
    summary.refresh(workspace, summary.lines([*new, *changed]))
    result = {"created": len(new), "updated": len(changed)}
    if new or changed:
        audit.record(workspace, "budget.plan", workspace, actor=actor, after=result)
    return result


@transaction.atomic
def delete_line(line: BudgetLine, *, actor=None) -> None:
    """Remove a line of an open month that no purchase order or transfer refers to."""
    line = BudgetLine.objects.select_for_update().get(pk=line.pk)
    refuse_closed(line.workspace, {"line": line.month})
    if line.orders.exists() or line.transfers_out.exists() or line.transfers_in.exists():
        raise ValidationFailed({"line": "has purchase orders or transfers; it is kept for them"})
    audit.record(line.workspace, "budget.delete", line, actor=actor, before=audit.snapshot(line))
    line.delete()
    summary.refresh(line.workspace_id, summary.lines([line]))


def _available(line: BudgetLine) -> Decimal:
    return line.amount_base - committed_base([line.pk]).get(line.pk, Decimal(0))


def _move(transfer: BudgetTransfer) -> None:
    """Apply a transfer to its lines (locked), or ``ValidationFailed`` if the source no
    longer has the money free."""
    ids = sorted([transfer.source_id, transfer.target_id])
    lines = {line.pk: line for line in BudgetLine.objects.select_for_update().filter(pk__in=ids)}
    source, target = lines[transfer.source_id], lines[transfer.target_id]
    refuse_closed(transfer.workspace, {"source": source.month, "target": target.month})
    free = _available(source)
    if transfer.amount > free:
        raise ValidationFailed(
            {"amount": f"the source line has {free:.2f} free (planned less committed); not enough"}
        )
    if target.amount_base + transfer.amount > MAX_AMOUNT:
        raise ValidationFailed({"amount": "would take the target line over the largest amount"})
    for line, sign in ((source, -1), (target, 1)):
        line.amount_base += sign * transfer.amount
        line.amount = cents(line.amount_base / line.fx_rate)
        line.save(update_fields=["amount", "amount_base"])
    summary.refresh(transfer.workspace_id, summary.lines([source, target]))


@transaction.atomic
def request_transfer(
    workspace: Workspace, source_id, target_id, amount, reason: str, *, actor=None
) -> BudgetTransfer:
    """Move ``amount`` (workspace currency) from one line to another: at once up to the
    workspace's threshold, above it once an approver approves (``decide_transfer``)."""
    errors: dict[str, str] = {}
    lines = {}
    for field, line_id in (("source", source_id), ("target", target_id)):
        found = BudgetLine.objects.filter(workspace=workspace, pk=line_id).first()
        if line_id is None:
            errors[field] = "choose a budget line"
        elif found is None:
            errors[field] = f"no budget line {str(line_id)[:20]} in this workspace"
        lines[field] = found
    if not errors and source_id == target_id:
        errors["target"] = "must differ from the source line"
    try:
        value = parse_amount(amount, "amount")
        if value == 0:
            errors["amount"] = "must be more than 0"
    except FieldError as error:
        errors[error.field], value = error.reason, Decimal(0)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "must say why the money moves"
    elif len(reason) > 500 or "\x00" in reason:
        errors["reason"] = "must be at most 500 characters, without NUL"
    if errors:
        raise ValidationFailed(errors)
    threshold = planning_settings(workspace).approval_threshold
    transfer = BudgetTransfer(
        workspace=workspace,
        source=lines["source"],
        target=lines["target"],
        amount=value,
        reason=reason,
        status=BudgetTransfer.Status.PENDING,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        requested_at=clock.now(),
    )
    if value <= threshold:
        _move(transfer)
        transfer.status = BudgetTransfer.Status.APPLIED
    elif value > _available(lines["source"]):
        raise ValidationFailed({"amount": "the source line does not have this much free"})
    transfer.save()
    audit.record(
        workspace, "budget.transfer", transfer, actor=actor, after=audit.snapshot(transfer)
    )
    return transfer


@transaction.atomic
def decide_transfer(transfer: BudgetTransfer, approve: bool, *, actor) -> BudgetTransfer:
    """Approve (the money moves now) or reject a waiting transfer. Whoever asked for it
    may not decide it; who may approve at all is the gate's ``budgets.approve``."""
    transfer = BudgetTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != BudgetTransfer.Status.PENDING:
        raise ValidationFailed({"transfer": f"is {transfer.status} already"})
    if actor is not None and transfer.requested_by_id == actor.pk:
        raise ValidationFailed({"transfer": "was requested by you: another approver decides"})
    before = audit.snapshot(transfer)
    if approve:
        _move(transfer)
    transfer.status = BudgetTransfer.Status.APPLIED if approve else BudgetTransfer.Status.REJECTED
    transfer.decided_by, transfer.decided_at = actor, clock.now()
    transfer.save()
    audit.record(
        transfer.workspace,
        "budget.transfer_decide",
        transfer,
        actor=actor,
        before=before,
        after=audit.snapshot(transfer),
    )
    return transfer
