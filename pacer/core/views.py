"""Pages for the workspace itself: switch, create, API keys, audit log (members and
invitations: ``member_views``)."""

import json

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pacer.core import actions
from pacer.core.audit_changes import change_lines, change_summary, raw_json
from pacer.core.errors import ValidationFailed
from pacer.core.middleware import SESSION_KEY
from pacer.core.models import ApiKey, ApiKeyKind, AuditEntry
from pacer.core.permissions import page
from pacer.web.address import show_at
from pacer.web.tables import Column, Table


@page(None, workspace=False)
def switch_workspace(request):
    """Make another of the user's workspaces the current one (the navigation's switcher
    posts here; a GET shows the same choice as a page). A choice that is not one of the
    user's workspaces comes back as that page (422) with the reason at the field."""
    if request.method != "POST":
        return _switch_page(request, {"workspace": str(getattr(request.workspace, "pk", ""))})
    form = {name: request.POST.get(name, "")[:2000] for name in ("workspace", "next")}
    chosen = next((w for w in request.workspaces if str(w.pk) == form["workspace"]), None)
    if chosen is None:
        errors = {"workspace": "you are not a member of that workspace; choose one of yours"}
        return _switch_page(request, form, errors)
    request.session[SESSION_KEY] = chosen.pk
    back = form["next"]
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("dashboard")
    return HttpResponseRedirect(back)


def _switch_page(request, form: dict, errors=None):
    context = {
        "form": form,
        "errors": errors or {},
        "choices": [(w.pk, w.name) for w in request.workspaces],
    }
    return render(request, "core/workspace_switch.html", context, status=422 if errors else 200)


@page(None, workspace=False)
def new_workspace(request):
    """Create a workspace; its creator becomes its admin and switches to it."""
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            workspace = actions.create_workspace(
                form.get("name", ""),
                slug=form.get("slug", "").strip(),
                currency=form.get("currency", "USD").strip() or "USD",
                actor=request.user,
            )
        except ValidationFailed as error:
            context = {"form": form, "errors": error.errors}
            return render(request, "core/workspace_new.html", context, status=422)
        request.session[SESSION_KEY] = workspace.pk
        messages.success(request, f"Workspace '{workspace.name}' created; you are its admin.")
        return HttpResponseRedirect(reverse("dashboard"))
    return render(request, "core/workspace_new.html", {"form": form})


@page("keys.manage")
def api_keys(request):
    secret, errors, form = None, {}, {}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            _, secret = actions.issue_api_key(
                request.workspace,
                kind,
                request.POST.get("name", ""),
                user=request.user if kind == ApiKeyKind.PERSONAL else None,
                actor=request.user,
            )
        except ValidationFailed as error:
            errors, form = error.errors, request.POST
    return _keys_page(request, secret, errors, form)


def _keys_page(request, secret: str | None, errors=None, form=None, refused=None):
    """The keys page; 422 after a refused new key (``errors``, ``form``) or a refused
    revoke or rotate (``refused``: the key's id and the reasons, shown in its row and
    above the table)."""
    show_at(request, reverse("api-keys"))
    keys = ApiKey.objects.filter(workspace=request.workspace).select_related("user")
    context = {
        "keys": keys.order_by("-created_at"),
        "secret": secret,
        "errors": errors or {},
        "form": form or {},
        "kinds": ApiKeyKind.choices,
        "refused": refused,
    }
    status = 422 if errors or refused else 200
    return render(request, "core/api_keys.html", context, status=status)


def _key_refused(request, key_id: int, errors: dict):
    shown = ApiKey.objects.filter(workspace=request.workspace, pk=key_id).exists()
    # the reasons link to the key's row, or to nothing when there is no such row
    refused = {
        "key": key_id,
        "errors": errors,
        "prefix": f"key-{key_id}-",
        "fields": None if shown else "",
    }
    return _keys_page(request, None, refused=refused)


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# "What changed" reads the change in one line; field by field and the raw JSON of both
# sides behind its disclosure (a row stays a line tall, at 390 px too). The CSV holds
# the stored JSON: ``after`` for it, ``before`` when chosen.
AUDIT_COLUMNS = [
    Column("at", "When", format="datetime", sortable=True),
    Column("actor_label", "Who", sortable=True, nowrap=True),
    Column("action", "Action", sortable=True),
    Column(
        "object_type",
        "Object",
        sortable=True,
        nowrap=True,
        text=lambda r: f"{r['object_type']} #{r['object_id']}",
    ),
    Column("object_id", "Object id", visible=False),
    Column(
        "after",
        "What changed",
        text=lambda r: change_summary(r["before"], r["after"]),
        lines=lambda r: change_lines(r["before"], r["after"]),
        detail=lambda r: raw_json(r["before"], r["after"]),
        detail_label="Raw JSON",
    ),
    Column("before", "Before (JSON)", text=lambda r: _json(r["before"]), visible=False),
]


def _audit_table(request) -> Table:
    return Table(
        request,
        AuditEntry.objects.filter(workspace=request.workspace),
        AUDIT_COLUMNS,
        default_sort="-at",
        per_page=50,
        caption="Audit log",
        empty_title="Nothing has been changed yet.",
        empty_hint="Every change made through Pacer (keys, members, experiments, imports…) "
        "is recorded here with who made it.",
        html_id="audit",
        csv_url=reverse("audit-export"),
    )


@page("audit.view")
def audit_log(request):
    return render(request, "core/audit.html", {"table": _audit_table(request)})


@page("audit.view")
def export_audit_log(request):
    """The audit log as CSV: every entry, in the order and with the columns the page
    shows, before and after as the JSON stored."""
    return _audit_table(request).csv_response("audit.csv")


NO_SUCH_KEY = {"key": "no such key in this workspace"}


def _key(request, key_id: int) -> ApiKey | None:
    return ApiKey.objects.filter(workspace=request.workspace, pk=key_id).first()


@require_POST
@page("keys.manage")
def api_key_revoke(request, key_id: int):
    key = _key(request, key_id)
    if key is None:
        return _key_refused(request, key_id, NO_SUCH_KEY)
    actions.revoke_api_key(key, actor=request.user)
    messages.success(request, f"Key {key.prefix}… revoked; it stops working now.")
    return HttpResponseRedirect(reverse("api-keys"))


@require_POST
@page("keys.manage")
def api_key_rotate(request, key_id: int):
    key = _key(request, key_id)
    if key is None:
        return _key_refused(request, key_id, NO_SUCH_KEY)
    try:
        _, secret = actions.rotate_api_key(key, actor=request.user)
    except ValidationFailed as error:
        return _key_refused(request, key_id, error.errors)
    messages.success(request, f"Key {key.prefix}… replaced; the old one stops working now.")
    return _keys_page(request, secret)
