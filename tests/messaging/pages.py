"""The messaging pages as their tests open them, signed in as ada (the ``admin``
fixture's user): in Chromium at each width the pages are looked at (``at_each_width``,
``signed_in`` for one), each look checked for sideways scrolling and kept as a screenshot
(``looked_at``); or a broadcast's page through Django's test client (``broadcast_page``)."""

import os
from collections.abc import Iterator
from pathlib import Path

SHOTS = Path(os.environ.get("PACER_SCREENSHOTS", "/tmp/pacer-screenshots"))
WIDTHS = (1440, 390)


def signed_in(browser, url: str, width: int):
    """A new browser context ``width`` px wide and its page, signed in as ada at ``url``
    (the live server); the caller closes the context."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "correct-horse-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return context, page


def at_each_width(browser, url: str) -> Iterator[tuple[int, object]]:
    """``(width, page)`` signed in at each of ``WIDTHS`` in turn, each in a context of its
    own, closed when the turn ends."""
    for width in WIDTHS:
        context, page = signed_in(browser, url, width)
        try:
            yield width, page
        finally:
            context.close()


def fits(page) -> bool:
    """Whether the page needs no sideways scrolling at its width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def looked_at(page, name: str) -> None:
    """The page fits its width, and its full-page screenshot is ``SHOTS/name.png``."""
    assert fits(page), f"{name}: the page scrolls sideways"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def broadcast_page(client, user, broadcast_id: int, query: str = ""):
    """The response of an email broadcast's page (``query``: its URL parameters) to
    ``user``, signed in through the test client."""
    client.force_login(user)
    return client.get(f"/messages/broadcasts/{broadcast_id}/{'?' + query if query else ''}")
