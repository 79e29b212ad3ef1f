"""Partner distribution through the portal: the staff pages that make partners, share
collections with them, give them logins and read the download log; and the portal a
partner's login sees (nothing else of the workspace: its role holds only
``content.portal``)."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from pacer.content import partner_removal, partners, selectors, share_links
from pacer.content.assets import SHARE_KINDS
from pacer.content.models import Collection, Partner, ShareLink
from pacer.content.storage import storage
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.core.roles import Role
from pacer.core.selectors import role_of
from pacer.web.address import show_at
from pacer.web.components import flash_errors
from pacer.web.tables import Column, Table


def _partner(request, partner_id: int):
    found = partners.partner(request.workspace, partner_id)
    if found is None:
        raise Http404("no such partner")
    return found


def _labelled(found):
    found.channel_label = partners.channel_names(found.channels)
    return found


def _log(request, partner_id: int | None = None) -> Table:
    return Table(
        request,
        partners.downloads(request.workspace, partner_id=partner_id),
        [
            Column("downloaded_at", "When", format="datetime", sortable=True),
            Column("partner__name", "Partner", sortable=True, visible=partner_id is None),
            Column("user__username", "Who"),
            Column("asset__name", "Asset", sortable=True),
            Column("version__number", "Version", format="count"),
            Column("kind", "Rendition"),
            Column("channel", "Channel", labels=CHANNELS),
        ],
        default_sort="-downloaded_at",
        caption="Downloads from the partner portal",
        empty_title="No downloads yet.",
        html_id="partner-downloads",
    )


@page("assets.view")
def partner_list(request):
    return _list_page(request)


def _list_page(request, *, form=None, errors=None, status=200):
    show_at(request, reverse("partner-list"))
    return render(
        request,
        "content/partners.html",
        {
            "partners": [
                _labelled(found)
                for found in partners.partners(request.workspace).prefetch_related("shares")
            ],
            "table": _log(request),
            "removed": partner_removal.removed(request.workspace),
            "channels": CHANNELS.items(),
            "chosen": form.getlist("channels") if form else [],
            "can_manage": allows(request.role, "assets.manage"),
            "form": form or {},
            "errors": errors,
        },
        status=status,
    )


@require_POST
@page("assets.manage")
def partner_create(request):
    data = request.POST
    try:
        found = partners.create_partner(
            request.workspace,
            name=data.get("name", ""),
            territory=data.get("territory", ""),
            channels=data.getlist("channels"),
            contacts=data.get("contacts", ""),
            actor=request.user,
        )
    except ValidationFailed as error:
        return _list_page(request, form=data, errors=error.errors, status=422)
    messages.success(request, f"Partner '{found.name}' added.")
    return HttpResponseRedirect(reverse("partner", args=[found.pk]))


@page("assets.view")
def partner_detail(request, partner_id: int):
    return _detail_page(request, _partner(request, partner_id))


def _detail_page(request, found, refused: tuple[str, dict, dict] | None = None):
    """The partner's page; ``refused``: (which form: ``share``, ``login``, ``active`` or
    ``remove``, what was typed, the reasons), shown again (422) with the reasons at its
    fields; a password typed is never shown back."""
    show_at(request, reverse("partner", args=[found.pk]))
    form, typed, errors = refused or ("", {}, {})
    share_form = typed if form == "share" else {"renditions": ["medium", "thumbnail"]}
    shown = partners.portal(found)
    covered = {channel for entry in shown for channel in entry.channels}
    unused = [channel for channel in found.channels if channel not in covered]
    return render(
        request,
        "content/partner.html",
        {
            "share_form": share_form,
            "share_errors": errors if form == "share" else {},
            "login_form": typed if form == "login" else {},
            "login_errors": errors if form == "login" else {},
            "active_errors": errors if form == "active" else {},
            "remove_form": typed if form == "remove" else {},
            "remove_errors": errors if form == "remove" else {},
            "removal": partner_removal.preview(found),
            "partner": found,
            "channel": partners.channel_names(found.channels),
            "shares": found.shares.select_related("collection").order_by("collection__name"),
            "logins": _logins(found),
            "other_roles": [user.get_username() for user, _ in partners.other_role_logins(found)],
            "links": _links_with_state(found),
            "collections": Collection.objects.filter(workspace=request.workspace).order_by("name"),
            "kinds": SHARE_KINDS,
            "shown": shown,
            "unused_channels": partners.channel_names(unused) if shown else "",
            "table": _log(request, found.pk),
            "can_manage": allows(request.role, "assets.manage"),
            "can_preview": allows(request.role, "content.portal"),
        },
        status=422 if refused else 200,
    )


def _links_with_state(found: Partner) -> list[ShareLink]:
    """The partner's share links, newest first, each with its ``state`` and ``state_reason``
    (``share_links.state``: the rule the share links table and the public address follow)."""
    rows = found.links.select_related("collection", "asset", "partner", "revoked_by")
    links = list(rows.order_by("-created_at", "-pk"))
    for link in links:
        link.state, link.state_reason = share_links.state(link)
    return links


def _logins(found) -> list:
    """Its logins, each with a ``note`` when it is not an ordinary partner login: removed
    from the workspace, or holding another role there (given before a partner's login
    kept its role: deactivation gives it the partner role back; a partner deactivated
    before that did not suspend it)."""
    logins = list(found.members.select_related("user").order_by("user__username"))
    for member in logins:
        role = role_of(member.user, found.workspace)
        if role is None:
            member.note = "no longer a member of the workspace"
        elif role == Role.PARTNER:
            member.note = ""
        elif found.active:
            member.note = (
                f"holds the {role} role here: deactivating the partner gives them the partner "
                f"role back; to keep them as {role}, Remove login first"
            )
        else:
            member.note = (
                f"holds the {role} role here, so is not suspended with the partner: set their "
                "role to partner on the Members page, or Remove login"
            )
    return logins


def _edit_fields(found) -> tuple[str, ...]:
    """The fields of its edit form: a partner made before keys is given one there."""
    fields = ("name", "territory", "channels", "contacts")
    return fields if found.key else (*fields, "key")


def _edit_form(found) -> dict:
    contacts = "\n".join(f"{c['name']} <{c['email']}>".strip() for c in found.contacts)
    form = {
        "name": found.name,
        "territory": found.territory,
        "channels": found.channels,
        "contacts": contacts,
    }
    if not found.key:
        form["key"] = partners.suggested_key(found)
    return form


@page("assets.manage")
def partner_edit(request, partner_id: int):
    """Change a partner's name, territory, channels and contacts, and give one made before
    keys its key; the form comes back with the reasons when refused (nothing changed)."""
    found = _partner(request, partner_id)
    form, errors, status = _edit_form(found), None, 200
    if request.method == "POST":
        form = {f: request.POST.get(f, "") for f in _edit_fields(found)}
        form["channels"] = request.POST.getlist("channels")
        try:
            partners.update_partner(found, dict(form), actor=request.user)
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, f"Partner '{form['name'].strip()}' saved.")
            return HttpResponseRedirect(reverse("partner", args=[found.pk]))
    return render(
        request,
        "content/partner_edit.html",
        {"partner": found, "form": form, "errors": errors, "channels": CHANNELS.items()},
        status=status,
    )


@require_POST
@page("assets.manage")
def partner_activate(request, partner_id: int):
    """Deactivate (``active=0``) or reactivate (``active=1``) a partner."""
    found = _partner(request, partner_id)
    active = request.POST.get("active") == "1"
    moved = [] if active or not found.active else partners.other_role_logins(found)
    try:
        partners.set_active(found, active, actor=request.user)
    except ValidationFailed as error:  # e.g. a login that is the workspace's only admin
        return _detail_page(request, found, ("active", {}, error.errors))
    if moved:
        names = ", ".join(user.get_username() for user, _role in moved)
        messages.info(request, f"Given the partner role back, so suspended too: {names}.")
    if active:
        messages.success(
            request, f"{found.name} is active again: its logins, portal and links work."
        )
    else:
        messages.success(
            request,
            f"{found.name} is deactivated: its logins are signed out, their API tokens "
            "revoked, and its portal and share links no longer work.",
        )
    return HttpResponseRedirect(reverse("partner", args=[found.pk]))


@require_POST
@page("assets.manage")
def partner_remove(request, partner_id: int):
    """Remove a partner once its name is typed (``partner_removal``): its open share links
    revoked, its logins taken off; back to the partner list saying so. Refused, its page
    again with the reason at the field (nothing changed)."""
    found = _partner(request, partner_id)
    typed = {"confirm": request.POST.get("confirm", "")}
    try:
        done = partner_removal.remove_partner(found, confirm=typed["confirm"], actor=request.user)
    except ValidationFailed as error:
        return _detail_page(request, found, ("remove", typed, error.errors))
    revoked = ", ".join(link.label for link in done.links) or "none open"
    logins = ", ".join(
        f"{login.username}{' (left the workspace)' if login.left_workspace else ''}"
        for login in done.logins
    )
    messages.success(
        request,
        f"{found.name} is removed. Share links revoked: {revoked}. "
        f"Logins taken off: {logins or 'none'}. Its download log stays.",
    )
    return HttpResponseRedirect(reverse("partner-list"))


@require_POST
@page("assets.manage")
def partner_share(request, partner_id: int):
    found = _partner(request, partner_id)
    wanted = request.POST.get("collection", "")
    is_id = wanted.isdecimal() and len(wanted) < 19
    collection = selectors.collection(request.workspace, int(wanted)) if is_id else None
    renditions = request.POST.getlist("renditions")
    try:
        if collection is None:
            raise ValidationFailed({"collection": "choose one of this workspace's collections"})
        partners.share(found, collection, renditions=renditions, actor=request.user)
    except ValidationFailed as error:
        typed = {"collection": wanted, "renditions": renditions}
        return _detail_page(request, found, ("share", typed, error.errors))
    messages.success(request, f"'{collection.name}' shared with {found.name}.")
    return HttpResponseRedirect(reverse("partner", args=[found.pk]))


@require_POST
@page("assets.manage")
def partner_login(request, partner_id: int):
    found = _partner(request, partner_id)
    data = request.POST
    try:
        member = partners.add_login(
            found,
            username=data.get("username", ""),
            email=data.get("email", ""),
            password=data.get("password", ""),
            actor=request.user,
        )
    except ValidationFailed as error:
        typed = {"username": data.get("username", ""), "email": data.get("email", "")}
        return _detail_page(request, found, ("login", typed, error.errors))
    messages.success(
        request, f"Login '{member.user.get_username()}' made: it sees only the portal."
    )
    return HttpResponseRedirect(reverse("partner", args=[found.pk]))


@require_POST
@page("assets.manage")
def partner_login_remove(request, partner_id: int, user_id: int):
    """Take a person off the partner (and out of the workspace, if a partner is all they
    are there): how a login of a deactivated partner can be invited again as staff."""
    found = _partner(request, partner_id)
    try:
        user, left = partners.remove_login(found, user_id, actor=request.user)
    except ValidationFailed as error:
        flash_errors(request, error)
    else:
        gone = " and left the workspace (their API tokens are revoked)" if left else ""
        messages.success(
            request, f"{user.get_username()} is no longer a login of {found.name}{gone}."
        )
    return HttpResponseRedirect(reverse("partner", args=[found.pk]))


def _portal_partner(request):
    """(the partner whose portal this is, whether an admin previews it): a partner's
    login sees its own; an admin sees the one ``?partner=`` names, without downloads."""
    found = partners.partner_of(request.workspace, request.user)
    if found is not None or request.role != Role.ADMIN:
        return found, False
    wanted = request.GET.get("partner", "")
    return (partners.partner(request.workspace, int(wanted)) if wanted.isdecimal() else None), True


@page("content.portal")
def portal(request):
    """The partner's portal: the assets shared with it that it may use today."""
    found, preview = _portal_partner(request)
    return render(
        request,
        "content/portal.html",
        {
            "partner": found,
            "shown": partners.portal(found) if found else [],
            "preview": preview,
            "partners": partners.partners(request.workspace) if preview else [],
        },
    )


@page("content.portal")
def portal_thumbnail(request, asset_id: int):
    """The small image beside an asset on the portal (a view, not a logged download)."""
    found, _ = _portal_partner(request)
    rendition = partners.thumbnail(found, asset_id) if found else None
    if rendition is None:
        raise Http404("no such asset on this portal")
    content_type = "image/png" if rendition.storage_key.endswith(".png") else "image/jpeg"
    response = HttpResponse(storage().read(rendition.storage_key), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@page("content.portal")
def portal_download(request, asset_id: int, kind: str):
    """A rendition of an asset the portal shows now, for the channel ``?channel=`` names
    (or its only one), logged once per file sent (only a GET sends it; a file that cannot
    be read is not logged); 422 with the reason for a channel it may not be used on, 404
    for anything else."""
    found = partners.partner_of(request.workspace, request.user)
    if found is None:
        raise Http404("no partner")
    channel = request.GET.get("channel", "")
    try:
        with transaction.atomic():
            asset, version = partners.download(found, request.user, asset_id, kind, channel)
            if kind == "original":
                key, content_type = version.storage_key, version.content_type
            else:
                key = version.renditions.get(kind=kind).storage_key
                content_type = "image/png" if key.endswith(".png") else "image/jpeg"
            body = storage().read(key)
    except LookupError as error:
        raise Http404(str(error)) from None
    except ValidationFailed as error:
        reason = error.errors["channel"]
        return render(request, "content/portal_refused.html", {"reason": reason}, status=422)
    response = HttpResponse(body, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'attachment; filename="{asset.pk}-{kind}"'
    return response
