"""KPIs over the REST API."""

from datetime import date

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from pacer.core.permissions import endpoint
from pacer.metrics.cube import GRAINS
from pacer.metrics.selectors import KpiFilter, kpi_report
from pacer.warehouse.sync import default_store

router = Router(tags=["metrics"])


class KpiQuery(Schema):
    start: date | None = None
    end: date | None = None
    grain: str = "month"
    channel: str = ""
    campaign: str = ""
    location_id: int | None = None


@router.get("/kpis")
@endpoint("dashboard.view")
def kpis(request, query: Query[KpiQuery]):
    """Totals, trend by period, channel comparison and funnel for a slice."""
    if query.grain not in GRAINS:
        raise HttpError(422, "grain: must be 'month' or 'week'")
    report = kpi_report(default_store(), request.workspace.pk, KpiFilter(**query.dict()))
    return {
        "totals": report.totals,
        "trend": report.trend,
        "by_channel": report.by_channel,
        "funnel": report.funnel,
    }
