"""Partner distribution: a collection's page with its expiring share links, and the
public pages a partner opens with a link (its token is the authority)."""

from functools import wraps

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from pacer.content import assets, partners, selectors
from pacer.content.models import ShareLink
from pacer.content.storage import storage
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.web.components import flash_errors


def _collection(request, collection_id: int):
    found = selectors.collection(request.workspace, collection_id)
    if found is None:
        raise Http404("no such collection")
    return found


@page("assets.view")
def collection_detail(request, collection_id: int):
    return _collection_page(request, _collection(request, collection_id))


def _collection_page(request, collection, *, new_link=None, new_url=None):
    """A collection, its members and its share links. A link's address is shown once,
    right after it is made (only its digest is kept)."""
    return render(
        request,
        "content/collection.html",
        {
            "collection": collection,
            "members": collection.assets.order_by("name"),
            "links": collection.links.order_by("-created_at"),
            "new_link": new_link,
            "new_url": new_url,
            "now": clock.now(),
            "kinds": [(k, k) for k in assets.SHARE_KINDS],
            "partners": [("", "—")]
            + [
                (str(p.pk), p.name)
                for p in partners.partners(request.workspace).filter(active=True)
            ],
            "can_manage": allows(request.role, "assets.manage"),
        },
    )


@require_POST
@page("assets.manage")
def collection_share(request, collection_id: int):
    collection = _collection(request, collection_id)
    data = request.POST
    wanted = data.get("partner", "")
    partner = None
    if wanted:
        is_id = wanted.isdecimal() and len(wanted) < 19
        partner = partners.partner(request.workspace, int(wanted)) if is_id else None
        if partner is None:
            flash_errors(request, ValidationFailed({"partner": "no such partner"}))
            return HttpResponseRedirect(reverse("collection", args=[collection.pk]))
    try:
        link, token = assets.share_collection(
            collection,
            label=data.get("label", ""),
            days=data.get("days", ""),
            can_download=data.get("can_download") == "on",
            renditions=data.getlist("renditions"),
            partner=partner,
            actor=request.user,
        )
    except ValidationFailed as error:
        flash_errors(request, error)
        return HttpResponseRedirect(reverse("collection", args=[collection.pk]))
    url = request.build_absolute_uri(reverse("share", args=[token]))
    return _collection_page(request, collection, new_link=link, new_url=url)


class LinkRefused(Exception):
    """A known share link that refuses every request now (expired, or withdrawn)."""

    def __init__(self, link: ShareLink):
        super().__init__()
        self.link = link


def _link(token: str) -> ShareLink:
    """The usable share link of this token; ``Http404`` for a token no link has,
    ``LinkRefused`` for a link that has expired or was withdrawn."""
    link = selectors.share_link_by_token(token)
    if link is None:
        raise Http404("no such link")
    if assets.share_problem(link):
        raise LinkRefused(link)
    return link


def _refused(request, link: ShareLink) -> HttpResponse:
    """The page a refused link answers, naming why and nothing it pointed to: 410 Gone
    once it has expired (for good), 404 while it is withdrawn (its partner deactivated:
    it may work again)."""
    expired = link.expires_at <= clock.now()
    context = {"expired": expired, "expires_at": link.expires_at}
    return render(request, "content/share_refused.html", context, status=410 if expired else 404)


def refusing(view):
    """A public share-link view that answers ``_refused`` for an expired or withdrawn link."""

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
    shown = [
        a for a in link.collection.assets.order_by("name") if not assets.share_problem(link, a)
    ]
    return render(request, "content/share.html", {"link": link, "token": token, "assets": shown})


@require_GET
@refusing
def share_download(request, token: str, asset_id: int, kind: str):
    """A download through a share link, refused outside its permissions or the asset's
    rights, and counted once per file sent (only a GET sends it)."""
    link = _link(token)
    asset = link.collection.assets.filter(pk=asset_id).first()
    problem = assets.share_problem(link, asset, kind) if asset else "no such asset"
    if problem:
        raise Http404(problem)
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
    assets.record_download(link, asset, kind)
    response = HttpResponse(body, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'attachment; filename="{asset.pk}-{kind}"'
    return response
