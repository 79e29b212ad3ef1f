"""Partners over the REST API: list, create by key (sending the same key again answers
the partner made first), read, change and deactivate or reactivate one, list its logins
and take one off it, remove one. Each operation
goes through the same action as the partner pages and answers a refusal with 422 naming
the field; another workspace's partner is not found (404)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from ninja import Field, Router, Schema, Status

from pacer.content import partner_removal, partners
from pacer.content.models import Partner
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id, text
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.core.selectors import role_of

router = Router(tags=["content"])
WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}
PartnerKey = text(60, min_length=1, pattern=partners.KEY.pattern, examples=["springfield"])


class PartnerContact(Schema):
    name: text(200) = ""
    email: text(254)


class PartnerIn(Schema):
    key: PartnerKey = Field(description="its stable name in your systems")
    name: text(200)
    territory: text(2) = Field(description="ISO 3166 country code", examples=["DE"])
    channels: list[text(40)] | None = Field(
        default=None,
        max_length=partners.MAX_CHANNELS,
        description="the channels it may use assets on (1-10; ADR 0011)",
        examples=[["print", "local_partner"]],
    )
    channel: text(40) | None = Field(
        default=None,
        description='deprecated: one channel, as ["channel"]; use channels',
        examples=["local_partner"],
    )
    contacts: list[PartnerContact] = Field(default=[], max_length=partners.MAX_CONTACTS)


class PartnerPatch(Schema):
    """A field left out keeps its value."""

    key: PartnerKey | None = Field(
        default=None,
        description='only for a partner made before keys (key ""): given once, then fixed',
    )
    name: text(200) | None = None
    territory: text(2) | None = None
    channels: list[text(40)] | None = Field(default=None, max_length=partners.MAX_CHANNELS)
    channel: text(40) | None = Field(default=None, description="read-only: use channels")
    contacts: list[PartnerContact] | None = Field(default=None, max_length=partners.MAX_CONTACTS)


class PartnerOut(Schema):
    id: int
    key: str = Field(description='"" for a partner made before keys')
    name: str
    territory: str
    channels: list[str]
    channel: str = Field(description="deprecated, read-only: the first of channels")
    contacts: list[PartnerContact]
    active: bool = Field(description="false: its portal and share links refuse everything")
    collections: list[int] = Field(description="ids of the collections shared with it")
    created_at: datetime


class PartnerLoginOut(Schema):
    user_id: int
    username: str
    email: str
    role: str | None = Field(
        description="their role in the workspace (partner, or another given before a "
        "partner's login kept its role); null when no longer a member"
    )


class LoginRemovedOut(Schema):
    user_id: int
    username: str
    left_workspace: bool = Field(
        description="true when the partner role was what they held: they are no longer a "
        "member and their API tokens are revoked"
    )


class PartnerRemovedOut(Schema):
    id: int
    name: str
    removed_at: datetime
    links_revoked: list[int] = Field(description="ids of its share links revoked (were open)")
    logins_removed: list[LoginRemovedOut]


def _out(found: Partner) -> dict:
    return {
        **{
            f: getattr(found, f)
            for f in ("id", "key", "name", "territory", "channels", "contacts", "active")
        },
        "channel": found.channels[0] if found.channels else "",
        "collections": sorted(found.shares.values_list("collection_id", flat=True)),
        "created_at": found.created_at,
    }


def _partner(request, partner_id: int) -> Partner:
    found = partners.partner(request.workspace, partner_id)
    if found is None:
        raise NotFound("partner_id", "no such partner in this workspace")
    return found


@router.get("/partners", response={200: list[PartnerOut], **ERRORS})
@endpoint("assets.view")
def list_partners(request):
    """Every partner of the workspace, by name."""
    return [_out(found) for found in partners.partners(request.workspace)]


@router.post("/partners", response={200: PartnerOut, 201: PartnerOut, **ERRORS, **BODY_ERRORS})
@endpoint("assets.manage")
def create_partner(request, payload: PartnerIn):
    """Make a partner (201), or answer the one already made with this key (200, left as
    it is: change it with PATCH)."""
    found = partners.partner_by_key(request.workspace, payload.key)
    if found is not None:
        return Status(200, _out(found))
    values = payload.dict()
    channel = values.pop("channel")
    if values["channels"] is None:
        values["channels"] = [channel] if channel is not None else []
    elif channel is not None and channel not in values["channels"]:
        raise ValidationFailed({"channel": "is not one of channels: send channels alone"})
    try:
        with transaction.atomic():
            made = partners.create_partner(request.workspace, **values, actor=request.user)
    except IntegrityError:  # the same key sent twice at once: the first one made it
        found = partners.partner_by_key(request.workspace, payload.key)
        if found is None:
            raise
        return Status(200, _out(found))
    return Status(201, _out(made))


@router.get("/partners/{partner_id}", response={200: PartnerOut, **ERRORS, **NOT_FOUND})
@endpoint("assets.view")
def get_partner(request, partner_id: Id):
    return _out(_partner(request, partner_id))


@router.patch("/partners/{partner_id}", response={200: PartnerOut, **WRITE})
@endpoint("assets.manage")
def update_partner(request, partner_id: Id, payload: PartnerPatch):
    """Change its name, territory, channels or contacts, or give a partner made before
    keys its key; a new territory or set of channels changes what its portal shows at once.
    ``null`` is refused for a field."""
    values = payload.dict(exclude_unset=True)
    if "channel" in values:
        raise ValidationFailed({"channel": "is read-only: change channels (a list)"})
    found = partners.update_partner(_partner(request, partner_id), values, actor=request.user)
    return _out(found)


@router.post("/partners/{partner_id}/deactivate", response={200: PartnerOut, **ERRORS, **NOT_FOUND})
@endpoint("assets.manage")
def deactivate_partner(request, partner_id: Id):
    """Stop its portal and share links at once (again: no change)."""
    return _out(partners.set_active(_partner(request, partner_id), False, actor=request.user))


@router.post("/partners/{partner_id}/reactivate", response={200: PartnerOut, **ERRORS, **NOT_FOUND})
@endpoint("assets.manage")
def reactivate_partner(request, partner_id: Id):
    """Let its portal and its share links that have not expired work again."""
    return _out(partners.set_active(_partner(request, partner_id), True, actor=request.user))


@router.get(
    "/partners/{partner_id}/logins", response={200: list[PartnerLoginOut], **ERRORS, **NOT_FOUND}
)
@endpoint("assets.view")
def list_logins(request, partner_id: Id):
    """The partner's logins, by username."""
    found = _partner(request, partner_id)
    members = found.members.select_related("user").order_by("user__username")
    return [
        {
            "user_id": member.user_id,
            "username": member.user.get_username(),
            "email": member.user.email,
            "role": role_of(member.user, found.workspace),
        }
        for member in members
    ]


@router.delete(
    "/partners/{partner_id}/logins/{user_id}",
    response={200: LoginRemovedOut, **ERRORS, **NOT_FOUND},
)
@endpoint("assets.manage")
def remove_login(request, partner_id: Id, user_id: Id):
    """Take a person off the partner, as the partner page's "Remove login…": they are no
    longer its login, and if the partner role is what they hold here they leave the
    workspace (API tokens revoked); then they may be invited in any role. 422 naming
    ``user_id`` for someone who is not this partner's login (nothing changes)."""
    found = _partner(request, partner_id)
    try:
        user, left = partners.remove_login(found, user_id, actor=request.user)
    except ValidationFailed as error:
        raise ValidationFailed({"user_id": error.errors["user"]}) from None
    return {"user_id": user.pk, "username": user.get_username(), "left_workspace": left}


@router.delete("/partners/{partner_id}", response={200: PartnerRemovedOut, **ERRORS, **NOT_FOUND})
@endpoint("assets.manage")
def remove_partner(request, partner_id: Id):
    """Remove a partner, as its page's "Remove partner": its open share links are revoked,
    its logins taken off it (out of the workspace if the partner role is what they hold,
    their API tokens revoked); it is then not found (404) and its name and key are free.
    Its download log and history stay."""
    found = _partner(request, partner_id)
    done = partner_removal.remove_partner(found, confirm=found.name, actor=request.user)
    return {
        "id": found.pk,
        "name": found.name,
        "removed_at": done.partner.removed_at,
        "links_revoked": [link.pk for link in done.links],
        "logins_removed": [
            {"user_id": x.user_id, "username": x.username, "left_workspace": x.left_workspace}
            for x in done.logins
        ],
    }
