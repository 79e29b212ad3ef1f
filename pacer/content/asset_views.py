"""Pages for the asset library: search and upload, the asset page (versions and
renditions, metadata and rights, talent releases, where used, collections, share links,
withdrawal), and the files themselves."""

from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from pacer.content import assets, releases, selectors, share_links, share_views, withdrawal
from pacer.content.models import AssetStatus
from pacer.content.storage import storage
from pacer.core import clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.web.address import show_at
from pacer.web.filters import Choice, FilterBar, Text
from pacer.web.tables import Column, Table


@dataclass
class Refused:
    """A form of the asset page that was refused: which (``rights``, ``version``,
    ``release``, ``release-<id>``, ``collect``, ``withdraw``, ``share``), what was typed, and
    why."""

    form: str
    values: dict
    errors: dict


# a search counts its matches up to this many ("more than 1,000"): a broad one (one
# letter) at 100,000 assets would otherwise count nearly every row on each request
SEARCH_COUNT_CAP = 1_000


def _asset_url(row) -> str:
    return reverse("asset-detail", args=[row["pk"]])


def _read_upload(request) -> tuple[str, bytes]:
    upload = request.FILES.get("file")
    if upload is None:
        return "", b""
    return upload.name or "", upload.read(assets.MAX_BYTES + 1)


def asset_list_page(request, *, upload=None, collection=None):
    """The assets list with its search, its collections and, for ``assets.manage``, the
    forms that upload an asset and make a collection. ``upload`` or ``collection``: (the
    form as typed, its errors) when that form was refused (422)."""
    workspace = request.workspace
    upload_form, upload_errors = upload or ({}, {})
    collection_form, collection_errors = collection or ({}, {})
    collection_choices = [(str(c.pk), c.name) for c in selectors.collections(workspace)]
    bar = FilterBar(
        request,
        [
            Text("q", "Search", placeholder="Words in the name, description or tags"),
            Text("tag", "Tag"),
            Choice("status", "Status", AssetStatus.choices, blank="Any status"),
            Choice("collection", "Collection", collection_choices, blank="All collections"),
        ],
    )
    values = bar.values
    rows = selectors.assets(
        workspace,
        search=values["q"],
        tag=values["tag"],
        status=values["status"],
        collection=values["collection"],
    )
    table = Table(
        request,
        rows,
        [
            Column("name", "Name", sortable=True, href=_asset_url),
            Column("tags", "Tags", text=lambda a: ", ".join(a["tags"] or []) or "—"),
            Column("licence", "Licence", sortable=True),
            Column("rights_end", "Rights end", format="date", sortable=True),
            Column("status", "Status", sortable=True, labels=dict(AssetStatus.choices)),
            Column("created_at", "Added", format="datetime", sortable=True),
        ],
        default_sort="-created_at",
        caption="Assets",
        empty_title="No assets match." if bar.active else "No assets yet.",
        empty_hint="Clear the search to see every asset." if bar.active else "Upload one below.",
        html_id="assets",
        count_cap=SEARCH_COUNT_CAP if bar.active else None,  # None: the default cap
    )
    context = {
        "table": table,
        "bar": bar,
        "form": upload_form,
        "errors": upload_errors,
        "collection_form": collection_form,
        "collection_errors": collection_errors,
        "collections": selectors.collections(workspace),
        "can_manage": allows(request.role, "assets.manage"),
        "file_help": f"PNG, JPEG, GIF, WebP or PDF, up to {assets.MAX_BYTES // 2**20} MB",
    }
    status = 422 if upload or collection else 200
    return render(request, "content/asset_list.html", context, status=status)


@page("assets.view")
def asset_list(request):
    if request.method == "POST":
        return _upload(request)
    return asset_list_page(request)


@page("assets.manage")
def _upload(request):
    data = request.POST
    filename, content = _read_upload(request)
    try:
        asset = assets.upload_asset(
            request.workspace,
            name=data.get("name", ""),
            filename=filename,
            data=content,
            description=data.get("description", ""),
            tags=data.get("tags", ""),
            rights={f: data.get(f, "") for f in assets.RIGHTS_FIELDS},
            owner=request.user,
        )
    except ValidationFailed as error:
        return asset_list_page(request, upload=(data, error.errors))
    messages.success(request, f"“{asset.name}” uploaded; its renditions are being made.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]))


def _get(request, asset_id: int):
    found = selectors.asset(request.workspace, asset_id)
    if found is None:
        raise Http404("no such asset")
    return found


def _where_used(asset) -> list:
    """The asset's uses, each with its item's state as the workflow names it."""
    flow = selectors.workflow(asset.workspace)
    uses = list(selectors.where_used(asset))
    for use in uses:
        use.state_label = flow.label(use.item.state)
    return uses


@page("assets.view")
def asset_detail(request, asset_id: int):
    return _detail(request, _get(request, asset_id))


def _rights_values(asset) -> dict:
    """The details-and-rights form's values as the asset has them."""
    return {
        "name": asset.name,
        "description": asset.description,
        "licence": asset.licence,
        "territories": ", ".join(asset.territories),
        "channels": ", ".join(asset.channels),
        "rights_start": asset.rights_start.isoformat() if asset.rights_start else "",
        "rights_end": asset.rights_end.isoformat() if asset.rights_end else "",
        "tags": ", ".join(asset.tags),
    }


def _release_edits(asset, refused: Refused | None) -> list[tuple]:
    """(release, the edit form's values, its errors, open) for each release: the refused
    one with what was typed, open."""
    edits = []
    for release in selectors.release_list(asset):
        if refused and refused.form == f"release-{release.pk}":
            edits.append((release, refused.values, refused.errors, True))
            continue
        values = {
            "person": release.person,
            "territories": ", ".join(release.territories),
            "channels": ", ".join(release.channels),
            "starts_on": release.starts_on.isoformat() if release.starts_on else "",
            "ends_on": release.ends_on.isoformat() if release.ends_on else "",
            "document": str(release.document_id or ""),
        }
        edits.append((release, values, {}, False))
    return edits


def _detail(request, asset, refused: Refused | None = None, *, shared=(None, None)):
    """The asset page; ``refused``: the form that was refused, shown again (422) with what
    was typed and the reasons at its fields (a dialog's form comes back open); ``shared``:
    (the share link just made, its address: shown once)."""
    show_at(request, reverse("asset-detail", args=[asset.pk]))
    can_manage = allows(request.role, "assets.manage")
    typed = refused.values if refused else {}
    errors = refused.errors if refused else {}
    form = refused.form if refused else ""
    context = {
        **share_views.share_context(
            request,
            share_links.links(request.workspace).filter(asset=asset),
            form=typed if form == "share" else {"days": "30"},
            errors=errors if form == "share" else {},
            action=reverse("asset-share", args=[asset.pk]),
            channels_url=reverse("asset-share-channels", args=[asset.pk]),
            new=shared,
        ),
        "asset": asset,
        "versions": selectors.asset_versions(asset),
        "uses": _where_used(asset),
        "in_collections": asset.collections.order_by("name"),
        "collections": [(str(c.pk), c.name) for c in selectors.collections(request.workspace)],
        "can_manage": can_manage,
        "channel_names": ", ".join(CHANNELS.get(c, c) for c in asset.channels) or "any",
        "notices": asset.notices.order_by("created_at"),
        "releases": _release_edits(asset, refused),
        "document_choices": [("", "—")]
        + [
            (str(pk), name)
            for pk, name in selectors.assets(request.workspace)
            .exclude(pk=asset.pk)
            .order_by("-created_at")
            .values_list("pk", "name")[:200]
        ],
        "today": clock.now().date(),
        "effects": withdrawal.effects(asset)
        if can_manage and asset.status == AssetStatus.ACTIVE
        else [],
        "facts": _rights_values(asset),
        "rights": typed if form == "rights" else _rights_values(asset),
        "rights_errors": errors if form == "rights" else {},
        "version_errors": errors if form == "version" else {},
        "release_form": typed if form == "release" else {},
        "release_errors": errors if form == "release" else {},
        "collect_form": typed if form == "collect" else {},
        "collect_errors": errors if form == "collect" else {},
        "withdraw_form": typed if form == "withdraw" else {},
        "withdraw_errors": errors if form == "withdraw" else {},
    }
    status = 422 if refused else 200
    return render(request, "content/asset_detail.html", context, status=status)


@require_POST
@page("assets.manage")
def asset_update(request, asset_id: int):
    asset = _get(request, asset_id)
    data = request.POST
    values = {f: data.get(f, "") for f in (*assets.RIGHTS_FIELDS, "name", "description", "tags")}
    try:
        assets.update_asset(asset, values, actor=request.user)
    except ValidationFailed as error:
        return _detail(request, asset, Refused("rights", values, error.errors))
    messages.success(request, "Saved.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]))


@require_POST
@page("assets.manage")
def asset_version(request, asset_id: int):
    asset = _get(request, asset_id)
    filename, content = _read_upload(request)
    try:
        version = assets.add_version(asset, filename=filename, data=content, user=request.user)
    except ValidationFailed as error:
        return _detail(request, asset, Refused("version", {}, error.errors))
    messages.success(request, f"Version {version.number} uploaded.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]))


@require_POST
@page("assets.manage")
def asset_collect(request, asset_id: int):
    asset = _get(request, asset_id)
    chosen = request.POST.get("collection", "")
    name = request.POST.get("new_collection", "").strip()
    try:
        if name:
            collection = assets.create_collection(request.workspace, name, actor=request.user)
        else:
            collection = (
                selectors.collection(request.workspace, int(chosen)) if chosen.isdecimal() else None
            )
            if collection is None:
                raise ValidationFailed({"collection": "choose a collection or name a new one"})
        assets.collect(collection, asset, actor=request.user)
    except ValidationFailed as error:
        typed = {"collection": chosen, "new_collection": request.POST.get("new_collection", "")}
        errors = {("new_collection" if k == "name" else k): v for k, v in error.errors.items()}
        return _detail(request, asset, Refused("collect", typed, errors))
    messages.success(request, f"Added to “{collection.name}”.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]))


@require_POST
@page("assets.manage")
def asset_share(request, asset_id: int):
    """Make a share link to this one asset; refused, the asset's page again with the share
    form as typed and the reasons at its fields (nothing made)."""
    asset = _get(request, asset_id)
    form = share_views.share_form_values(request.POST)
    try:
        link, url = share_views.make_link(request, form, partial(assets.share_asset, asset))
    except ValidationFailed as error:
        return _detail(request, asset, Refused("share", form, error.errors))
    return _detail(request, asset, shared=(link, url))


@require_GET
@page("assets.manage")
def asset_share_channels(request, asset_id: int):
    """The asset share form's channel checkboxes for the partner chosen (HTMX)."""
    asset = _get(request, asset_id)
    return share_views.share_channels(request, reverse("asset-share-channels", args=[asset.pk]))


@page("assets.view")
def asset_file(request, asset_id: int, number: int, kind: str):
    """A version's original file (``kind`` "original") or one of its renditions."""
    asset = _get(request, asset_id)
    version = asset.versions.filter(number=number).first()
    if version is None:
        raise Http404("no such version")
    if kind == "original":
        key, content_type = version.storage_key, version.content_type
    else:
        rendition = version.renditions.filter(kind=kind).first()
        if rendition is None:
            raise Http404("no such rendition (yet)")
        key = rendition.storage_key
        content_type = "image/png" if key.endswith(".png") else "image/jpeg"
    try:
        body = storage().read(key)
    except FileNotFoundError:
        raise Http404("the file is missing from storage") from None
    response = HttpResponse(body, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{version.filename.replace(chr(34), "")}"'
    return response


@require_POST
@page("assets.manage")
def asset_withdraw(request, asset_id: int):
    """Withdraw the asset by hand, with a reason (confirmed in the page's dialog, which
    lists what it will do to the items that use it; refused, the dialog comes back open
    with the reason typed and why)."""
    asset = _get(request, asset_id)
    if asset.status != AssetStatus.ACTIVE:
        messages.error(request, "This asset is already withdrawn.")
        return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]))
    reason = request.POST.get("reason", "")
    try:
        flags = withdrawal.withdraw_asset(asset, reason=reason, actor=request.user)
    except ValidationFailed as error:
        return _detail(request, asset, Refused("withdraw", {"reason": reason}, error.errors))
    messages.success(request, f"“{asset.name}” withdrawn; {len(flags)} content item(s) flagged.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]))


def _release_values(data) -> dict:
    values = {field: data.get(field, "") for field in releases.RELEASE_FIELDS}
    values["document_id"] = data.get("document", "")
    return values


def _typed_release(data) -> dict:
    """A release form's values as typed, to show it again."""
    names = ("person", "territories", "channels", "starts_on", "ends_on", "document")
    return {name: data.get(name, "") for name in names}


@require_POST
@page("assets.manage")
def release_add(request, asset_id: int):
    asset = _get(request, asset_id)
    values = _release_values(request.POST)
    try:
        release = releases.add_release(asset, **values, actor=request.user)
    except ValidationFailed as error:
        typed = _typed_release(request.POST)
        return _detail(request, asset, Refused("release", typed, error.errors))
    messages.success(request, f"Release of {release.person} added.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]) + "#releases-h")


def _release(request, asset_id: int, release_id: int):
    asset = _get(request, asset_id)
    found = selectors.release(asset, release_id)
    if found is None:
        raise Http404("no such release")
    return asset, found


@require_POST
@page("assets.manage")
def release_edit(request, asset_id: int, release_id: int):
    asset, release = _release(request, asset_id, release_id)
    try:
        releases.update_release(release, _release_values(request.POST), actor=request.user)
    except ValidationFailed as error:
        typed = _typed_release(request.POST)
        return _detail(request, asset, Refused(f"release-{release.pk}", typed, error.errors))
    messages.success(request, f"Release of {release.person} saved.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]) + "#releases-h")


@require_POST
@page("assets.manage")
def release_remove(request, asset_id: int, release_id: int):
    asset, release = _release(request, asset_id, release_id)
    releases.remove_release(release, actor=request.user)
    messages.success(request, f"Release of {release.person} removed.")
    return HttpResponseRedirect(reverse("asset-detail", args=[asset.pk]) + "#releases-h")
