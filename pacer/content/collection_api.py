"""Collections of assets over the REST API: list, read, make, rename or describe, put an asset in or
take it out, and delete (``collection_actions`` says what deleting does and when it is
refused). The same actions as the pages; bad input is 422 naming the field."""

from ninja import Field, Router, Schema, Status

from pacer.content import assets, collection_actions, selectors
from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id, text
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint

router = Router(tags=["content"])
WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}


class ContentCollectionOut(Schema):
    id: int
    name: str
    description: str
    assets: list[int] = Field(description="ids of its assets")
    partners: list[int] = Field(description="ids of the partners it is shared with")
    share_links: int = Field(description="how many share links it has (any state)")


class ContentCollectionIn(Schema):
    name: text(200, min_length=1)
    description: text(5000) = ""


class ContentCollectionPatch(Schema):
    """A field left out keeps its value; ``null`` is refused."""

    name: text(200, min_length=1) | None = None
    description: text(5000) | None = None


class ContentCollectionAssetIn(Schema):
    asset_id: Id


class ContentCollectionDeleteOut(Schema):
    id: int
    name: str
    assets: int = Field(description="how many assets it held (none is deleted)")
    partners: list[str] = Field(description="the partners who no longer see it on the portal")


def _out(collection) -> dict:
    return {
        "id": collection.pk,
        "name": collection.name,
        "description": collection.description,
        "assets": sorted(collection.assets.values_list("pk", flat=True)),
        "partners": sorted(collection.partner_shares.values_list("partner_id", flat=True)),
        "share_links": collection.links.count(),
    }


def _collection(request, collection_id: int):
    found = selectors.collection(request.workspace, collection_id)
    if found is None:
        raise NotFound("collection_id", "no such collection in this workspace")
    return found


def _asset(request, asset_id: int):
    found = selectors.asset(request.workspace, asset_id)
    if found is None:
        raise ValidationFailed({"asset_id": "no such asset in this workspace"})
    return found


@router.get("/collections", response={200: list[ContentCollectionOut], **ERRORS})
@endpoint("assets.view")
def list_collections(request):
    """Every collection, by name."""
    return [_out(c) for c in selectors.collections(request.workspace)]


@router.post("/collections", response={201: ContentCollectionOut, **ERRORS, **BODY_ERRORS})
@endpoint("assets.manage")
def create_collection(request, payload: ContentCollectionIn):
    """A new, empty collection; a name the workspace has is refused naming ``name``."""
    made = assets.create_collection(
        request.workspace, payload.name, payload.description, actor=request.user
    )
    return Status(201, _out(made))


@router.get(
    "/collections/{collection_id}", response={200: ContentCollectionOut, **ERRORS, **NOT_FOUND}
)
@endpoint("assets.view")
def get_collection(request, collection_id: Id):
    return _out(_collection(request, collection_id))


@router.patch("/collections/{collection_id}", response={200: ContentCollectionOut, **WRITE})
@endpoint("assets.manage")
def edit_collection(request, collection_id: Id, payload: ContentCollectionPatch):
    """Rename it (unique in the workspace) and/or change its description."""
    found = _collection(request, collection_id)
    changes = payload.dict(exclude_unset=True)
    nulls = {field: "must not be null" for field, value in changes.items() if value is None}
    if nulls:
        raise ValidationFailed(nulls)
    return _out(collection_actions.edit(found, **changes, actor=request.user))


@router.post("/collections/{collection_id}/assets", response={200: ContentCollectionOut, **WRITE})
@endpoint("assets.manage")
def add_asset(request, collection_id: Id, payload: ContentCollectionAssetIn):
    """Put an asset in it (one already in it: no change)."""
    found = _collection(request, collection_id)
    asset = _asset(request, payload.asset_id)
    if not found.assets.filter(pk=asset.pk).exists():
        assets.collect(found, asset, actor=request.user)
    return _out(found)


@router.delete(
    "/collections/{collection_id}/assets/{asset_id}",
    response={200: ContentCollectionOut, **ERRORS, **NOT_FOUND},
)
@endpoint("assets.manage")
def remove_asset(request, collection_id: Id, asset_id: Id):
    """Take an asset out (it stays in the library); one not in it: 422 naming
    ``asset_id``."""
    found = _collection(request, collection_id)
    asset = _asset(request, asset_id)
    try:
        collection_actions.uncollect(found, asset, actor=request.user)
    except ValidationFailed as error:
        raise ValidationFailed({"asset_id": error.errors["asset"]}) from error
    return _out(found)


@router.delete(
    "/collections/{collection_id}",
    response={200: ContentCollectionDeleteOut, **ERRORS, **NOT_FOUND},
)
@endpoint("assets.manage")
def delete_collection(request, collection_id: Id):
    """Delete it: its assets stay, its partner shares end; refused (422 naming
    ``collection``) while it has share links."""
    found = _collection(request, collection_id)
    effects = collection_actions.delete(found, actor=request.user)
    return {
        "id": collection_id,
        "name": found.name,
        "assets": effects["assets"],
        "partners": effects["partners"],
    }
