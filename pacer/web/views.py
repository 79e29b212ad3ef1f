"""Server-rendered pages. Thin: parse the request, call a selector or action, render."""

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import ANALYSIS_ROLES, ApiKey, ApiKeyKind, Role
from pacer.core.selectors import audit_trail
from pacer.ingest.channels import CHANNELS
from pacer.ingest.csv_io import export_csv
from pacer.metrics.cube import GRAINS
from pacer.metrics.selectors import KpiFilter, kpi_report
from pacer.people import selectors as people
from pacer.warehouse.sync import default_store, last_sync
from pacer.warehouse.tasks import sync_warehouse


def flash_errors(request, error: ValidationFailed) -> None:
    """Show each refused field with its reason."""
    for field, reason in error.errors.items():
        messages.error(request, f"{field}: {reason}")


def workspace_required(*roles: str):
    """Login, a current workspace, and (if given) one of ``roles`` in it."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.workspace is None:
                raise PermissionDenied("You are not a member of any workspace.")
            if roles and request.role not in roles:
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request) -> tuple[KpiFilter, dict]:
    params = request.GET
    errors = {}
    start, end = _date(params.get("start")), _date(params.get("end"))
    if params.get("start") and start is None:
        errors["start"] = "must be a date (YYYY-MM-DD)"
    if params.get("end") and end is None:
        errors["end"] = "must be a date (YYYY-MM-DD)"
    grain = params.get("grain") or "month"
    if grain not in GRAINS:
        errors["grain"], grain = "must be month or week", "month"
    channel = params.get("channel") or ""
    if channel and channel not in CHANNELS:
        errors["channel"], channel = "unknown channel", ""
    location = params.get("location") or ""
    location_id = int(location) if location.isdigit() else None
    return KpiFilter(
        start=start, end=end, grain=grain, channel=channel, location_id=location_id
    ), errors


def _panel_context(request) -> dict:
    filters, errors = _filters(request)
    report = kpi_report(default_store(), request.workspace.pk, filters)
    return {
        "report": report,
        "filters": filters,
        "errors": errors,
        "channels": CHANNELS,
        "chart_data": {
            "trend": {
                "labels": [r["label"] for r in report.trend],
                "revenue": [r["revenue"] for r in report.trend],
                "spend": [r["spend"] for r in report.trend],
            },
            "channels": {
                "labels": [CHANNELS.get(r["channel"], r["channel"]) for r in report.by_channel],
                "revenue": [r["revenue"] for r in report.by_channel],
                "spend": [r["spend"] for r in report.by_channel],
            },
            "funnel": {
                "labels": [s["stage"] for s in report.funnel],
                "counts": [s["count"] for s in report.funnel],
            },
        },
        "last_sync": last_sync(),
    }


@workspace_required()
def dashboard(request):
    context = _panel_context(request)
    context["locations"] = people.locations(request.workspace)
    return render(request, "web/dashboard.html", context)


@workspace_required()
def dashboard_panel(request):
    return render(request, "web/_dashboard_panel.html", _panel_context(request))


@require_POST
@workspace_required()
def sync_now(request):
    sync_warehouse.enqueue()
    messages.info(request, "Warehouse sync queued; the dashboard refreshes when it is done.")
    return HttpResponseRedirect(reverse("dashboard"))


@workspace_required()
def contacts(request):
    search = request.GET.get("q", "")
    rows = people.contacts(request.workspace, search=search)[:100]
    return render(request, "web/contacts.html", {"contacts": rows, "q": search})


@workspace_required(*ANALYSIS_ROLES)
def export_contacts(request):
    header = [
        "id",
        "email",
        "phone",
        "first_name",
        "last_name",
        "lifecycle_stage",
        "order_count",
        "revenue",
        "acquisition_channel",
        "acquisition_campaign",
    ]
    rows = people.contacts(request.workspace).values_list(*header).iterator(chunk_size=2000)
    response = StreamingHttpResponse(export_csv(header, rows), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    return response


@workspace_required(Role.ADMIN)
def api_keys(request):
    secret = None
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            _, secret = core_actions.issue_api_key(
                request.workspace,
                kind,
                request.POST.get("name", ""),
                user=request.user if kind == ApiKeyKind.PERSONAL else None,
                actor=request.user,
            )
        except ValidationFailed as error:
            flash_errors(request, error)
    keys = ApiKey.objects.filter(workspace=request.workspace).order_by("-created_at")
    return render(request, "web/api_keys.html", {"keys": keys, "secret": secret})


@workspace_required(Role.ADMIN)
def audit_log(request):
    return render(request, "web/audit.html", {"entries": audit_trail(request.workspace)})
