"""Template context shared by every page."""

from django.urls import reverse

from pacer.core.domains import NAV_GROUPS, collect, load
from pacer.core.permissions import allows
from pacer.web.address import moved, page_address


def _matches(url: str, path: str) -> bool:
    return path == url or (url != "/" and path.startswith(url))


def workspace_nav(request) -> dict:
    """The navigation the signed-in user's role may use (each link marked when it is the
    page being shown; each headed section folded unless it holds that page, with the sum
    of its links' badges for when it is), and their workspaces for the switcher (both
    looked up once per request by the workspace middleware)."""
    if getattr(request, "workspace", None) is None:
        return {}
    items = sorted(
        (item for item in collect("nav") if allows(request.role, item.permission)),
        key=lambda item: item.order,
    )
    urls = {item: reverse(item.url_name) for item in items}
    # the page is under the longest link that is a prefix of it: /plans/results/ marks
    # "Results", not "Plans" as well
    current = max(
        (url for url in urls.values() if _matches(url, request.path)), key=len, default=None
    )
    groups = []
    for key, heading in NAV_GROUPS.items():
        links = [
            {
                "label": item.label,
                "url": urls[item],
                "current": urls[item] == current,
                "badge": load(item.badge)(request) if item.badge else 0,
            }
            for item in items
            if item.group == key
        ]
        if links:
            groups.append(
                {
                    "key": key,
                    "heading": heading,
                    "links": links,
                    # a headed section folds; it is open when it holds the page shown
                    "open": not heading or any(link["current"] for link in links),
                    "badge": sum(link["badge"] for link in links),
                }
            )
    return {"my_workspaces": request.workspaces, "nav_groups": groups}


def address(request) -> dict:
    """The page's own address, for the layout to put back in the browser when the page
    is shown from another (``pacer.web.address``)."""
    if not moved(request):
        return {}
    return {"page_address_moved": True, "page_address": page_address(request)}
