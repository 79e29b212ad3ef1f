"""Share links over the REST API: make one to a collection or to a single asset (for a
partner, with an expiry, view or download of the renditions named, for channels), list
them, read one with its download counts, and revoke one. Each goes through the same
action as the pages (``assets.share_collection``, ``assets.share_asset``,
``share_links.revoke``) and answers a refusal with 422 naming the field; another
workspace's link is not found (404). Reads need ``assets.view``, writes
``assets.manage``."""

from datetime import datetime
from typing import Literal

from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from pacer.content import assets, partners, selectors, share_links
from pacer.content.models import ShareLink
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id, text
from pacer.core.channels import CHANNELS
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint

router = Router(tags=["content"])
Rendition = Literal["original", "medium", "thumbnail"]
LinkState = Literal["open", "expired", "revoked", "withdrawn"]
LIST_LIMIT = 200
# the action's names for what the API calls by id
API_FIELDS = {"collection": "collection_id", "asset": "asset_id", "partner": "partner_id"}


class ContentShareLinkIn(Schema):
    """Exactly one of ``collection_id`` and ``asset_id``."""

    label: text(200, min_length=1) = Field(description="who it is for", examples=["Springfield"])
    collection_id: Id | None = Field(default=None, description="share this collection")
    asset_id: Id | None = Field(default=None, description="or this one asset")
    partner_id: Id | None = Field(
        default=None, description="the partner it is for: its deactivation stops the link"
    )
    days: int = Field(ge=1, le=assets.MAX_SHARE_DAYS, description="it expires after")
    can_download: bool = Field(default=False, description="false: view only")
    renditions: list[Rendition] = Field(
        default=[], max_length=len(assets.SHARE_KINDS), description="what may be downloaded"
    )
    channels: list[text(40)] = Field(
        default=[],
        max_length=len(CHANNELS),
        description="the channels it is for (each one of the partner's; none: all of them)",
    )


class ContentShareLinkFilters(Schema):
    collection_id: Id | None = None
    asset_id: Id | None = None
    partner_id: Id | None = None


class ContentShareLinkOut(Schema):
    id: int
    label: str
    collection_id: int | None
    asset_id: int | None
    partner_id: int | None
    prefix: str = Field(description="the first characters of its address")
    can_download: bool
    renditions: list[str]
    channels: list[str]
    expires_at: datetime
    created_at: datetime
    created_by: str | None = Field(description="the username of who made it")
    state: LinkState = Field(
        description="withdrawn: its partner is deactivated, or its one asset may be used "
        "nowhere (it works again when that ends, until it expires)"
    )
    state_reason: str
    revoked_at: datetime | None
    revoked_by: str | None
    downloads: int = Field(description="files sent through it")
    refusals: int = Field(description="downloads the asset's rights refused")


class ContentShareLinkDetailOut(ContentShareLinkOut):
    downloads_by_rendition: dict[str, int]


class ContentShareLinkMadeOut(ContentShareLinkOut):
    url: str = Field(description="its address: shown this once (only a digest is kept)")


def _username(user) -> str | None:
    return user.get_username() if user else None


def _out(found: ShareLink) -> dict:
    state, reason = share_links.state(found)
    fields = ("id", "label", "collection_id", "asset_id", "partner_id", "prefix", "can_download")
    return {
        **{name: getattr(found, name) for name in fields},
        **{name: getattr(found, name) for name in ("renditions", "channels", "expires_at")},
        "created_at": found.created_at,
        "created_by": _username(found.created_by),
        "state": state,
        "state_reason": reason,
        "revoked_at": found.revoked_at,
        "revoked_by": _username(found.revoked_by),
        "downloads": found.download_count,
        "refusals": found.refusal_count,
    }


def _link(request, link_id: int) -> ShareLink:
    found = share_links.link(request.workspace, link_id)
    if found is None:
        raise NotFound("link_id", "no such share link in this workspace")
    return found


def _target(request, payload: ContentShareLinkIn):
    """The collection or asset the link is to, refused naming the field."""
    if (payload.collection_id is None) == (payload.asset_id is None):
        raise ValidationFailed({"collection_id": "name a collection_id or an asset_id (one)"})
    if payload.collection_id is not None:
        found = selectors.collection(request.workspace, payload.collection_id)
        if found is None:
            raise ValidationFailed({"collection_id": "no such collection in this workspace"})
        return assets.share_collection, found
    found = selectors.asset(request.workspace, payload.asset_id)
    if found is None:
        raise ValidationFailed({"asset_id": "no such asset in this workspace"})
    return assets.share_asset, found


@router.post("/share-links", response={201: ContentShareLinkMadeOut, **ERRORS, **BODY_ERRORS})
@endpoint("assets.manage")
def create_share_link(request, payload: ContentShareLinkIn):
    """Make a share link (201); its ``url`` is in this answer only."""
    share, target = _target(request, payload)
    partner = None
    if payload.partner_id is not None:
        partner = partners.partner(request.workspace, payload.partner_id)
        if partner is None:
            raise ValidationFailed({"partner_id": "no such partner in this workspace"})
    try:
        made, token = share(
            target,
            label=payload.label,
            days=payload.days,
            can_download=payload.can_download,
            renditions=list(payload.renditions),
            partner=partner,
            channels=list(payload.channels),
            actor=request.user,
        )
    except ValidationFailed as error:
        raise ValidationFailed({API_FIELDS.get(k, k): v for k, v in error.errors.items()}) from None
    url = request.build_absolute_uri(reverse("share", args=[token]))
    return Status(201, {**_out(_link(request, made.pk)), "url": url})


@router.get("/share-links", response={200: list[ContentShareLinkOut], **ERRORS})
@endpoint("assets.view")
def list_share_links(request, filters: Query[ContentShareLinkFilters]):
    """The newest 200 share links (of a collection, an asset or a partner, if named)."""
    rows = share_links.links(request.workspace)
    for name in ("collection_id", "asset_id", "partner_id"):
        if getattr(filters, name) is not None:
            rows = rows.filter(**{name: getattr(filters, name)})
    return [_out(found) for found in rows[:LIST_LIMIT]]


@router.get(
    "/share-links/{link_id}", response={200: ContentShareLinkDetailOut, **ERRORS, **NOT_FOUND}
)
@endpoint("assets.view")
def get_share_link(request, link_id: Id):
    """One share link, with its downloads per rendition."""
    found = _link(request, link_id)
    return {**_out(found), "downloads_by_rendition": share_links.downloads_by_kind(found)}


@router.post(
    "/share-links/{link_id}/revoke", response={200: ContentShareLinkOut, **ERRORS, **NOT_FOUND}
)
@endpoint("assets.manage")
def revoke_share_link(request, link_id: Id):
    """Revoke it: from now on its address answers 410 "revoked", for good (again: no
    change)."""
    found = _link(request, link_id)
    share_links.revoke(found, actor=request.user)
    return _out(_link(request, found.pk))
