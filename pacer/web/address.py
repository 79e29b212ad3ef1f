"""The address a page lives at, when it is shown in answer to a POST elsewhere.

A refused form comes back as its page (422) from the address it was posted to
(``/work/mentions/read/``), which answers POST only. The page's view says where the page
itself lives::

    show_at(request, reverse("work-notifications"))

before building its tables and filter bars. Then the layout puts that address back in
the browser (``history.replaceState``; ``HX-Replace-Url`` for HTMX, see
``PageAddressMiddleware``), so a reload, a sort, a filter or a page link asks the page
and not the form's address, and ``Table`` / ``FilterBar`` build their links on it, so
they work without JavaScript too. A view that shows the page at its own address may call
it as well: nothing changes then.
"""

from urllib.parse import urlsplit

ATTRIBUTE = "pacer_page_address"


def show_at(request, address: str) -> None:
    """Say that the page being answered lives at ``address`` (a path on this site)."""
    if not address.startswith("/") or address.startswith("//"):
        raise ValueError(f"address: '{address}' is not a path on this site")
    setattr(request, ATTRIBUTE, address)


def page_address(request) -> str:
    """Where the page being answered lives: the address given to ``show_at``, else the
    request's own path."""
    return getattr(request, ATTRIBUTE, None) or request.path


def moved(request) -> bool:
    """Whether the page is answered from another address than its own."""
    address = getattr(request, ATTRIBUTE, None)
    return bool(address) and urlsplit(address).path != request.path


def link_base(request) -> str:
    """What the page's ``?query`` links start with: nothing when the page is at its own
    address (a link relative to it), else the page's path."""
    return urlsplit(page_address(request)).path if moved(request) else ""


class PageAddressMiddleware:
    """An HTMX request answered by a page that lives elsewhere (a refused form) puts the
    page's address in the browser's address bar (``HX-Replace-Url``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") and moved(request):
            response["HX-Replace-Url"] = page_address(request)
        return response
