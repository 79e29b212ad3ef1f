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

A member may also be **suspended**: a domain declares, per role, why such a member may not
come in now (``DomainConfig.suspensions``; a deactivated partner's logins). The gate asks
at sign-in (``open_memberships``), on every request of a session (the workspace
middleware: a session left with no open membership is signed out), for every personal
token (401 naming why) and every ``--as`` (``admitted_role``); no personal token is issued
to a suspended member. A role change cannot step around it: a domain declares why a person
may not be given a role (``DomainConfig.role_checks``; a partner's login keeps the partner
role), asked at every role change and every joining (``role_refusal``).

The decorators record the permission on the view (``view.permission``) so a test can walk
every route and check that each one is gated and answers each role as declared.
"""

from functools import cache, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from pacer.core.domains import domains, load
from pacer.core.roles import Role
from pacer.core.selectors import members, memberships_of, role_of


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


def members_holding(workspace, permission: str) -> list:
    """The workspace's members whose role holds ``permission``, by username: those who
    may be handed the work it names (never a partner's login, which holds only the
    portal's permissions)."""
    return [member for member in members(workspace) if allows(member.role, permission)]


@cache
def _suspension_checks() -> dict[str, tuple]:
    """Every declared suspension check, by the role it is asked for."""
    found: dict[str, list] = {}
    for config in domains():
        for role, path in config.suspensions.items():
            if role not in Role.values:
                raise UnknownPermission(f"suspension {path}: unknown role {role!r}")
            found.setdefault(role, []).append(load(path))
    return {role: tuple(checks) for role, checks in found.items()}


def suspension(workspace, user, role: str | None) -> str:
    """Why the member holding ``role`` in ``workspace`` is refused everything now, or ""
    (a role no domain checks costs no query)."""
    for check_member in _suspension_checks().get(role, ()):
        reason = check_member(workspace, user)
        if reason:
            return reason
    return ""


@cache
def _role_checks() -> tuple:
    return tuple(load(path) for config in domains() for path in config.role_checks)


def role_refusal(workspace, user, role: str) -> str:
    """Why ``user`` may not be given ``role`` in ``workspace`` now, or "" (asked by
    ``set_role`` for a changed role or a new member, never per request)."""
    for check_role in _role_checks():
        reason = check_role(workspace, user, role)
        if reason:
            return reason
    return ""


def open_memberships(user) -> tuple[list, str]:
    """(the user's memberships they may use now, why the others are refused or "")."""
    usable, refused = [], ""
    for membership in memberships_of(user):
        reason = suspension(membership.workspace, user, membership.role)
        if reason:
            refused = refused or reason
        else:
            usable.append(membership)
    return usable, refused


def admitted_role(user, workspace) -> tuple[str | None, str]:
    """(the member's role, "") when ``user`` may act in ``workspace`` now; (None, why
    not) for a suspended member, (None, "") for someone who is not a member."""
    return admitted(workspace, user, role_of(user, workspace))


def admitted(workspace, user, role: str | None) -> tuple[str | None, str]:
    """``admitted_role`` for a ``role`` already read (None: not a member)."""
    reason = suspension(workspace, user, role) if role is not None else ""
    return (None, reason) if reason else (role, "")


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
