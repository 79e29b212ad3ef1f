"""Authentication for the REST API: a personal token as ``Authorization: Bearer``."""

from ninja.errors import HttpError
from ninja.security import HttpBearer

from pacer.core.permissions import admitted, allows
from pacer.core.selectors import active_personal_key


class PersonalToken(HttpBearer):
    """Sets ``request.workspace``, ``request.user`` and ``request.role`` from the token,
    and refuses (403) a role without the operation's ``permission`` — before the input
    is even read.

    The owner's role is read from their membership at every use: a token of someone who
    has left the workspace is refused, and a changed role applies at once. A token of a
    suspended member (``pacer.core.permissions.suspension``) is refused with 401 naming
    why.
    """

    def __init__(self, permission: str | None = None):
        super().__init__()
        self.permission = permission

    def authenticate(self, request, token):
        key = active_personal_key(token)
        if key is None or key.user is None:
            return None
        role, refused = admitted(key.workspace, key.user, key.member_role)
        if refused:
            raise HttpError(401, f"authorization: {refused}")
        if role is None:
            return None
        request.workspace, request.user, request.role = key.workspace, key.user, role
        if self.permission is not None and not allows(role, self.permission):
            raise HttpError(403, f"role: your role does not allow this ({self.permission})")
        return key
