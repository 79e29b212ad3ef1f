"""ASGI entry point: ``uvicorn pacer.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
django_application = get_asgi_application()

# Oversized tracking requests are refused before Django reads (buffers) their bodies.
from pacer.ingest.asgi import TrackingBodyLimit  # noqa: E402

application = TrackingBodyLimit(django_application)
