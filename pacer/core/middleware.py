"""Puts the signed-in user's current workspace on ``request.workspace``."""

from pacer.core.selectors import workspaces_of

SESSION_KEY = "pacer_workspace_id"


class WorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            workspaces = workspaces_of(user)
            chosen = request.session.get(SESSION_KEY)
            request.workspace = next(
                (w for w in workspaces if w.pk == chosen), workspaces[0] if workspaces else None
            )
        return self.get_response(request)
