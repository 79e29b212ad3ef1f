"""Campaigns and spend over the REST API."""

from datetime import date
from decimal import Decimal

from ninja import Router, Schema, Status

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import endpoint
from pacer.planning import actions, selectors

router = Router(tags=["planning"])


class CampaignIn(Schema):
    key: str
    channel: str
    name: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


class CampaignOut(Schema):
    key: str
    name: str
    channel: str
    starts_on: date | None
    ends_on: date | None


class SpendRowIn(Schema):
    day: date
    channel: str
    amount: Decimal
    campaign: str = ""  # a campaign key
    location: str = ""  # a location code


class SpendIn(Schema):
    rows: list[SpendRowIn]


class SpendOut(Schema):
    day: date
    channel: str
    campaign: str
    location: str
    amount: float


@router.get("/campaigns", response=list[CampaignOut])
@endpoint("campaigns.view")
def list_campaigns(request):
    return selectors.campaigns(request.workspace)


@router.post("/campaigns", response={201: CampaignOut})
@endpoint("campaigns.manage")
def put_campaign(request, payload: CampaignIn):
    """Create a campaign, or return the existing one with that key."""
    campaign = actions.upsert_campaign(
        request.workspace,
        payload.key,
        payload.channel,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        actor=request.user,
    )
    return Status(201, campaign)


@router.get("/spend", response=list[SpendOut])
@endpoint("spend.view")
def list_spend(request, start: date, end: date, channel: str = ""):
    if end < start:
        raise ValidationFailed({"end": "must not be before start"})
    return selectors.spend(request.workspace, start, end, channel=channel)


@router.post("/spend", response={201: dict})
@endpoint("spend.manage")
def post_spend(request, payload: SpendIn):
    """Record spend rows, all or none; campaigns by key and locations by code."""
    rows = actions.resolve_spend_references(request.workspace, [row.dict() for row in payload.rows])
    return Status(
        201, {"recorded": actions.record_spend(request.workspace, rows, actor=request.user)}
    )
