"""Vendors, purchase orders and invoices over the REST API (under ``/api/plans/``, beside
``plan_api``). Money goes in and out as decimal strings (never floats)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from pacer.core.api_schema import BODY_ERRORS, ERRORS, Day, Id, Money, check_order, text
from pacer.core.permissions import endpoint
from pacer.planning import plan_selectors, purchase_actions, scope
from pacer.planning.models import Vendor
from pacer.planning.plan_api import Currency, PlanTeamQuery

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
