"""The messaging pages as their tests open them, signed in as ada (the ``admin``
fixture's user): in Chromium through tests/browser_pages.py (``at_each_width``,
``signed_in``, ``fits``, ``looked_at``), or a broadcast's page through Django's test client
(``broadcast_page``)."""

from tests.browser_pages import SHOTS, WIDTHS, at_each_width, fits, looked_at, signed_in

__all__ = ["SHOTS", "WIDTHS", "at_each_width", "broadcast_page", "fits", "looked_at", "signed_in"]


def broadcast_page(client, user, broadcast_id: int, query: str = ""):
    """The response of an email broadcast's page (``query``: its URL parameters) to
    ``user``, signed in through the test client."""
    client.force_login(user)
    return client.get(f"/messages/broadcasts/{broadcast_id}/{'?' + query if query else ''}")
