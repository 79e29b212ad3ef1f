"""Where the links of a page's error boxes land: each must name an element of the page by
its id, and that element must take the focus (a field, a button, a link, or an element
with a tabindex), so following the link puts the reader at what was refused."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
FIELDS = {"input", "select", "textarea", "button"}


def _focusable(tag: str, attrs: dict) -> bool:
    if "disabled" in attrs or (tag == "input" and attrs.get("type") == "hidden"):
        return False
    return (
        tag in FIELDS or (tag == "a" and "href" in attrs) or tag == "summary" or "tabindex" in attrs
    )


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: dict[str, list[tuple[str, dict]]] = {}
        self.open: list[tuple[str, bool]] = []  # (tag, inside an error box)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if "id" in attrs:
            self.elements.setdefault(attrs["id"], []).append((tag, attrs))
        classes = attrs.get("class", "").split()
        inside = bool(self.open and self.open[-1][1]) or {"alert", "error"} <= set(classes)
        if tag == "a" and inside and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if tag not in VOID:
            self.open.append((tag, inside))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return


def error_links(html: str) -> list[str]:
    """The ids the links of the page's error boxes point at."""
    page = _Page()
    page.feed(html)
    return page.links


def broken_error_links(html: str) -> list[str]:
    """Each link of an error box that lands on nothing focusable, with why."""
    page = _Page()
    page.feed(html)
    broken = []
    for target in page.links:
        found = page.elements.get(target, [])
        if not found:
            broken.append(f"#{target}: no element has this id")
        elif len(found) > 1:
            broken.append(f"#{target}: {len(found)} elements have this id")
        elif not _focusable(*found[0]):
            broken.append(f"#{target}: a <{found[0][0]}> that cannot take the focus")
    return broken
