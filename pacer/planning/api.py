"""Campaigns and spend over the REST API. Money goes in and out as decimal strings
(never floats), as in the plan API."""

from datetime import date
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    NOT_FOUND,
    AnyChannel,
    CampaignKey,
    Channel,
    Day,
    Money,
    check_order,
    text,
)
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.planning import actions, scope, selectors

router = Router(tags=["planning"])

MAX_SPEND_ROWS = 10_000


class CampaignIn(Schema):
    key: text(200, min_length=1) = Field(
        description="the utm_campaign value", examples=["spring-sale"]
    )
    channel: Channel = Field(examples=["paid_social"])
    name: text(200) = Field("", description="defaults to the key")
    starts_on: Day | None = None
    ends_on: Day | None = None

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, ends_on, info):
        return check_order(info.data.get("starts_on"), ends_on, "starts_on")


class CampaignOut(Schema):
    key: str
    name: str
    channel: str
    starts_on: date | None
    ends_on: date | None


class SpendRowIn(Schema):
    day: Day = Field(examples=["2025-03-03"])
    channel: Channel = Field(examples=["paid_social"])
    amount: Money = Field(examples=["1250.00"])
    campaign: CampaignKey = Field("", description="a campaign key")
    location: text(40) = Field("", description="a location code")


class SpendIn(Schema):
    rows: list[SpendRowIn] = Field(min_length=1, max_length=MAX_SPEND_ROWS)


class SpendOut(Schema):
    day: date
    channel: str
    campaign: str
    location: str
    amount: Decimal = Field(description="a decimal string, 2 places", examples=["1250.00"])


class SpendQuery(Schema):
    start: Day = Field(examples=["2025-01-01"])
    end: Day = Field(examples=["2025-03-31"], description="inclusive")
    channel: AnyChannel = ""
    team: text(40) = Field(
        "",
        description="whose spend: mine (the default for a member of teams who is not an "
        "admin: the spend of their teams' plan nodes' campaigns), all (the default "
        "otherwise: every line), or a team's key",
    )

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end, info):
        return check_order(info.data.get("start"), end, "start")


class Recorded(Schema):
    recorded: int = Field(description="new spend lines")
    replaced: int = Field(
        description="lines recorded before for the same key whose amount was replaced"
    )


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS})
@endpoint("campaigns.view")
def list_campaigns(request):
    return selectors.campaigns(request.workspace)


@router.post("/campaigns", response={201: CampaignOut, **ERRORS, **BODY_ERRORS})
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


@router.delete("/campaigns/{key}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("campaigns.manage")
def delete_campaign(request, key: str):
    """Delete a campaign. Its spend lines stay, under no campaign; a plan node linked to it
    is unlinked (that spend leaves the node's actual). Refused (422) while it has spend in
    a closed month."""
    campaign = selectors.campaign_by_key(request.workspace, key)
    if campaign is None:
        raise NotFound("key", "no such campaign in this workspace")
    actions.delete_campaign(campaign, actor=request.user)
    return Status(204, None)


@router.get("/spend", response={200: list[SpendOut], **ERRORS})
@endpoint("spend.view")
def list_spend(request, query: Query[SpendQuery]):
    """Spend lines between two days; of the campaigns linked to the plan nodes of the
    teams ``team`` names (by default a member's own teams, as on the spend page)."""
    team_ids = scope.reader_team_ids(request, query.team)
    node_ids = None if team_ids is None else scope.nodes_of_teams(request.workspace, team_ids)
    return selectors.spend(
        request.workspace, query.start, query.end, channel=query.channel, node_ids=node_ids
    )


@router.post("/spend", response={201: Recorded, **ERRORS, **BODY_ERRORS})
@endpoint("spend.manage")
def post_spend(request, payload: SpendIn):
    """Record spend rows, all or none; campaigns by key and locations by code.

    Idempotent: spend has one amount per natural key (day, channel, campaign, location).
    A row whose key is recorded already replaces that amount (nothing else changes), so
    posting the same rows again leaves the spend as it was; a key repeated within one
    request is refused."""
    rows = actions.resolve_spend_references(request.workspace, [row.dict() for row in payload.rows])
    return Status(201, actions.record_spend(request.workspace, rows, actor=request.user))
