"""Authentication for the REST API: a personal token as ``Authorization: Bearer``."""

from ninja.security import HttpBearer

from pacer.core.models import ApiKeyKind
from pacer.core.selectors import active_key


class PersonalToken(HttpBearer):
    """Sets ``request.workspace`` and ``request.user`` from the token's owner."""

    def authenticate(self, request, token):
        key = active_key(token, ApiKeyKind.PERSONAL)
        if key is None:
            return None
        request.workspace = key.workspace
        request.user = key.user
        return key
