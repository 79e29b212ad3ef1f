"""The asset library over the REST API: search and read, use in an item (checked against
the rights), withdrawal (with a preview of what it does), talent releases, and the flags
of items that use a withdrawn asset. Each operation goes through the same action as its
page and answers a refusal with 422 naming the field."""

from datetime import date, datetime
from typing import Literal

from django.db.models import Count
from ninja import Field, Query, Router, Schema, Status

from pacer.content import assets, releases, selectors, withdrawal
from pacer.content.models import FlagKind
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Day, Id, text
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint

router = Router(tags=["content"])
WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}
Codes = list[text(10)]


class ContentAssetOut(Schema):
    id: int
    name: str
    status: str
    withdrawn_at: datetime | None
    withdrawn_reason: str
    tags: list[str]
    licence: str
    territories: list[str]
    channels: list[str]
    rights_start: date | None
    rights_end: date | None
    versions: int
    used_in: list[int] = Field(description="ids of the content items that use it")


class ContentAssetFilters(Schema):
    q: text(200) = ""
    tag: text(40) = ""
    status: Literal["", "active", "withdrawn"] = ""


class ContentAssetUseIn(Schema):
    asset: Id = Field(description="the id of an asset of this workspace")
    territory: text(2) = Field(default="", description="where it is used (ISO code), if named")


class ContentAssetUseOut(Schema):
    asset: int = Field(alias="asset_id")
    item: int = Field(alias="item_id")
    territory: str
    used_at: datetime


class ContentWithdrawIn(Schema):
    reason: text(500) = Field(description="why it may no longer be used (required)")


class ContentWithdrawalEffectOut(Schema):
    item: int
    title: str
    kind: FlagKind = Field(description="what the withdrawal does to the item")
    state_before: str = Field(description="the label of the item's state now")
    state_after: str = Field(description="the label of its state after the withdrawal")


class ContentFlagOut(Schema):
    id: int
    item: int = Field(alias="item_id")
    item_title: str
    asset: int = Field(alias="asset_id")
    asset_name: str
    kind: FlagKind
    reason: str
    state_before: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: int | None = Field(alias="resolved_by_id")
    resolution: str


class ContentWithdrawalOut(Schema):
    asset: ContentAssetOut
    flagged: list[ContentFlagOut] = Field(description="the items flagged by this withdrawal")


class ContentReleaseIn(Schema):
    person: text(200)
    document: Id | None = Field(default=None, description="the signed release, an asset")
    territories: Codes = Field(default=[], max_length=250, description="empty: worldwide")
    channels: Codes = Field(default=[], max_length=50, description="empty: any channel")
    starts_on: Day | None = None
    ends_on: Day | None = None


class ContentReleasePatch(Schema):
    """A field left out keeps its value; ``null`` clears a document or a day."""

    person: text(200) | None = None
    document: Id | None = None
    territories: Codes | None = Field(default=None, max_length=250)
    channels: Codes | None = Field(default=None, max_length=50)
    starts_on: Day | None = None
    ends_on: Day | None = None


class ContentReleaseOut(Schema):
    id: int
    asset: int = Field(alias="asset_id")
    person: str
    document: int | None = Field(alias="document_id")
    territories: list[str]
    channels: list[str]
    starts_on: date | None
    ends_on: date | None
    created_at: datetime


class ContentFlagFilters(Schema):
    status: Literal["open", "cleared", "all"] = "open"
    kind: FlagKind | Literal[""] = ""


class ContentFlagClearIn(Schema):
    note: text(500) = Field(description="what was done (required)")


def _asset_out(asset, versions: int | None = None, used_in: list[int] | None = None) -> dict:
    return {
        **{
            f: getattr(asset, f)
            for f in (
                *("id", "name", "status", "withdrawn_at", "withdrawn_reason", "tags"),
                *("licence", "territories", "channels", "rights_start", "rights_end"),
            )
        },
        "versions": asset.versions.count() if versions is None else versions,
        "used_in": sorted(asset.uses.values_list("item_id", flat=True))
        if used_in is None
        else used_in,
    }


def _flag_out(flag) -> dict:
    return {
        **{
            f: getattr(flag, f)
            for f in (
                *("id", "item_id", "asset_id", "kind", "reason", "state_before"),
                *("created_at", "resolved_at", "resolved_by_id", "resolution"),
            )
        },
        "item_title": flag.item.title,
        "asset_name": flag.asset.name,
    }


def _asset(request, asset_id: int):
    found = selectors.asset(request.workspace, asset_id)
    if found is None:
        raise NotFound("asset_id", "no such asset in this workspace")
    return found


@router.get("/assets", response={200: list[ContentAssetOut], **ERRORS})
@endpoint("assets.view")
def list_assets(request, filters: Query[ContentAssetFilters]):
    """The newest 200 assets that match the search."""
    rows = list(
        selectors.assets(
            request.workspace, search=filters.q, tag=filters.tag, status=filters.status
        )
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("-created_at", "-pk")[:200]
    )
    uses = selectors.uses_of([a.pk for a in rows])
    return [_asset_out(a, a.version_count, uses.get(a.pk, [])) for a in rows]


@router.get("/assets/{asset_id}", response={200: ContentAssetOut, **ERRORS, **NOT_FOUND})
@endpoint("assets.view")
def get_asset(request, asset_id: Id):
    return _asset_out(_asset(request, asset_id))


@router.post("/items/{item_id}/assets", response={201: ContentAssetUseOut, **WRITE})
@endpoint("content.edit")
def use_asset(request, item_id: Id, payload: ContentAssetUseIn):
    """Record that the item uses an asset; refused outside the asset's rights (withdrawn,
    its days, territories or channels, or a talent release that does not cover the use)."""
    item = selectors.item(request.workspace, item_id)
    if item is None:
        raise NotFound("item_id", "no such content item in this workspace")
    found = selectors.asset(request.workspace, payload.asset)
    if found is None:
        raise ValidationFailed({"asset": "no such asset in this workspace"})
    use = assets.use_asset(item, found, territory=payload.territory, actor=request.user)
    return Status(201, use)


@router.get(
    "/assets/{asset_id}/withdrawal",
    response={200: list[ContentWithdrawalEffectOut], **ERRORS, **NOT_FOUND},
)
@endpoint("assets.manage")
def withdrawal_preview(request, asset_id: Id):
    """What withdrawing the asset would do now, item by item (archived items are left
    alone); empty for a withdrawn asset."""
    found = _asset(request, asset_id)
    if found.status != "active":
        return []
    return [
        {
            "item": effect["item"].pk,
            "title": effect["item"].title,
            "kind": effect["kind"],
            "state_before": effect["state_before"],
            "state_after": effect["state_after"],
        }
        for effect in withdrawal.effects(found)
    ]


@router.post("/assets/{asset_id}/withdrawal", response={200: ContentWithdrawalOut, **WRITE})
@endpoint("assets.manage")
def withdraw(request, asset_id: Id, payload: ContentWithdrawIn):
    """Withdraw the asset by hand: items waiting to go out with it are taken off the
    schedule, the others that use it are flagged, its owner and downstream systems are
    told. An asset already withdrawn is refused."""
    found = _asset(request, asset_id)
    if found.status != "active":
        raise ValidationFailed({"asset_id": "this asset is already withdrawn"})
    flags = withdrawal.withdraw_asset(found, reason=payload.reason, actor=request.user)
    return {
        "asset": _asset_out(_asset(request, asset_id)),
        "flagged": [_flag_out(flag) for flag in flags],
    }


@router.get(
    "/assets/{asset_id}/releases",
    response={200: list[ContentReleaseOut], **ERRORS, **NOT_FOUND},
)
@endpoint("assets.view")
def list_releases(request, asset_id: Id):
    """The talent releases of the people the asset shows, by person."""
    return selectors.release_list(_asset(request, asset_id))


def _release_values(values: dict) -> dict:
    if "document" in values:
        values["document_id"] = values.pop("document")
    return values


@router.post("/assets/{asset_id}/releases", response={201: ContentReleaseOut, **WRITE})
@endpoint("assets.manage")
def add_release(request, asset_id: Id, payload: ContentReleaseIn):
    """Record a person's release: from then on every use of the asset must be covered by
    a release of each person in it."""
    found = _asset(request, asset_id)
    values = _release_values(payload.dict())
    return Status(201, releases.add_release(found, **values, actor=request.user))


def _release(request, asset_id: int, release_id: int):
    found = selectors.release(_asset(request, asset_id), release_id)
    if found is None:
        raise NotFound("release_id", "no such release of this asset")
    return found


@router.patch(
    "/assets/{asset_id}/releases/{release_id}", response={200: ContentReleaseOut, **WRITE}
)
@endpoint("assets.manage")
def edit_release(request, asset_id: Id, release_id: Id, payload: ContentReleasePatch):
    """Change a release's person, document or terms."""
    found = _release(request, asset_id, release_id)
    values = _release_values(payload.dict(exclude_unset=True))
    return releases.update_release(found, values, actor=request.user)


@router.delete(
    "/assets/{asset_id}/releases/{release_id}", response={204: None, **ERRORS, **NOT_FOUND}
)
@endpoint("assets.manage")
def remove_release(request, asset_id: Id, release_id: Id):
    releases.remove_release(_release(request, asset_id, release_id), actor=request.user)
    return Status(204, None)


@router.get("/flags", response={200: list[ContentFlagOut], **ERRORS})
@endpoint("content.view")
def list_flags(request, filters: Query[ContentFlagFilters]):
    """The newest 200 flags of items that use a withdrawn asset (open ones by default)."""
    rows = selectors.flags(request.workspace, status=filters.status, kind=filters.kind)
    return [_flag_out(flag) for flag in rows.order_by("-created_at", "-pk")[:200]]


@router.post("/flags/{flag_id}/clear", response={200: ContentFlagOut, **WRITE})
@endpoint("content.edit")
def clear_flag(request, flag_id: Id, payload: ContentFlagClearIn):
    """Mark a flag dealt with, with a note of what was done; clearing a cleared flag
    keeps its first note."""
    found = selectors.flag(request.workspace, flag_id)
    if found is None:
        raise NotFound("flag_id", "no such flag in this workspace")
    cleared = withdrawal.clear_flag(found, note=payload.note, actor=request.user)
    return _flag_out(selectors.flag(request.workspace, cleared.pk))
