"""Vendors, purchase orders and invoices over the REST API (under ``/api/plans/``, beside
``plan_api``). Money goes in and out as decimal strings (never floats)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    MAX_OFFSET,
    NOT_FOUND,
    Day,
    Id,
    Money,
    check_order,
    text,
)
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.planning import plan_selectors, purchase_actions, scope
from pacer.planning.budget_actions import cents, committed_base
from pacer.planning.close_actions import first_of_month
from pacer.planning.models import Vendor
from pacer.planning.plan_api import Currency, Month, PlanTeamQuery

router = Router(tags=["plans"])


class VendorIn(Schema):
    name: text(200, min_length=1)
    kind: Literal[tuple(Vendor.Kind.values)]
    contract: text(200) = ""
    contract_starts: Day | None = None
    contract_ends: Day | None = None
    rates: text(2000) = ""
    scope: text(2000) = ""
    contact_name: text(200) = ""
    contact_email: text(254) = ""

    @field_validator("contract_ends")
    @classmethod
    def _ends_after_start(cls, ends, info):
        return check_order(info.data.get("contract_starts"), ends, "contract_starts")


class VendorOut(VendorIn):
    id: int


@router.get("/vendors", response={200: list[VendorOut], **ERRORS})
@endpoint("budgets.view")
def list_vendors(request):
    return list(plan_selectors.vendors(request.workspace))


@router.post("/vendors", response={201: VendorOut, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.manage")
def create_vendor(request, payload: VendorIn):
    vendor = purchase_actions.save_vendor(request.workspace, payload.dict(), actor=request.user)
    return Status(201, vendor)


@router.put("/vendors/{vendor_id}", response={200: VendorOut, **ERRORS, **NOT_FOUND, **BODY_ERRORS})
@endpoint("budgets.manage")
def update_vendor(request, vendor_id: Id, payload: VendorIn):
    """Change a vendor: every field is set (what is left out gets its default, as on
    create); names stay unique in the workspace (422 naming ``name``). Audited."""
    found = plan_selectors.vendor(request.workspace, vendor_id)
    if found is None:
        raise NotFound("vendor_id", "no such vendor in this workspace")
    return purchase_actions.save_vendor(
        request.workspace, payload.dict(), vendor=found, actor=request.user
    )


class PurchaseOrderIn(Schema):
    number: text(60, min_length=1)
    vendor: Id
    line: Id = Field(description="the budget line it commits against")
    issued_on: Day
    currency: Currency | Literal[""] = ""
    amount: Money
    description: text(500) = ""


class PurchaseOrderOut(Schema):
    id: int
    number: str
    vendor: int
    line: int
    issued_on: date
    currency: str
    amount: Decimal
    amount_base: Decimal
    status: str


def _order_out(order) -> dict:
    fields = ("id", "number", "issued_on", "currency", "amount", "amount_base", "status")
    return {
        **{f: getattr(order, f) for f in fields},
        "vendor": order.vendor_id,
        "line": order.line_id,
    }


@router.get("/orders", response={200: list[PurchaseOrderOut], **ERRORS})
@endpoint("budgets.view")
def list_orders(request, query: Query[PlanTeamQuery]):
    """The last 1,000 orders against a line of the teams ``team`` names."""
    found = plan_selectors.orders(request.workspace)
    shown = scope.team_lines(
        request.workspace, scope.reader_team_ids(request, query.team), "line__"
    )
    return [_order_out(o) for o in (found if shown is None else found.filter(shown))[:1000]]


@router.post("/orders", response={201: PurchaseOrderOut, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.manage")
def issue_order(request, payload: PurchaseOrderIn):
    """Commit money to a vendor against a budget line (no more than the line has free)."""
    order = purchase_actions.issue_order(request.workspace, payload.dict(), actor=request.user)
    return Status(201, _order_out(order))


class OrderStatusOut(PurchaseOrderOut):
    invoiced: Decimal = Field(description="invoiced on the order, in its currency")
    commits: Decimal = Field(
        description="what the order commits on its line now (workspace currency): an open "
        "order its amount, a closed one what was invoiced, a cancelled one nothing"
    )
    line_free: Decimal = Field(
        description="what the line has free now: planned less every order's commitment"
    )


def _status_out(request, order_id: int, status: str) -> dict:
    found = plan_selectors.order(request.workspace, order_id)
    if found is None:
        raise NotFound("order_id", "no such purchase order in this workspace")
    order = purchase_actions.set_order_status(found, status, actor=request.user)
    line = order.line
    line.refresh_from_db(fields=["amount_base"])
    line_commits = committed_base([line.pk]).get(line.pk, Decimal(0))
    invoices = order.invoices.all()
    return {
        **_order_out(order),
        "invoiced": sum((i.amount for i in invoices), Decimal("0.00")),
        "commits": {
            "open": order.amount_base,
            "closed": sum((i.amount_base for i in invoices), Decimal("0.00")),
        }.get(order.status, Decimal("0.00")),
        "line_free": cents(line.amount_base - line_commits),
    }


@router.post("/orders/{order_id}/close", response={200: OrderStatusOut, **ERRORS, **NOT_FOUND})
@endpoint("budgets.manage")
def close_order(request, order_id: Id):
    """Close an open order: nothing more is invoiced on it, and it commits only what was
    invoiced, so the rest goes back to its line's free money. Refused (422 naming
    ``status``) when it is not open. Audited."""
    return _status_out(request, order_id, "closed")


@router.post("/orders/{order_id}/cancel", response={200: OrderStatusOut, **ERRORS, **NOT_FOUND})
@endpoint("budgets.manage")
def cancel_order(request, order_id: Id):
    """Cancel an open order nothing was invoiced on: it commits nothing, its whole amount
    goes back to its line. Refused (422 naming ``status``) once invoiced (close it
    instead) or when it is not open. Audited."""
    return _status_out(request, order_id, "cancelled")


class InvoicesQuery(PlanTeamQuery):
    vendor: Id | None = Field(None, description="only this vendor's invoices")
    order: Id | None = Field(None, description="only this purchase order's invoices")
    month: Month | None = Field(None, description="only invoices dated in this month")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class VendorInvoiceIn(Schema):
    order: Id
    number: text(60, min_length=1)
    invoiced_on: Day
    amount: Money = Field(description="in the order's currency")
    over_reason: text(500) = Field(
        "", description="accepts an invoice over the order's amount, flagged with this reason"
    )


class VendorInvoiceOut(Schema):
    id: int
    order: int
    number: str
    invoiced_on: date
    amount: Decimal
    amount_base: Decimal
    flagged: bool


class VendorInvoiceListOut(VendorInvoiceOut):
    vendor: int
    flag_reason: str


@router.get("/invoices", response={200: list[VendorInvoiceListOut], **ERRORS})
@endpoint("budgets.view")
def list_invoices(request, query: Query[InvoicesQuery]):
    """Invoices, newest first (``limit`` from ``offset``), on orders against a line of
    the teams ``team`` names: of a ``vendor``, an ``order``, dated in a ``month``; an
    unknown vendor or order finds none."""
    found = plan_selectors.invoices(
        request.workspace,
        vendor_id=query.vendor,
        order_id=query.order,
        month=first_of_month(query.month) if query.month else None,
    )
    shown = scope.team_lines(
        request.workspace, scope.reader_team_ids(request, query.team), "order__line__"
    )
    found = found if shown is None else found.filter(shown)
    return [
        {
            **{
                f: getattr(i, f)
                for f in VendorInvoiceListOut.model_fields
                if f not in ("order", "vendor")
            },
            "order": i.order_id,
            "vendor": i.order.vendor_id,
        }
        for i in found[query.offset : query.offset + query.limit]
    ]


@router.post("/invoices", response={201: VendorInvoiceOut, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.manage")
def record_invoice(request, payload: VendorInvoiceIn):
    """An invoice matched to a purchase order; over-invoicing is refused unless
    ``over_reason`` accepts it (flagged)."""
    invoice = purchase_actions.record_invoice(request.workspace, payload.dict(), actor=request.user)
    return Status(
        201,
        {
            **{f: getattr(invoice, f) for f in VendorInvoiceOut.model_fields if f != "order"},
            "order": invoice.order_id,
        },
    )
