"""The REST API (OpenAPI at ``/api/docs``): every domain's router, authenticated by
personal tokens and gated per operation (``pacer.core.permissions.endpoint``)."""

from ninja import NinjaAPI

from pacer.core.api_auth import PersonalToken, gate_router
from pacer.core.domains import collect, load
from pacer.core.errors import ValidationFailed

api = NinjaAPI(title="Pacer API", version="1", auth=PersonalToken(), urls_namespace="api")


@api.exception_handler(ValidationFailed)
def validation_failed(request, error: ValidationFailed):
    """Refused input: 422 with every field and its reason; nothing was written."""
    return api.create_response(request, {"detail": str(error), "errors": error.errors}, status=422)


for _prefix, _path in collect("api"):
    _router = load(_path)
    gate_router(_router)
    api.add_router(_prefix, _router)
