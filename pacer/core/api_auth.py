"""Authentication for the REST API: a personal token as ``Authorization: Bearer``."""

from ninja.security import HttpBearer

from pacer.core.models import ApiKeyKind
from pacer.core.selectors import active_key, role_of


class PersonalToken(HttpBearer):
    """Sets ``request.workspace``, ``request.user`` and ``request.role`` from the token.

    The owner's role is read from their membership at every use: a token of someone who
    has left the workspace is refused, and a changed role applies at once.
    """

    def authenticate(self, request, token):
        key = active_key(token, ApiKeyKind.PERSONAL)
        if key is None or key.user is None:
            return None
        role = role_of(key.user, key.workspace)
        if role is None:
            return None
        request.workspace, request.user, request.role = key.workspace, key.user, role
        return key
