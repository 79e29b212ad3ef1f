"""Pages for members: roles, removal, and invitations (people join by accepting one)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pacer.core import actions
from pacer.core.domains import loaded
from pacer.core.errors import ValidationFailed
from pacer.core.middleware import SESSION_KEY
from pacer.core.models import Invitation, Role
from pacer.core.permissions import page
from pacer.core.selectors import invitation_by_token, members, pending_invitations, role_of
from pacer.web.address import show_at


@page("members.manage")
def member_list(request):
    """Members and their roles (with what the domains say of them: a partner's login, of
    which partner, suspended or not), pending invitations, and a form to invite someone."""
    context = {"link": None, "form": {}, "errors": {}}
    if request.method == "POST":
        try:
            invitation, token = actions.invite(
                request.workspace,
                request.POST.get("role", ""),
                note=request.POST.get("note", ""),
                actor=request.user,
            )
        except ValidationFailed as error:
            context["form"], context["errors"] = request.POST, error.errors
        else:
            context["link"] = request.build_absolute_uri(reverse("invitation", args=[token]))
            context["invited"] = invitation
    return _members_page(request, context)


def _members_page(request, context: dict, refused: dict | None = None):
    """The members page; 422 after a refused invitation (``context["errors"]``) or a
    refused change of a member's row or an invitation (``refused``: its ``row``, ``form``,
    ``errors``, the ``role`` chosen), the reasons in that row and above the table."""
    show_at(request, reverse("members"))
    found = members(request.workspace)
    notes: dict = {}
    for describe in loaded("member_notes"):
        notes.update(describe(request.workspace, found))
    for membership in found:
        membership.note = notes.get(membership.user_id)
    if refused:
        refused.update(prefix=f"{refused['row']}-", fields="")  # no row: the reasons link nowhere
        for membership in found:
            if f"member-{membership.user_id}" == refused["row"]:
                membership.refused = refused
                membership.chosen_role = refused.get("role", membership.role)
                refused["fields"] = None  # they link to the reasons in the member's row
    context.update(
        members=found,
        invitations=pending_invitations(request.workspace),
        roles=Role.choices,
        refused=refused,
    )
    status = 422 if context.get("errors") or refused else 200
    return render(request, "core/members.html", context, status=status)


def _refused(request, row: str, form: str, errors: dict, **typed):
    context = {"link": None, "form": {}, "errors": {}}
    return _members_page(request, context, {"row": row, "form": form, "errors": errors, **typed})


def _member(user_id: int, workspace) -> User | None:
    user = User.objects.filter(pk=user_id).first()
    return user if user is not None and role_of(user, workspace) is not None else None


NOT_A_MEMBER = {"user": "not a member of this workspace"}


@require_POST
@page("members.manage")
def member_role(request, user_id: int):
    user, role = _member(user_id, request.workspace), request.POST.get("role", "")
    row = f"member-{user_id}"
    if user is None:
        return _refused(request, row, "role", NOT_A_MEMBER)
    try:
        actions.set_role(request.workspace, user, role, actor=request.user)
    except ValidationFailed as error:
        return _refused(request, row, "role", error.errors, role=role)
    messages.success(request, f"{user.username} is now {role}.")
    return HttpResponseRedirect(reverse("members"))


@require_POST
@page("members.manage")
def member_remove(request, user_id: int):
    user, row = _member(user_id, request.workspace), f"member-{user_id}"
    if user is None:
        return _refused(request, row, "remove", NOT_A_MEMBER)
    try:
        actions.remove_member(request.workspace, user, actor=request.user)
    except ValidationFailed as error:
        return _refused(request, row, "remove", error.errors)
    messages.success(request, f"{user.username} removed; their tokens are revoked.")
    return HttpResponseRedirect(reverse("members"))


@require_POST
@page("members.manage")
def invitation_revoke(request, invitation_id: int):
    invitation = Invitation.objects.filter(workspace=request.workspace, pk=invitation_id).first()
    if invitation is None:
        errors = {"invitation": "no such invitation in this workspace"}
        return _refused(request, f"invitation-{invitation_id}", "revoke", errors)
    actions.revoke_invitation(invitation, actor=request.user)
    messages.success(request, "Invitation revoked; its link no longer works.")
    return HttpResponseRedirect(reverse("members"))


def invitation(request, token: str):
    """The invitation link: whoever holds it joins, signed in or with a new login.

    Public (the token is the authority); it says nothing about any other user or
    workspace, and an unusable link looks the same whatever the reason.
    """
    found = invitation_by_token(token)
    context = {"invitation": found, "token": token, "form": {}}
    if found is None or found.accepted_at or found.revoked_at or found.expires_at <= timezone.now():
        return render(request, "core/invitation.html", {"invitation": None}, status=404)
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                actions.accept_invitation(token, request.user)
                user = request.user
            else:
                user = actions.join_with_new_login(
                    token,
                    request.POST.get("username", ""),
                    request.POST.get("password", ""),
                    email=request.POST.get("email", "").strip(),
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationFailed as error:
            context["form"] = {
                "username": request.POST.get("username", ""),
                "email": request.POST.get("email", ""),
            }
            context["errors"] = error.errors
            return render(request, "core/invitation.html", context, status=422)
        request.session[SESSION_KEY] = found.workspace_id
        messages.success(request, f"Welcome to {found.workspace.name}.")
        return HttpResponseRedirect(reverse("dashboard"))
    return render(request, "core/invitation.html", context)
