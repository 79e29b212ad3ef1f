"""The REST API (OpenAPI at ``/api/docs``), authenticated by personal tokens."""

from ninja import NinjaAPI

from pacer.core.api_auth import PersonalToken
from pacer.core.errors import ValidationFailed

api = NinjaAPI(title="Pacer API", version="1", auth=PersonalToken(), urls_namespace="api")


@api.exception_handler(ValidationFailed)
def validation_failed(request, error: ValidationFailed):
    """Refused input: 422 with every field and its reason; nothing was written."""
    return api.create_response(request, {"detail": str(error), "errors": error.errors}, status=422)


api.add_router("/people/", "pacer.people.api.router")
api.add_router("/metrics/", "pacer.metrics.api.router")
api.add_router("/analytics/", "pacer.metrics.analysis_api.router")
api.add_router("/experiments/", "pacer.experiments.api.router")
api.add_router("/planning/", "pacer.planning.api.router")
