"""Template context shared by every page."""

from pacer.core.models import Role
from pacer.core.selectors import role_of, workspaces_of


def workspace_nav(request) -> dict:
    """The signed-in user's workspaces (for the switcher) and their role in the current one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "workspace", None) is None:
        return {}
    role = role_of(user, request.workspace)
    return {"my_workspaces": workspaces_of(user), "my_role": role, "is_admin": role == Role.ADMIN}
