"""Template context shared by every page."""

from pacer.core.domains import collect
from pacer.core.permissions import allows


def workspace_nav(request) -> dict:
    """The navigation the signed-in user's role may use, and their workspaces for the
    switcher (both looked up once per request by the workspace middleware)."""
    if getattr(request, "workspace", None) is None:
        return {}
    items = sorted(
        (item for item in collect("nav") if allows(request.role, item.permission)),
        key=lambda item: item.order,
    )
    return {
        "my_workspaces": request.workspaces,
        "nav_main": [item for item in items if item.group == "main"],
        "nav_settings": [item for item in items if item.group == "settings"],
    }
