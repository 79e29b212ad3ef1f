"""Puts the signed-in user's workspaces, current workspace and role there on the request.

One query per request (and one per membership whose role a domain may suspend, see
``pacer.core.permissions.suspension``); views, decorators and templates read
``request.workspace``, ``request.role`` and ``request.workspaces`` instead of asking
again. A suspended membership is left out; a user with memberships of which none is open
is signed out, told why, on this request.
"""

from django.contrib import messages
from django.contrib.auth import logout

from pacer.core.permissions import open_memberships

SESSION_KEY = "pacer_workspace_id"


class WorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace, request.role, request.workspaces = None, None, []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships, refused = open_memberships(user)
            if refused and not memberships:
                logout(request)
                messages.error(request, f"You were signed out: {refused}")
                return self.get_response(request)
            chosen = request.session.get(SESSION_KEY)
            current = next(
                (m for m in memberships if m.workspace_id == chosen),
                memberships[0] if memberships else None,
            )
            request.workspaces = [m.workspace for m in memberships]
            if current is not None:
                request.workspace, request.role = current.workspace, current.role
        return self.get_response(request)


class SecurityHeaders:
    """The Content-Security-Policy (``settings.CONTENT_SECURITY_POLICY``) on every
    response that does not set its own."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
