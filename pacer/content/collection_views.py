"""A collection's own forms: make one (from the assets list), rename or describe it, put
an asset in (found by the page's search),
take an asset out of it (from its page or the
asset's), and delete it (``collection_actions`` says what that does). A refused form
comes back on the collection's page (422) with the reason at its field."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.content import asset_views, assets, collection_actions, selectors
from pacer.content.share_views import _collection, _collection_page
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page


@require_POST
@page("assets.manage")
def collection_create(request):
    """The assets list's New collection form: a name and an optional description; made,
    the new collection's page; refused, the assets list again (422) with the reasons at
    the form's fields and what was typed kept."""
    typed = {field: request.POST.get(field, "") for field in ("name", "description")}
    try:
        made = assets.create_collection(request.workspace, **typed, actor=request.user)
    except ValidationFailed as error:
        return asset_views.asset_list_page(request, collection=(typed, error.errors))
    messages.success(request, f"Collection “{made.name}” made: find assets to add below.")
    return HttpResponseRedirect(reverse("collection", args=[made.pk]))


@require_POST
@page("assets.manage")
def collection_rename(request, collection_id: int):
    """Its name and description (the page's Rename form)."""
    collection = _collection(request, collection_id)
    typed = {field: request.POST.get(field, "") for field in ("name", "description")}
    try:
        edited = collection_actions.edit(collection, **typed, actor=request.user)
    except ValidationFailed as error:
        return _collection_page(request, collection, edit=("rename", typed, error.errors))
    messages.success(request, f"Saved “{edited.name}”.")
    return HttpResponseRedirect(reverse("collection", args=[collection.pk]))


@require_POST
@page("assets.manage")
def collection_add(request, collection_id: int):
    """Put the asset named by ``asset`` (an id, from the page's asset search) in it."""
    collection = _collection(request, collection_id)
    chosen = request.POST.get("asset", "")
    is_id = chosen.isdecimal() and len(chosen) <= 18
    asset = selectors.asset(request.workspace, int(chosen)) if is_id else None
    try:
        if asset is None:
            raise ValidationFailed({"asset": "no such asset in this workspace"})
        assets.collect(collection, asset, actor=request.user)
    except ValidationFailed as error:
        return _collection_page(request, collection, edit=("add", {}, error.errors))
    messages.success(request, f"“{asset.name}” added to “{collection.name}”.")
    return HttpResponseRedirect(reverse("collection", args=[collection.pk]))


@require_POST
@page("assets.manage")
def collection_remove(request, collection_id: int, asset_id: int):
    """Take an asset out; back to the asset's page when the form was there
    (``back=asset``), else to the collection's."""
    collection = _collection(request, collection_id)
    asset = selectors.asset(request.workspace, asset_id)
    try:
        if asset is None:
            raise ValidationFailed({"asset": "no such asset in this workspace"})
        collection_actions.uncollect(collection, asset, actor=request.user)
    except ValidationFailed as error:
        return _collection_page(request, collection, edit=("remove", {}, error.errors))
    messages.success(request, f"“{asset.name}” taken out of “{collection.name}”.")
    if request.POST.get("back") == "asset":
        return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]))
    return HttpResponseRedirect(reverse("collection", args=[collection.pk]))


@require_POST
@page("assets.manage")
def collection_delete(request, collection_id: int):
    collection = _collection(request, collection_id)
    try:
        effects = collection_actions.delete(collection, actor=request.user)
    except ValidationFailed as error:
        return _collection_page(request, collection, edit=("delete", {}, error.errors))
    shared = effects["partners"]
    ended = f" No longer shared with {', '.join(shared)}." if shared else ""
    messages.success(request, f"Collection “{collection.name}” deleted; its assets stay.{ended}")
    # to the list's collections (a fragment of its own: else the form's would be kept)
    return HttpResponseRedirect(reverse("asset-list") + "#collections-h")
