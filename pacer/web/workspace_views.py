"""Pages for workspaces and their members: switch, create, add people, change roles."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.core.middleware import SESSION_KEY
from pacer.core.models import Role
from pacer.core.selectors import members, role_of
from pacer.web.views import flash_errors, workspace_required


@require_POST
@login_required
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


@login_required
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
            return render(request, "web/workspace_new.html", {"form": form}, status=422)
        request.session[SESSION_KEY] = workspace.pk
        messages.success(request, f"Workspace '{workspace.name}' created; you are its admin.")
        return HttpResponseRedirect(reverse("dashboard"))
    return render(request, "web/workspace_new.html", {"form": form})


@workspace_required(Role.ADMIN)
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
    return render(request, "web/members.html", context, status=status)


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
@workspace_required(Role.ADMIN)
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
@workspace_required(Role.ADMIN)
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
