"""The site: the REST API and every domain's URLs (pages, the tracking API, ...)."""

from django.urls import include, path

from pacer.api import api as rest_api
from pacer.core.domains import domains

urlpatterns = [
    path("api/", rest_api.urls),
    *(path("", include(config.urls)) for config in domains() if config.urls),
]
