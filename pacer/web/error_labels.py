"""Refusals named by the words on the page, not by the field's key.

``ValidationFailed`` names a field by its key (``target_exact``, ``steps[2].address``).
An error box is rendered before the fields it links to, so ``{% form_errors %}`` cannot
know their labels yet: it writes each reason's name as the key in plain words
(``Target exact``, ``Steps #3 › address``) between two markers
(``<!--label-of:ID-->…<!--/label-of-->``, ID the field it links to).
``ErrorLabelMiddleware`` then puts the label of that field (its ``<label for=ID>``, or
its ``aria-label``) in place of the words, on the whole page or fragment that was
answered, and drops the markers. A reason whose link goes elsewhere (a button, or
nothing) keeps the plain words.
"""

import re
from html import escape
from html.parser import HTMLParser

MARKED = re.compile(r"<!--label-of:([\w-]+)-->(.*?)<!--/label-of-->", re.DOTALL)
MARKER = b"<!--label-of:"
INDEX = re.compile(r"\[(\d+)\]")


def words(key: str) -> str:
    """A field key in plain words: ``target_exact`` → ``Target exact``."""
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def part_words(rest: str) -> str:
    """What follows a field's key in a path, in plain words, counting rows from 1:
    ``[1].weight`` → ``#2 › weight``, `` line 2`` → ``line 2``."""
    text = INDEX.sub(lambda found: f".#{int(found[1]) + 1}", rest)
    parts = [part.strip().replace("_", " ") for part in text.split(".")]
    return " › ".join(part for part in parts if part)


def marked(target: str, text: str) -> str:
    """``text`` (already escaped) to be replaced by the label of the field ``target``."""
    return f"<!--label-of:{target}-->{text}<!--/label-of-->"


class _Labels(HTMLParser):
    """The label text of each element id: ``<label for>`` (without what is hidden from
    assistive technology, such as the required mark), else ``aria-label``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.labels: dict[str, str] = {}
        self.named: dict[str, str] = {}
        self.reading: tuple[str, list[str]] | None = None
        self.hidden = 0  # depth inside aria-hidden within the label being read

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if attrs.get("id") and attrs.get("aria-label"):
            self.named.setdefault(attrs["id"], attrs["aria-label"])
        if tag == "label" and attrs.get("for"):
            self.reading, self.hidden = (attrs["for"], []), 0
        elif self.reading is not None and (self.hidden or attrs.get("aria-hidden") == "true"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if self.reading is None:
            return
        if tag == "label":
            target, pieces = self.reading
            text = " ".join("".join(pieces).split())
            if text:
                self.labels.setdefault(target, text)
            self.reading = None
        elif self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if self.reading is not None and not self.hidden:
            self.reading[1].append(data)


def with_labels(html: str) -> str:
    """``html`` with each marked name replaced by its field's label (see the module)."""
    page = _Labels()
    page.feed(html)
    page.close()
    found = page.named | page.labels

    def name(match: re.Match) -> str:
        label = found.get(match[1])
        return escape(label) if label else match[2]

    return MARKED.sub(name, html)


class ErrorLabelMiddleware:
    """Puts fields' labels into the error boxes of an HTML answer (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and MARKER in response.content
        ):
            charset = response.charset or "utf-8"
            response.content = with_labels(response.content.decode(charset)).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
