"""KPIs over the REST API."""

from typing import Literal

from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from pacer.core.api_schema import ERRORS, AnyChannel, CampaignKey, Day, Id, Number, check_order
from pacer.core.permissions import endpoint
from pacer.metrics.selectors import KpiFilter, kpi_report
from pacer.warehouse.sync import default_store

router = Router(tags=["metrics"])


class KpiQuery(Schema):
    start: Day | None = Field(None, examples=["2025-01-01"])
    end: Day | None = Field(None, examples=["2025-06-30"], description="inclusive")
    grain: Literal["month", "week"] = "month"
    channel: AnyChannel = ""
    campaign: CampaignKey = ""
    location_id: Id | None = None

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end, info):
        return check_order(info.data.get("start"), end)


class Measures(Schema):
    """The cube's sums for a slice, and the ratios derived from them (null where the
    denominator is 0)."""

    spend: float
    visits: float
    visitors: float
    leads: float
    new_customers: float
    orders: float
    revenue: float
    cost: float
    ordering_customers: float
    returning_customers: float
    retained_customers: float
    gross_profit: float
    cac: Number
    romi: Number
    lead_rate: Number
    customer_rate: Number
    repeat_rate: Number = Field(
        description="per person over the range (docs/metrics.md); null for a single period"
    )


class Totals(Measures):
    retention: Number = Field(
        description="totals: per person over the range; a period: against the period before"
    )
    clv: Number = Field(description="historical: revenue to date per customer acquired")


class Period(Totals):
    label: str = Field(description="the period's first day")


class ChannelMeasures(Measures):
    channel: str


class FunnelStage(Schema):
    stage: str
    count: float
    conversion: Number = Field(description="share of the stage before (null for the first)")


class KpiOut(Schema):
    totals: Totals
    trend: list[Period]
    by_channel: list[ChannelMeasures]
    funnel: list[FunnelStage]


@router.get("/kpis", response={200: KpiOut, **ERRORS})
@endpoint("dashboard.view")
def kpis(request, query: Query[KpiQuery]):
    """Totals, trend by period, channel comparison and funnel for a slice."""
    return kpi_report(default_store(), request.workspace.pk, KpiFilter(**query.dict()))
