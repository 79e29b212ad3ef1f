"""The one permission gate: which role may do what, asked by every page, API route and
CLI command.

Each domain declares its permissions and the roles that hold them in its
``DomainConfig.permissions`` (``{"contacts.export": ANALYSIS_ROLES, ...}``); this module
is the only place that answers "may this role do that". A permission nobody declared is
refused (and is a programming error: ``UnknownPermission``), so a typo fails closed.

- Pages: ``@page("contacts.view")`` — login, a current workspace, the permission.
- REST: ``@endpoint("contacts.view")`` under a router authenticated by a personal token,
  whose member's current role is read at every use (``pacer.core.api_auth``).
- CLI: ``pacer.core.commands`` asks ``allows`` for the acting member when one is named.

The decorators record the permission on the view (``view.permission``) so a test can walk
every route and check that each one is gated and answers each role as declared.
"""

from functools import cache, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from pacer.core.domains import domains
from pacer.core.roles import Role


class UnknownPermission(LookupError):
    """A view or command asked about a permission no domain declares."""


@cache
def grants() -> dict[str, frozenset[str]]:
    """Every declared permission and the roles that hold it."""
    found: dict[str, frozenset[str]] = {}
    for config in domains():
        for permission, roles in config.permissions.items():
            unknown = set(roles) - set(Role.values)
            if unknown:
                raise UnknownPermission(f"{permission}: unknown roles {sorted(unknown)}")
            if permission in found:
                raise UnknownPermission(f"{permission}: declared by two domains")
            found[permission] = frozenset(roles)
    return found


def allows(role: str | None, permission: str) -> bool:
    """Whether ``role`` holds ``permission`` (no role holds nothing)."""
    holders = grants().get(permission)
    if holders is None:
        raise UnknownPermission(permission)
    return role in holders


def check(role: str | None, permission: str) -> None:
    """Raise ``PermissionDenied`` unless ``role`` holds ``permission``."""
    if not allows(role, permission):
        raise PermissionDenied(f"Your role does not allow this ({permission}).")


def page(permission: str | None, *, workspace: bool = True):
    """A page for signed-in users; with ``workspace`` (the default) they need a current
    workspace, and with a ``permission`` a role in it that holds it."""
    if permission is not None:
        allows(None, permission)  # fail at import for an undeclared permission

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if workspace and request.workspace is None:
                raise PermissionDenied("You are not a member of any workspace.")
            if permission is not None:
                check(request.role, permission)
            return view(request, *args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorator


def endpoint(permission: str):
    """A REST operation that needs ``permission`` (answered 403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            from ninja.errors import HttpError

            if not allows(getattr(request, "role", None), permission):
                raise HttpError(403, f"role: your role does not allow this ({permission})")
            return view(request, *args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorator
