"""Partner distribution: a collection's page with its expiring share links (the asset
page shows an asset's the same way), revoking one, and the public pages a partner opens
with a link (its token is the authority)."""

from functools import partial, wraps

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from pacer.content import (
    assets,
    collection_actions,
    partners,
    selectors,
    share_links,
    share_refusals,
)
from pacer.content.models import ShareLink
from pacer.content.storage import storage
from pacer.core import clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed, row_id
from pacer.core.permissions import allows, page


def _collection(request, collection_id: int):
    found = selectors.collection(request.workspace, collection_id)
    if found is None:
        raise Http404("no such collection")
    return found


@page("assets.view")
def collection_detail(request, collection_id: int):
    return _collection_page(request, _collection(request, collection_id))


def _collection_page(request, collection, *, new_link=None, new_url=None, refused=None, edit=None):
    """A collection, its members and its share links. A link's address is shown once,
    right after it is made (only its digest is kept). ``refused``: (the share form as
    typed, its errors) when a link was refused (422, the form shown again); ``edit``:
    (``rename``, ``remove`` or ``delete``, the form as typed, its errors) when one of
    ``collection_views``' forms was (422)."""
    form, errors = refused or ({"days": "30"}, {})
    stored = {"name": collection.name, "description": collection.description}
    which, edit_form, edit_errors = edit or ("", stored, {})
    refusals = share_refusals.recent_refusals(collection)
    for refusal in refusals:
        refusal.channel_name = CHANNELS.get(refusal.channel, refusal.channel)
    context = {
        "collection": collection,
        "members": collection.assets.order_by("name"),
        "refusals": refusals,
        "rename_form": edit_form if which in ("", "rename") else stored,
        "rename_errors": edit_errors if which == "rename" else {},
        "remove_errors": edit_errors if which == "remove" else {},
        "delete_errors": edit_errors if which == "delete" else {},
        "add_errors": edit_errors if which == "add" else {},
        **_candidates(request, collection),
        "deletion": collection_actions.deletion(collection),
        **share_context(
            request,
            share_links.links(request.workspace).filter(collection=collection),
            form=form,
            errors=errors,
            action=reverse("collection-share", args=[collection.pk]),
            channels_url=reverse("collection-share-channels", args=[collection.pk]),
            new=(new_link, new_url),
        ),
    }
    status = 422 if refused or edit else 200
    return render(request, "content/collection.html", context, status=status)


def _candidates(request, collection) -> dict:
    """The collection page's asset search (``?find=``, for ``assets.manage``): the first
    10 matching assets not in it yet, by name, each with an Add button."""
    find = request.GET.get("find", "").strip()[:200]
    found = []
    if find and allows(request.role, "assets.manage"):
        rows = selectors.assets(request.workspace, search=find).exclude(collections=collection)
        found = list(rows.order_by("name", "pk")[:10])
    return {"find": find, "candidates": found}


def share_context(request, links, *, form, errors, action, channels_url, new=(None, None)):
    """What a page's share links table and share form need (``content/_share_links.html``
    and ``_share_form.html``): the links with their state, the form as typed and its
    errors, where it posts and where its channel checkboxes come from; ``new``: (the link
    just made, its address: shown once)."""
    links = list(links)
    for link in links:
        link.channel_names = ", ".join(CHANNELS.get(c, c) for c in link.channels)
        link.state, link.state_reason = share_links.state(link)
    chosen = _chosen_partner(request, form.get("partner", ""))
    return {
        "links": links,
        "new_link": new[0],
        "new_url": new[1],
        "now": clock.now(),
        "kinds": [(k, k) for k in assets.SHARE_KINDS],
        "share_channels": _share_channels(chosen, form.get("channels", [])),
        "share_partner": chosen,
        "share_action": action,
        "share_channels_url": channels_url,
        "partners": [("", "—")]
        + [(str(p.pk), p.name) for p in partners.partners(request.workspace).filter(active=True)],
        "can_manage": allows(request.role, "assets.manage"),
        "share_form": form,
        "share_errors": errors,
    }


def share_form_values(data) -> dict:
    """The share form as posted."""
    return {
        "label": data.get("label", ""),
        "days": data.get("days", ""),
        "partner": data.get("partner", ""),
        "can_download": data.get("can_download") == "on",
        "renditions": data.getlist("renditions"),
        "channels": data.getlist("channels"),
    }


def make_link(request, form: dict, share) -> tuple:
    """Make a link with ``share`` (``assets.share_collection`` or ``share_asset``, its
    target bound) from the share form: (link, its address) or raises ``ValidationFailed``
    naming the form's fields."""
    partner = _chosen_partner(request, form["partner"])
    if form["partner"] and partner is None:
        raise ValidationFailed({"partner": "no such partner"})
    link, token = share(
        label=form["label"],
        days=form["days"],
        can_download=form["can_download"],
        renditions=form["renditions"],
        partner=partner,
        channels=form["channels"],
        actor=request.user,
    )
    return link, request.build_absolute_uri(reverse("share", args=[token]))


def _chosen_partner(request, wanted: str):
    """The partner the share form names (``None``: none, or no partner of the workspace)."""
    number = row_id(wanted) if wanted else None
    return partners.partner(request.workspace, number) if number else None


def _share_channels(partner, ticked: list[str]) -> list[tuple[str, str]]:
    """The share form's channel checkboxes: the partner's channels (and any other one
    ticked, so a refused form shows what was refused), or every channel for no partner."""
    if partner is None:
        return list(CHANNELS.items())
    shown = set(partner.channels) | set(ticked)
    return [(key, name) for key, name in CHANNELS.items() if key in shown]


@require_GET
@page("assets.manage")
def collection_share_channels(request, collection_id: int):
    """The share form's channel checkboxes for the partner chosen (HTMX, on its change):
    that partner's channels, those still ticked kept ticked."""
    collection = _collection(request, collection_id)
    return share_channels(request, reverse("collection-share-channels", args=[collection.pk]))


def share_channels(request, channels_url: str):
    chosen = _chosen_partner(request, request.GET.get("partner", ""))
    ticked = request.GET.getlist("channels")
    allowed = set(chosen.channels) if chosen else set(CHANNELS)
    context = {
        "share_channels_url": channels_url,
        "share_partner": chosen,
        "share_channels": _share_channels(chosen, []),
        "share_form": {"channels": [c for c in ticked if c in allowed]},
        "share_errors": {},
    }
    return render(request, "content/_share_channels.html", context)


@require_POST
@page("assets.manage")
def collection_share(request, collection_id: int):
    """Make a share link; refused, the collection's page again with the form as typed and
    the reasons at its fields (nothing made)."""
    collection = _collection(request, collection_id)
    form = share_form_values(request.POST)
    try:
        link, url = make_link(request, form, partial(assets.share_collection, collection))
    except ValidationFailed as error:
        return _collection_page(request, collection, refused=(form, error.errors))
    return _collection_page(request, collection, new_link=link, new_url=url)


@require_POST
@page("assets.manage")
def link_revoke(request, link_id: int):
    """Revoke a share link (after the page's confirmation), back to its collection's or
    asset's page with a toast; another workspace's link is not found."""
    found = share_links.link(request.workspace, link_id)
    if found is None:
        raise Http404("no such share link")
    already = found.revoked_at is not None
    share_links.revoke(found, actor=request.user)
    if already:
        messages.info(request, f"The link for {found.label} was already revoked.")
    else:
        messages.success(request, f"The link for {found.label} is revoked: it opens nothing now.")
    if found.asset_id is not None:
        back = reverse("asset-detail", args=[found.asset_id])
    else:
        back = reverse("collection", args=[found.collection_id])
    return HttpResponseRedirect(back + "#links-h")


class LinkRefused(Exception):
    """A known share link that refuses every request now (revoked, expired or withdrawn)."""

    def __init__(self, link: ShareLink):
        super().__init__()
        self.link = link


def _link(token: str) -> ShareLink:
    """The usable share link of this token; ``Http404`` for a token no link has,
    ``LinkRefused`` for a link that is not open (``share_links.refusal``)."""
    link = selectors.share_link_by_token(token)
    if link is None:
        raise Http404("no such link")
    if share_links.refusal(link):
        raise LinkRefused(link)
    return link


def _refused(request, link: ShareLink) -> HttpResponse:
    """The page a refused link answers, in its own words for the link's state
    (``share_links.refusal``) and naming nothing it pointed to: 410 Gone once it was
    revoked or has expired (for good), 404 while it is withdrawn (its partner deactivated,
    or its one asset may be used nowhere: it may work again)."""
    refused = share_links.refusal(link)
    context = {"refused": refused, "expires_at": link.expires_at}
    status = 404 if refused == share_links.WITHDRAWN else 410
    return render(request, "content/share_refused.html", context, status=status)


def refusing(view):
    """A public share-link view that answers ``_refused`` for a link that is not open."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LinkRefused as refused:
            return _refused(request, refused.link)

    return wrapper


@refusing
def share(request, token: str):
    """A partner's view of a shared collection: the assets whose rights still hold."""
    link = _link(token)
    today = clock.now().date()
    shown = [
        (asset, _channel_choices(assets.covered_channels(link, asset, today)))
        for asset in assets.link_assets(link).prefetch_related("releases").order_by("name")
        if not assets.share_problem(link, asset)
    ]
    return render(request, "content/share.html", {"link": link, "token": token, "shown": shown})


def _channel_choices(covered: list[str] | None) -> list[tuple[str, str]]:
    """(key, name) of each channel a download may be for; one blank one when the link
    checks no channel."""
    return [(c, CHANNELS[c]) for c in covered] if covered is not None else [("", "")]


def _download_channel(link: ShareLink, asset, wanted: str) -> str:
    """The channel a download is for: ``wanted``, else the link's only one, else the only
    one of the link's that the asset's rights cover today ("" for a link that checks no
    channel, or several)."""
    if wanted:
        return wanted[:40]
    _, channels = assets.link_use(link)
    if len(channels) == 1:
        return channels[0]
    covered = assets.covered_channels(link, asset, clock.now().date())
    return covered[0] if covered and len(covered) == 1 else ""


@require_GET
@refusing
def share_download(request, token: str, asset_id: int, kind: str):
    """A download through a share link, for the channel ``?channel=`` names (or the only
    one the link's asset is covered on), counted once per file sent (only a GET sends it).
    404 outside the link's permissions; 422 with the reason, logged and nothing sent, when
    the asset's rights do not cover what the link is for today (ADR 0011, step 5)."""
    link = _link(token)
    asset = assets.link_assets(link).filter(pk=asset_id).first()
    if asset is None or not link.can_download:
        raise Http404("no such asset")
    if kind not in link.renditions:
        raise Http404("this link does not allow that download")
    channel = _download_channel(link, asset, request.GET.get("channel", ""))
    refusal = assets.rights_refusal(link, asset, channel)
    if refusal:
        share_refusals.record_refusal(link, asset, kind, channel, refusal)
        context = {"reason": refusal, "token": token}
        return render(request, "content/share_not_covered.html", context, status=422)
    covered = assets.covered_channels(link, asset, clock.now().date())
    if covered and not channel:
        names = " or ".join(CHANNELS[c] for c in covered)
        reason = f"choose the channel you will use it on: {names}"
        context = {"reason": reason, "token": token}
        return render(request, "content/share_not_covered.html", context, status=422)
    version = asset.versions.order_by("-number").first()
    if version is None:
        raise Http404("this asset has no file")
    if kind == "original":
        key, content_type = version.storage_key, version.content_type
    else:
        rendition = version.renditions.filter(kind=kind).first()
        if rendition is None:
            raise Http404("no such rendition (yet)")
        key = rendition.storage_key
        content_type = "image/png" if key.endswith(".png") else "image/jpeg"
    body = storage().read(key)
    assets.record_download(link, asset, kind, channel)
    response = HttpResponse(body, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'attachment; filename="{asset.pk}-{kind}"'
    return response
