"""Template context shared by every page."""

from django.urls import reverse

from pacer.core.domains import NAV_GROUPS, collect
from pacer.core.permissions import allows


def _link(item, path: str) -> dict:
    url = reverse(item.url_name)
    current = path == url or (url != "/" and path.startswith(url))
    return {"label": item.label, "url": url, "current": current}


def workspace_nav(request) -> dict:
    """The navigation the signed-in user's role may use (each link marked when it is the
    page being shown), and their workspaces for the switcher (both looked up once per
    request by the workspace middleware)."""
    if getattr(request, "workspace", None) is None:
        return {}
    items = sorted(
        (item for item in collect("nav") if allows(request.role, item.permission)),
        key=lambda item: item.order,
    )
    groups = []
    for key, heading in NAV_GROUPS.items():
        links = [_link(item, request.path) for item in items if item.group == key]
        if links:
            groups.append({"key": key, "heading": heading, "links": links})
    return {"my_workspaces": request.workspaces, "nav_groups": groups}
