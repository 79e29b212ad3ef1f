"""Pages as the browser tests open them: sign in through /login/ in a new Chromium
context at a width (``signed_in``, or ``sign_in`` on a page already open), look at each
width in turn (``at_each_width``), check a look for sideways scrolling and keep its
screenshot (``fits``, ``looked_at``), and find what the window's edge cuts off
(``cut_off``). The user is ada (the ``admin`` fixture's) unless named."""

import os
from collections.abc import Iterator
from pathlib import Path

SHOTS = Path(os.environ.get("PACER_SCREENSHOTS", "/tmp/pacer-screenshots"))
WIDTHS = (1440, 390)
USER, PASSWORD = "ada", "correct-horse-1"


def sign_in(page, url: str, user: str = USER, password: str = PASSWORD) -> None:
    """Sign ``page`` in as ``user`` through the login form of ``url`` (the live server)
    and wait for the home page."""
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def signed_in(
    browser,
    url: str,
    width: int = 1440,
    user: str = USER,
    password: str = PASSWORD,
    javascript: bool = True,
    wait: int | None = None,
):
    """A new browser context ``width`` px wide (with or without ``javascript``) and its
    page, signed in as ``user`` at ``url``; ``wait``: the ms each step may take (for a
    live server slow on a loaded machine; Playwright's 30 s when None). The caller closes
    the context."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )
    page = context.new_page()
    if wait is not None:
        page.set_default_timeout(wait)
    sign_in(page, url, user, password)
    return context, page


def at_each_width(
    browser, url: str, user: str = USER, password: str = PASSWORD
) -> Iterator[tuple[int, object]]:
    """``(width, page)`` signed in as ``user`` at each of ``WIDTHS`` in turn, each in a
    context of its own, closed when the turn ends."""
    for width in WIDTHS:
        context, page = signed_in(browser, url, width, user, password)
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


def cut_off(page, selector: str) -> list[str]:
    """The texts of the elements matching ``selector`` that reach past the window's right
    edge or start left of it (cut off, or behind a box's sideways scrolling)."""
    return page.eval_on_selector_all(
        selector,
        "found => found.filter(e => { const box = e.getBoundingClientRect();"
        " return box.left < 0 || box.right > innerWidth + 0.5; }).map(e => e.textContent)",
    )
