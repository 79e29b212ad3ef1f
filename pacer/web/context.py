"""Template context shared by every page."""

from pacer.core.models import Role


def workspace_nav(request) -> dict:
    """The signed-in user's workspaces (for the switcher) and whether they administer the
    current one; both were looked up once by the workspace middleware."""
    if getattr(request, "workspace", None) is None:
        return {}
    return {"my_workspaces": request.workspaces, "is_admin": request.role == Role.ADMIN}
