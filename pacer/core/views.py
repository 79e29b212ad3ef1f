"""Pages for the workspace itself: switch, create, members and roles, API keys, audit log."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.core.middleware import SESSION_KEY
from pacer.core.models import ApiKey, ApiKeyKind, Role
from pacer.core.permissions import page
from pacer.core.selectors import audit_trail, members, role_of
from pacer.web.components import flash_errors


@require_POST
@page(None, workspace=False)
def switch_workspace(request):
    """Make another of the user's workspaces the current one."""
    wanted = request.POST.get("workspace", "")
    chosen = next((w for w in request.workspaces if str(w.pk) == wanted), None)
    if chosen is None:
        messages.error(request, "workspace: you are not a member of that workspace")
    else:
        request.session[SESSION_KEY] = chosen.pk
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("dashboard")
    return HttpResponseRedirect(back)


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
            flash_errors(request, error)
            return render(request, "core/workspace_new.html", {"form": form}, status=422)
        request.session[SESSION_KEY] = workspace.pk
        messages.success(request, f"Workspace '{workspace.name}' created; you are its admin.")
        return HttpResponseRedirect(reverse("dashboard"))
    return render(request, "core/workspace_new.html", {"form": form})


@page("members.manage")
def member_list(request):
    """Members and their roles; add a person (a new login, or an existing one by name)."""
    form = {}
    status = 200
    if request.method == "POST":
        form = request.POST
        try:
            _add_member(request)
        except ValidationFailed as error:
            flash_errors(request, error)
            status = 422
        else:
            return HttpResponseRedirect(reverse("members"))
    context = {"members": members(request.workspace), "roles": Role.choices, "form": form}
    return render(request, "core/members.html", context, status=status)


def _add_member(request) -> None:
    data = request.POST
    username, role = data.get("username", "").strip(), data.get("role", "")
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        if role_of(existing, request.workspace) is not None:
            raise ValidationFailed({"username": f"'{username}' is already a member"})
        actions.set_role(request.workspace, existing, role, actor=request.user)
        messages.success(request, f"{username} added as {role}.")
        return
    actions.create_user(
        request.workspace,
        username,
        data.get("password", ""),
        role,
        email=data.get("email", "").strip(),
        actor=request.user,
    )
    messages.success(request, f"Login '{username}' created with the role {role}.")


def _member(request, user_id: int) -> User | None:
    user = User.objects.filter(pk=user_id).first()
    if user is None or role_of(user, request.workspace) is None:
        messages.error(request, "user: not a member of this workspace")
        return None
    return user


@require_POST
@page("members.manage")
def member_role(request, user_id: int):
    user = _member(request, user_id)
    if user is not None:
        try:
            actions.set_role(
                request.workspace, user, request.POST.get("role", ""), actor=request.user
            )
        except ValidationFailed as error:
            flash_errors(request, error)
        else:
            messages.success(request, f"{user.username} is now {request.POST['role']}.")
    return HttpResponseRedirect(reverse("members"))


@require_POST
@page("members.manage")
def member_remove(request, user_id: int):
    user = _member(request, user_id)
    if user is not None:
        try:
            actions.remove_member(request.workspace, user, actor=request.user)
        except ValidationFailed as error:
            flash_errors(request, error)
        else:
            messages.success(request, f"{user.username} removed; their tokens are revoked.")
    return HttpResponseRedirect(reverse("members"))


@page("keys.manage")
def api_keys(request):
    secret = None
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
            flash_errors(request, error)
    keys = ApiKey.objects.filter(workspace=request.workspace).order_by("-created_at")
    return render(request, "core/api_keys.html", {"keys": keys, "secret": secret})


@page("audit.view")
def audit_log(request):
    return render(request, "core/audit.html", {"entries": audit_trail(request.workspace)})
