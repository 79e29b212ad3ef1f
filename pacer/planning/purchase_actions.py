"""Writes for spend against budget: vendors and agencies, purchase orders (money
committed against a budget line) and invoices matched to them."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from pacer.core import audit
from pacer.core.errors import FieldError, ValidationFailed, check_day, check_text, parse_amount
from pacer.core.models import Workspace
from pacer.planning import summary
from pacer.planning.budget_actions import check_currency, committed_base, rate_on, to_base
from pacer.planning.close_actions import closed_errors, refuse_closed
from pacer.planning.models import BudgetLine, Invoice, PurchaseOrder, Vendor

VENDOR_TEXT = {
    "name": 200,
    "contract": 200,
    "rates": 2000,
    "scope": 2000,
    "contact_name": 200,
    "contact_email": 254,
}


def check_vendor(values: dict) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    clean: dict = {}
    for field, limit in VENDOR_TEXT.items():
        clean[field] = check_text(errors, field, values.get(field), limit, required=field == "name")
    email = clean["contact_email"]
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        errors.setdefault("contact_email", "must be an email address")
    kind = values.get("kind") or ""
    if kind not in Vendor.Kind.values:
        errors["kind"] = f"'{str(kind)[:20]}' is not one of {', '.join(Vendor.Kind.values)}"
    clean["kind"] = kind
    for field in ("contract_starts", "contract_ends"):
        day = values.get(field)
        if day is not None:
            try:
                check_day(day, field)
            except FieldError as error:
                errors[field] = error.reason
        clean[field] = day
    starts, ends = clean["contract_starts"], clean["contract_ends"]
    bad_dates = errors.keys() & {"contract_starts", "contract_ends"}
    if starts and ends and not bad_dates and ends < starts:
        errors["contract_ends"] = "must not be before contract_starts"
    return clean, errors


@transaction.atomic
def save_vendor(
    workspace: Workspace, values: dict, *, vendor: Vendor | None = None, actor=None
) -> Vendor:
    """Create a vendor, or change ``vendor``; names are unique in a workspace."""
    clean, errors = check_vendor(values)
    same = Vendor.objects.filter(workspace=workspace, name=clean["name"])
    if vendor is not None:
        same = same.exclude(pk=vendor.pk)
    if "name" not in errors and same.exists():
        errors["name"] = f"a vendor named '{clean['name']}' exists already"
    if errors:
        raise ValidationFailed(errors)
    if vendor is None:
        vendor = Vendor.objects.create(workspace=workspace, **clean)
        audit.record(workspace, "vendor.create", vendor, actor=actor, after=audit.snapshot(vendor))
        return vendor
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    before = audit.snapshot(vendor)
    for field, value in clean.items():
        setattr(vendor, field, value)
    vendor.save()
    audit.record(
        workspace, "vendor.update", vendor, actor=actor, before=before, after=audit.snapshot(vendor)
    )
    return vendor


def _number(value, field: str, errors: dict) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        errors[field] = "must not be empty"
    elif len(value) > 60 or "\x00" in value:
        errors[field] = "must be at most 60 characters, without NUL"
    return value


@transaction.atomic
def issue_order(workspace: Workspace, values: dict, *, actor=None) -> PurchaseOrder:
    """Commit money to a vendor against a budget line. The order (converted at the rate
    of its day) may not commit more than the line has free: planned less what other
    orders commit. Fields: ``number``, ``vendor`` id, ``line`` id, ``issued_on``,
    ``currency``, ``amount``, ``description``."""
    errors: dict[str, str] = {}
    number = _number(values.get("number"), "number", errors)
    if number and PurchaseOrder.objects.filter(workspace=workspace, number=number).exists():
        errors["number"] = f"purchase order '{number}' exists already"
    vendor = Vendor.objects.filter(workspace=workspace, pk=values.get("vendor") or 0).first()
    if vendor is None:
        errors["vendor"] = "no such vendor in this workspace"
    line_id = values.get("line") or 0
    line = BudgetLine.objects.select_for_update().filter(workspace=workspace, pk=line_id).first()
    if line is None:
        errors["line"] = "no such budget line in this workspace"
    description = values.get("description") or ""
    if not isinstance(description, str) or len(description) > 500 or "\x00" in description:
        errors["description"] = "must be text of at most 500 characters, without NUL"
    amount_base = Decimal(0)
    try:
        issued_on = check_day(values.get("issued_on"), "issued_on")
        currency = check_currency(values.get("currency") or workspace.currency)
        amount = parse_amount(values.get("amount"), "amount")
        if amount == 0:
            raise FieldError("amount", "must be more than 0")
        amount_base = to_base(amount, rate_on(workspace, currency, issued_on), "amount")
    except FieldError as error:
        errors[error.field] = error.reason
    errors.update(closed_errors(workspace, {"issued_on": values.get("issued_on")}))
    if not errors:
        free = line.amount_base - committed_base([line.pk]).get(line.pk, Decimal(0))
        if amount_base > free:
            errors["amount"] = (
                f"commits {amount_base:.2f} but the line has {free:.2f} free: "
                "transfer money to the line first"
            )
    if errors:
        raise ValidationFailed(errors)
    order = PurchaseOrder.objects.create(
        workspace=workspace,
        number=number,
        vendor=vendor,
        line=line,
        issued_on=issued_on,
        description=description.strip(),
        currency=currency,
        amount=amount,
        amount_base=amount_base,
    )
    summary.refresh(workspace, summary.lines([line]))
    audit.record(workspace, "purchase_order.issue", order, actor=actor, after=audit.snapshot(order))
    return order


@transaction.atomic
def set_order_status(order: PurchaseOrder, status: str, *, actor=None) -> PurchaseOrder:
    """Close an order (nothing more to invoice) or cancel one nothing was invoiced on.
    Refused while its line's month is closed: the change moves that month's committed
    money, as a transfer or a line's removal would."""
    if status not in (PurchaseOrder.Status.CLOSED, PurchaseOrder.Status.CANCELLED):
        raise ValidationFailed({"status": "must be closed or cancelled"})
    order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != PurchaseOrder.Status.OPEN:
        raise ValidationFailed({"status": f"the order is {order.status} already"})
    if status == PurchaseOrder.Status.CANCELLED and order.invoices.exists():
        raise ValidationFailed({"status": "an invoiced order is closed, not cancelled"})
    refuse_closed(order.workspace, {"status": order.line.month})
    before = {"status": order.status}
    order.status = status
    order.save(update_fields=["status"])
    summary.refresh(order.workspace_id, summary.lines([order.line]))
    audit.record(
        order.workspace,
        "purchase_order.status",
        order,
        actor=actor,
        before=before,
        after={"status": status},
    )
    return order


@transaction.atomic
def record_invoice(workspace: Workspace, values: dict, *, actor=None) -> Invoice:
    """An invoice against an open order (``order`` id, ``number``, ``invoiced_on``,
    ``amount`` in the order's currency). Partial invoices add up; one that takes the
    order's invoices over its amount is refused, unless ``over_reason`` accepts it, and
    then it is flagged with that reason."""
    errors: dict[str, str] = {}
    order = (
        PurchaseOrder.objects.select_for_update()
        .filter(workspace=workspace, pk=values.get("order") or 0)
        .first()
    )
    if order is None:
        errors["order"] = "no such purchase order in this workspace"
    elif order.status != PurchaseOrder.Status.OPEN:
        errors["order"] = f"the order is {order.status}: it takes no more invoices"
    number = _number(values.get("number"), "number", errors)
    if order is not None and number and order.invoices.filter(number=number).exists():
        errors["number"] = f"invoice '{number}' is recorded on this order already"
    over_reason = values.get("over_reason") or ""
    if not isinstance(over_reason, str) or len(over_reason) > 500 or "\x00" in over_reason:
        errors["over_reason"] = "must be text of at most 500 characters, without NUL"
        over_reason = ""
    amount = amount_base = Decimal(0)
    try:
        invoiced_on = check_day(values.get("invoiced_on"), "invoiced_on")
        amount = parse_amount(values.get("amount"), "amount")
        if amount == 0:
            raise FieldError("amount", "must be more than 0")
        if order is not None:
            rate = rate_on(workspace, order.currency, invoiced_on, "invoiced_on")
            amount_base = to_base(amount, rate, "amount")
    except FieldError as error:
        errors[error.field] = error.reason
    errors.update(closed_errors(workspace, {"invoiced_on": values.get("invoiced_on")}))
    flagged = False
    if not errors:
        invoiced = order.invoices.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if invoiced + amount > order.amount:
            if not over_reason.strip():
                errors["amount"] = (
                    f"takes the order to {invoiced + amount:.2f} {order.currency}, over its "
                    f"{order.amount:.2f}: refused (give over_reason to accept it flagged)"
                )
            flagged = True
    if errors:
        raise ValidationFailed(errors)
    invoice = Invoice.objects.create(
        workspace=workspace,
        order=order,
        number=number,
        invoiced_on=invoiced_on,
        amount=amount,
        amount_base=amount_base,
        flagged=flagged,
        flag_reason=over_reason.strip() if flagged else "",
    )
    summary.refresh(workspace, summary.lines([order.line]))
    audit.record(workspace, "invoice.record", invoice, actor=actor, after=audit.snapshot(invoice))
    return invoice
