"""Error answers for pages (Django's own handlers render ``403.html``, ``404.html`` and
``500.html`` from ``pacer/web/templates``)."""

from django.shortcuts import render


def too_many_requests(request, retry_after: int, reason: str = ""):
    """The styled 429 page, with ``Retry-After`` (seconds)."""
    context = {"retry_after": retry_after, "reason": reason}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
