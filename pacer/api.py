"""The REST API (OpenAPI at ``/api/docs``), authenticated by personal tokens."""

from ninja import NinjaAPI

from pacer.core.api_auth import PersonalToken

api = NinjaAPI(title="Pacer API", version="1", auth=PersonalToken(), urls_namespace="api")
api.add_router("/people/", "pacer.people.api.router")
api.add_router("/metrics/", "pacer.metrics.api.router")
api.add_router("/analytics/", "pacer.metrics.analysis_api.router")
api.add_router("/experiments/", "pacer.experiments.api.router")
