from django.urls import include, path

from pacer.api import api as rest_api
from pacer.ingest.api import api as tracking_api

urlpatterns = [
    path("v1/", tracking_api.urls),
    path("api/", rest_api.urls),
    path("", include("pacer.web.urls")),
]
