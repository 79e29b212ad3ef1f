"""API keys over the REST API: list, issue, revoke and rotate (admins)."""

from datetime import datetime

from ninja import Field, Router, Schema, Status

from pacer.core import actions
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id, text
from pacer.core.errors import NotFound
from pacer.core.models import ApiKey, ApiKeyKind
from pacer.core.permissions import endpoint

router = Router(tags=["core"])


class KeyOut(Schema):
    id: int
    kind: ApiKeyKind
    name: str
    prefix: str
    user: str | None = Field(None, alias="user.username")
    created_at: datetime
    revoked_at: datetime | None


class KeyIn(Schema):
    kind: ApiKeyKind
    name: text(100, min_length=1)


class IssuedKey(Schema):
    key: KeyOut
    secret: str = Field(description="shown once; store it now")


def _key(request, key_id: int) -> ApiKey:
    key = (
        ApiKey.objects.select_related("user", "workspace")
        .filter(workspace=request.workspace, pk=key_id)
        .first()
    )
    if key is None:
        raise NotFound("key_id", "no such key in this workspace")
    return key


@router.get("/keys", response={200: list[KeyOut], **ERRORS})
@endpoint("keys.manage")
def list_keys(request):
    return ApiKey.objects.filter(workspace=request.workspace).select_related("user").order_by("id")


@router.post("/keys", response={201: IssuedKey, **ERRORS, **BODY_ERRORS})
@endpoint("keys.manage")
def issue_key(request, payload: KeyIn):
    """A write key, or a personal token for the caller."""
    key, secret = actions.issue_api_key(
        request.workspace,
        payload.kind,
        payload.name,
        user=request.user if payload.kind == ApiKeyKind.PERSONAL else None,
        actor=request.user,
    )
    return Status(201, {"key": key, "secret": secret})


@router.post("/keys/{key_id}/revoke", response={200: KeyOut, **ERRORS, **NOT_FOUND})
@endpoint("keys.manage")
def revoke_key(request, key_id: Id):
    return actions.revoke_api_key(_key(request, key_id), actor=request.user)


@router.post("/keys/{key_id}/rotate", response={201: IssuedKey, **ERRORS, **NOT_FOUND})
@endpoint("keys.manage")
def rotate_key(request, key_id: Id):
    """A new key of the same kind and name; the old one stops working now."""
    key, secret = actions.rotate_api_key(_key(request, key_id), actor=request.user)
    return Status(201, {"key": key, "secret": secret})
