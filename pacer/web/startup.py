"""What a server process does before it answers its first request."""

from django.urls import get_resolver


def load_urls() -> None:
    """Import every URL and the API's schemas now (about 3 s of CPU, mostly pydantic
    building the REST API's models), so the first visitor of a freshly started server
    does not wait for it: Django would otherwise do it on the first request."""
    get_resolver().url_patterns  # noqa: B018 (the property imports the URL modules)
