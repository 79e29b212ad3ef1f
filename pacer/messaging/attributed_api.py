"""REST: an email or SMS broadcast's revenue as the measurement module attributes it
(``pacer.messaging.attributed``), as its page shows it beside revenue after click: the
model and the lookback are query parameters (a bad one is refused, 422, naming it)."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema

from pacer.analytics.attribution import Model
from pacer.core.api_schema import ERRORS, NOT_FOUND, Id
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.messaging import selectors, sms_broadcasts
from pacer.messaging.attributed import DEFAULT_MODEL, attributed_revenue
from pacer.metrics.broadcast_revenue import MAX_LOOKBACK_DAYS

router = Router(tags=["messaging"])


class AttributedRevenueQuery(Schema):
    model: Model = Field(DEFAULT_MODEL, description="the attribution model")
    lookback_days: int | None = Field(
        None,
        ge=1,
        le=MAX_LOOKBACK_DAYS,
        description="days from a click to the orders it is credited with, and back from "
        "each order to the touches it is split over; default: the sending rules' "
        "attribution_days",
    )


class AttributedRevenueOut(Schema):
    broadcast_id: int
    channel: Literal["email", "sms"]
    model: str
    model_label: str
    lookback_days: int
    currency: str = Field(description="the workspace's currency, that of revenue")
    orders: Decimal = Field(
        description="the broadcast's clicks' share of the orders placed within the lookback "
        "after a click on it, each split over the buyer's touches (two decimals)"
    )
    revenue: Decimal = Field(description="their share of those orders' totals, to the cent")
    other_currency_orders: int = Field(
        description="such orders in another currency than the workspace's: not modelled"
    )
    synced_at: datetime | None = Field(
        description="the warehouse sync the figures are as of; null before the first (all 0)"
    )


def _answer(request, channel: str, broadcast_id: int, query: AttributedRevenueQuery) -> dict:
    found = attributed_revenue(
        request.workspace, channel, broadcast_id, query.model, query.lookback_days
    )
    return {"broadcast_id": broadcast_id, "channel": channel, **found}


@router.get(
    "/broadcasts/{broadcast_id}/attributed-revenue",
    response={200: AttributedRevenueOut, **ERRORS, **NOT_FOUND},
)
@endpoint("messaging.view")
def email_attributed_revenue(
    request, broadcast_id: Id, query: Query[AttributedRevenueQuery]
) -> dict:
    """An email broadcast's share of the orders after its clicks under the chosen model,
    read from the warehouse as of its last sync (revenue after click, in the report,
    counts each such order in full and is current)."""
    if selectors.broadcast(request.workspace, broadcast_id) is None:
        raise NotFound("broadcast_id", "no such broadcast in this workspace")
    return _answer(request, "email", broadcast_id, query)


@router.get(
    "/sms/broadcasts/{broadcast_id}/attributed-revenue",
    response={200: AttributedRevenueOut, **ERRORS, **NOT_FOUND},
)
@endpoint("messaging.view")
def sms_attributed_revenue(request, broadcast_id: Id, query: Query[AttributedRevenueQuery]) -> dict:
    """An SMS broadcast's share of the orders after its clicks, as for email."""
    if sms_broadcasts.sms_broadcast(request.workspace, broadcast_id) is None:
        raise NotFound("broadcast_id", "no such SMS broadcast in this workspace")
    return _answer(request, "sms", broadcast_id, query)
