"""Pages of budgets and spend against them: budget lines planned from a node's page,
transfers (requested, approved or rejected), exchange rates and the approval threshold,
vendors, purchase orders and their invoices."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.errors import ValidationFailed, row_id
from pacer.core.permissions import allows, check, page
from pacer.planning import budget_actions, plan_selectors, purchase_actions
from pacer.planning.alerts import THRESHOLDS, set_alert_thresholds
from pacer.planning.models import BudgetTransfer, PurchaseOrder, Vendor
from pacer.planning.money import money_column
from pacer.planning.plan_views import node_page
from pacer.planning.rollups import accruals
from pacer.planning.scope import ALL, TeamScope, kept_team, scoped_address, team_filter
from pacer.planning.spend_views import parse_day
from pacer.web.address import show_at
from pacer.web.filters import FilterBar
from pacer.web.formats import person
from pacer.web.tables import Column, Table

VENDOR_FIELDS = (
    "name",
    "kind",
    "contract",
    "contract_starts",
    "contract_ends",
    "rates",
    "scope",
    "contact_name",
    "contact_email",
)
ORDER_FIELDS = ("number", "vendor", "line", "issued_on", "currency", "amount", "description")
INVOICE_FIELDS = ("number", "invoiced_on", "amount", "over_reason")
TRANSFER_FIELDS = ("source", "target", "amount", "reason")
RATE_FIELDS = ("currency", "day", "rate")
LINE_FIELDS = ("month", "channel", "team", "location", "currency", "amount")


def _form_value(value) -> str:
    """A stored value as a form field shows it (dates as YYYY-MM-DD)."""
    return value.isoformat() if isinstance(value, date) else value or ""


@page("budgets.manage")
def line_new(request, node_id: int):
    node = plan_selectors.node(request.workspace, node_id)
    if node is None:
        raise Http404("no such node in this workspace")
    if request.method == "POST":
        typed = {name: request.POST.get(name, "") for name in LINE_FIELDS}
        row = {name: value.strip() for name, value in typed.items()}
        try:
            result = budget_actions.plan_lines(
                request.workspace, [{**row, "node": node.pk}], actor=request.user
            )
        except ValidationFailed as error:
            errors = {k.removeprefix("rows[0]."): v for k, v in error.errors.items()}
            return node_page(request, node, "line", typed, errors)
        done = "planned" if result["created"] else "changed" if result["updated"] else "kept"
        messages.success(request, f"Budget line {done}.")
    return HttpResponseRedirect(scoped_address("plan-node", node.pk, team=kept_team(request)))


@page("budgets.manage")
def line_remove(request, node_id: int, line_id: int):
    """Remove a budget line of the node (a confirmed POST); refused (a closed month, an
    order or a transfer on it), the node's page again with the reason at its button."""
    node = plan_selectors.node(request.workspace, node_id)
    line = plan_selectors.line(request.workspace, line_id)
    if node is None or line is None or line.node_id != node.pk:
        raise Http404("no such budget line on this node")
    if request.method == "POST":
        try:
            budget_actions.delete_line(line, actor=request.user)
        except ValidationFailed as error:
            return node_page(request, node, "line-remove", {"line": line.pk}, error.errors)
        messages.success(request, f"Budget line #{line_id} removed.")
    return HttpResponseRedirect(scoped_address("plan-node", node.pk, team=kept_team(request)))


def _of_scope(transfers, scope: TeamScope, workspace):
    """The transfers from or to a line the team filter shows (``scope.lines``)."""
    source = scope.lines(workspace, "source__")
    if source is None:
        return transfers
    return transfers.filter(source | scope.lines(workspace, "target__"))


def _transfer_table(request, scope: TeamScope) -> Table:
    keys = plan_selectors.team_names(request.workspace)
    rows = [
        {
            "pk": t.pk,
            "requested_at": t.requested_at,
            "source": plan_selectors.line_label(t.source, keys),
            "target": plan_selectors.line_label(t.target, keys),
            "amount": t.amount,
            "reason": t.reason,
            "status": t.get_status_display(),
            "requested_by": person(t.requested_by) or "—",
            "decided_by": person(t.decided_by) or "—",
        }
        for t in _of_scope(plan_selectors.transfers(request.workspace), scope, request.workspace)[
            :500
        ]
    ]
    columns = [
        Column("requested_at", "Requested", format="datetime", sortable=True),
        Column("source", "From"),
        Column("target", "To"),
        money_column("amount", "Amount", request.workspace.currency, sortable=True),
        Column("reason", "Reason"),
        Column("status", "Status", sortable=True),
        Column("requested_by", "By"),
        Column("decided_by", "Decided by"),
    ]
    return Table(
        request,
        rows,
        columns,
        default_sort="-requested_at",
        prefix="transfers-",
        caption="Transfers between budget lines",
        empty_title="No transfers yet.",
        empty_hint=(
            "Move money between two budget lines with the form above; a transfer over the "
            "approval threshold waits for an approver."
            if allows(request.role, "budgets.manage")
            else "Transfers appear here once someone who manages budgets moves money between lines."
        ),
        html_id="transfers",
    )


@page("budgets.view")
def budgets(request):
    return _budgets_page(request)


def _budgets_page(request, refused: str = "", typed: dict | None = None, errors=None):
    """The budgets page; after a refused POST of one of its forms (``refused``: transfer,
    decide, rate, threshold or alerts) with that form's reasons at its fields and what was typed
    kept, answered 422."""
    show_at(request, reverse("budgets"))
    workspace = request.workspace
    settings = budget_actions.planning_settings(workspace)
    scope = team_filter(request)
    bar = FilterBar(
        request,
        [scope.choice],
        keep=("as_of",),
        action=reverse("budgets"),
        html_id="budget-filters",
    )
    pending = _of_scope(plan_selectors.transfers(workspace), scope, workspace).filter(
        status=BudgetTransfer.Status.PENDING
    )
    decided = (typed or {}).get("transfer") if refused == "decide" else None
    as_of = parse_day(request.GET.get("as_of", ""), "as_of", {}) or date.today()
    found_accruals = accruals(workspace, as_of)
    shown = scope.lines(workspace)
    if shown is not None:
        ids = [r["order"].line_id for r in found_accruals]
        scoped = set(
            plan_selectors.lines(workspace).filter(shown, pk__in=ids).values_list("pk", flat=True)
        )
        found_accruals = [r for r in found_accruals if r["order"].line_id in scoped]
    context = {
        "settings": settings,
        "bar": bar,
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "kept_team": kept_team(request, scope),
        "pending": pending,
        "transfers": _transfer_table(request, scope),
        "rates": plan_selectors.rates(workspace)[:100],
        "lines": [("", "Choose a line"), *plan_selectors.line_choices(workspace)],
        "can_manage": allows(request.role, "budgets.manage"),
        "can_approve": allows(request.role, "budgets.approve"),
        "accruals": found_accruals,
        "accrued": sum((r["accrued"] for r in found_accruals), 0),
        "as_of": as_of,
        "as_of_value": as_of.isoformat(),
        "form": {
            "approval_threshold": settings.approval_threshold,
            **{name: getattr(settings, name) for name in THRESHOLDS},
            **(typed or {}),
        },
        "errors": errors or {},
        "refused": refused,
        # a refused decision's transfer while it still waits: its Approve button is where
        # the reason links to
        "refused_pending": decided if decided and pending.filter(pk=decided).exists() else None,
    }
    return render(request, "planning/budgets.html", context, status=422 if errors else 200)


def _back_to_budgets(request) -> HttpResponseRedirect:
    """The budgets page at the team scope the form was posted from (its ``?team``)."""
    return HttpResponseRedirect(scoped_address("budgets", team=kept_team(request)))


@page("budgets.manage")
def transfer_new(request):
    if request.method == "POST":
        typed = {name: request.POST.get(name, "") for name in TRANSFER_FIELDS}
        try:
            transfer = budget_actions.request_transfer(
                request.workspace,
                row_id(typed["source"]),
                row_id(typed["target"]),
                typed["amount"].strip(),
                typed["reason"],
                actor=request.user,
            )
        except ValidationFailed as error:
            return _budgets_page(request, "transfer", typed, error.errors)
        else:
            if transfer.status == BudgetTransfer.Status.APPLIED:
                messages.success(request, "Transfer applied.")
            else:
                messages.success(request, "Transfer requested: it waits for an approver.")
    return _back_to_budgets(request)


@page("budgets.approve")
def transfer_decide(request, transfer_id: int):
    transfer = plan_selectors.transfer(request.workspace, transfer_id)
    if transfer is None:
        raise Http404("no such transfer in this workspace")
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        try:
            budget_actions.decide_transfer(transfer, approve, actor=request.user)
        except ValidationFailed as error:
            return _budgets_page(request, "decide", {"transfer": transfer.pk}, error.errors)
        messages.success(request, "Transfer approved." if approve else "Transfer rejected.")
    return _back_to_budgets(request)


@page("budgets.manage")
def rate_new(request):
    if request.method == "POST":
        typed = {name: request.POST.get(name, "") for name in RATE_FIELDS}
        errors: dict[str, str] = {}
        day = parse_day(typed["day"], "day", errors)
        try:  # an unreadable day is refused by set_rate too: every field's reason at once
            budget_actions.set_rate(
                request.workspace,
                typed["currency"].strip(),
                day,
                typed["rate"].strip(),
                actor=request.user,
            )
        except ValidationFailed as error:
            return _budgets_page(request, "rate", typed, {**error.errors, **errors})
        else:
            messages.success(request, "Rate recorded.")
    return _back_to_budgets(request)


@page("budgets.approve")
def threshold(request):
    if request.method == "POST":
        typed = {"approval_threshold": request.POST.get("approval_threshold", "")}
        try:
            budget_actions.set_threshold(
                request.workspace, typed["approval_threshold"].strip(), actor=request.user
            )
        except ValidationFailed as error:
            return _budgets_page(request, "threshold", typed, error.errors)
        else:
            messages.success(request, "Approval threshold saved.")
    return _back_to_budgets(request)


@page("budgets.approve")
def alert_thresholds(request):
    if request.method == "POST":
        typed = {name: request.POST.get(name, "") for name in THRESHOLDS}
        try:
            set_alert_thresholds(request.workspace, typed, actor=request.user)
        except ValidationFailed as error:
            return _budgets_page(request, "alerts", typed, error.errors)
        else:
            messages.success(request, "Alert thresholds saved.")
    return _back_to_budgets(request)


@page("budgets.view")
def vendors(request):
    """The vendors; the page keeps the ``team`` it was reached at in its links."""
    team = kept_team(request)
    columns = [
        Column(
            "name",
            "Name",
            sortable=True,
            href=lambda v: scoped_address("vendor", v["pk"], team=team),
        ),
        Column("kind", "Kind", sortable=True, labels=dict(Vendor.Kind.choices)),
        Column("contract", "Contract"),
        Column("contract_ends", "Contract ends", format="date", sortable=True),
        Column("contact_name", "Contact"),
        money_column("committed", "Ordered", request.workspace.currency, sortable=True),
    ]
    table = Table(
        request,
        plan_selectors.vendors(request.workspace),
        columns,
        default_sort="name",
        caption="Vendors and agencies",
        empty_title="No vendors yet.",
        html_id="vendors",
    )
    context = {
        "table": table,
        "can_manage": allows(request.role, "budgets.manage"),
        "kinds": Vendor.Kind.choices,
        "form": {"kind": "agency"},
        "errors": {},
        "kept_team": team,
    }
    if request.method == "POST":
        check(request.role, "budgets.manage")
        return _save_vendor(request, None, context)
    return render(request, "planning/vendors.html", context)


def _save_vendor(request, vendor, context):
    errors: dict[str, str] = {}
    form = {name: request.POST.get(name, "") for name in VENDOR_FIELDS}
    values = {
        **form,
        "contract_starts": parse_day(form["contract_starts"], "contract_starts", errors),
        "contract_ends": parse_day(form["contract_ends"], "contract_ends", errors),
    }
    try:
        if errors:
            raise ValidationFailed(errors)
        saved = purchase_actions.save_vendor(
            request.workspace, values, vendor=vendor, actor=request.user
        )
    except ValidationFailed as error:
        context |= {"form": form, "errors": {**error.errors, **errors}}
        template = "planning/vendors.html" if vendor is None else "planning/vendor.html"
        return render(request, template, context, status=422)
    messages.success(request, f"Vendor '{saved.name}' saved.")
    return HttpResponseRedirect(scoped_address("vendor", saved.pk, team=kept_team(request)))


@page("budgets.view")
def vendor(request, vendor_id: int):
    found = plan_selectors.vendor(request.workspace, vendor_id)
    if found is None:
        raise Http404("no such vendor in this workspace")
    can_manage = allows(request.role, "budgets.manage")
    context = {
        "vendor": found,
        "orders": plan_selectors.orders(request.workspace).filter(vendor=found),
        "can_manage": can_manage,
        "kinds": Vendor.Kind.choices,
        "lines": [("", "Choose a line"), *plan_selectors.line_choices(request.workspace)],
        "form": {f: _form_value(getattr(found, f)) for f in VENDOR_FIELDS},
        "order_form": {
            "issued_on": date.today().isoformat(),
            "currency": request.workspace.currency,
        },
        "errors": {},
        "order_errors": {},
        "kept_team": kept_team(request),
    }
    if request.method == "POST":
        check(request.role, "budgets.manage")
        if request.POST.get("form") == "order":
            return _issue_order(request, found, context)
        return _save_vendor(request, found, context)
    return render(request, "planning/vendor.html", context)


def _issue_order(request, found: Vendor, context):
    errors: dict[str, str] = {}
    form = {name: request.POST.get(name, "") for name in ORDER_FIELDS}
    values = {
        **form,
        "vendor": found.pk,
        "line": row_id(form["line"]),
        "issued_on": parse_day(form["issued_on"], "issued_on", errors),
    }
    try:
        if errors:
            raise ValidationFailed(errors)
        order = purchase_actions.issue_order(request.workspace, values, actor=request.user)
    except ValidationFailed as error:
        context |= {"order_form": form, "order_errors": {**error.errors, **errors}}
        return render(request, "planning/vendor.html", context, status=422)
    messages.success(request, f"Purchase order {order.number} issued.")
    return HttpResponseRedirect(scoped_address("order", order.pk, team=kept_team(request)))


@page("budgets.view")
def order(request, order_id: int):
    found = plan_selectors.order(request.workspace, order_id)
    if found is None:
        raise Http404("no such purchase order in this workspace")
    can_manage = allows(request.role, "budgets.manage")
    context = {
        "order": found,
        "line_label": plan_selectors.line_label(
            found.line, plan_selectors.team_names(request.workspace)
        ),
        "invoices": found.invoices.order_by("invoiced_on", "pk"),
        "can_manage": can_manage and found.status == PurchaseOrder.Status.OPEN,
        "form": {"invoiced_on": date.today().isoformat()},
        "errors": {},
        "kept_team": kept_team(request),
    }
    if request.method == "POST":
        check(request.role, "budgets.manage")
        if request.POST.get("status"):
            try:
                purchase_actions.set_order_status(found, request.POST["status"], actor=request.user)
            except ValidationFailed as error:
                shown = plan_selectors.order(request.workspace, order_id)
                context |= {"order": shown, "status_errors": error.errors}
                context["can_manage"] = can_manage and shown.status == PurchaseOrder.Status.OPEN
                return render(request, "planning/order.html", context, status=422)
            return HttpResponseRedirect(scoped_address("order", found.pk, team=kept_team(request)))
        errors: dict[str, str] = {}
        form = {name: request.POST.get(name, "") for name in INVOICE_FIELDS}
        values = {
            **form,
            "order": found.pk,
            "invoiced_on": parse_day(form["invoiced_on"], "invoiced_on", errors),
        }
        try:
            if errors:
                raise ValidationFailed(errors)
            purchase_actions.record_invoice(request.workspace, values, actor=request.user)
        except ValidationFailed as error:
            context |= {"form": form, "errors": {**error.errors, **errors}}
            return render(request, "planning/order.html", context, status=422)
        messages.success(request, "Invoice recorded.")
        return HttpResponseRedirect(scoped_address("order", found.pk, team=kept_team(request)))
    return render(request, "planning/order.html", context)
