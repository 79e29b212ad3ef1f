"""The variance alert thresholds of a workspace over the REST API (the page is
``/budgets/alerts/``): shares as decimal strings, set all three at once."""

from decimal import Decimal

from ninja import Field, Router, Schema

from pacer.core.api_schema import BODY_ERRORS, ERRORS
from pacer.core.permissions import endpoint
from pacer.planning.alerts import THRESHOLDS, set_alert_thresholds
from pacer.planning.budget_actions import planning_settings

router = Router(tags=["plans"])
STEP = Decimal("0.0001")


def _share(name: str, description: str):
    low, high = THRESHOLDS[name]
    return Field(
        ge=low,
        le=high,
        decimal_places=4,
        allow_inf_nan=False,
        description=f"{description} (a share from {low} to {high}: 0.2 is 20%)",
    )


class AlertThresholdsIn(Schema):
    overspend_tolerance: Decimal = _share(
        "overspend_tolerance", "alert when a line spends, invoices or commits this much over plan"
    )
    underspend_below: Decimal = _share(
        "underspend_below", "alert when a finished month spent less than this share of its plan"
    )
    pacing_tolerance: Decimal = _share(
        "pacing_tolerance", "alert when spend is this far from the plan for the days gone by"
    )


class AlertThresholdsOut(Schema):
    overspend_tolerance: Decimal
    underspend_below: Decimal
    pacing_tolerance: Decimal


def _out(settings) -> dict:
    """The thresholds with their four stored decimals, fresh or read back alike."""
    return {name: Decimal(getattr(settings, name)).quantize(STEP) for name in THRESHOLDS}


@router.get("/thresholds", response={200: AlertThresholdsOut, **ERRORS})
@endpoint("budgets.view")
def get_thresholds(request):
    """The workspace's variance alert thresholds."""
    return _out(planning_settings(request.workspace))


@router.put("/thresholds", response={200: AlertThresholdsOut, **ERRORS, **BODY_ERRORS})
@endpoint("budgets.approve")
def set_thresholds(request, payload: AlertThresholdsIn):
    """Set the three thresholds, all or none (as an approver may on the budgets page)."""
    values = {name: getattr(payload, name) for name in THRESHOLDS}
    return _out(set_alert_thresholds(request.workspace, values, actor=request.user))
