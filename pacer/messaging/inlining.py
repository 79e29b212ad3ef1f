"""CSS inlined once per template instead of once per recipient.

Inlining (css-inline) parses the whole HTML, matches every rule and writes the document
out again: most of what rendering a message costs besides signing. When a template's
personalisation cannot change what the rules match, the template is inlined once, with
a marker for each ``{{ variable }}``, and each recipient's values are put in afterwards,
written exactly as the inliner's serialiser (html5ever) writes text and attribute values,
so that the message is byte for byte what inlining it per recipient gives
(tests/messaging/test_inlining.py compares the two).

That holds when every template token is a ``{{ variable }}`` with plain-text filters
(no tags, no comments, no ``safe`` or markup-making filters, no literals with markup
characters), each in the text of an ordinary element (not a table's structure, the
head, a raw-text or preformatted element, nor directly in ``body``) or in an ``href``,
``src``, ``alt`` or ``title`` value while the CSS selects by no attribute, and no rule
uses ``:empty``. Any other template is inlined per recipient, as before.
"""

import re
from html.parser import HTMLParser

import css_inline
from django.template import Library, TemplateSyntaxError
from django.template.base import VariableNode, tag_re
from django.template.defaultfilters import stringfilter
from django.utils.safestring import mark_safe

MARK = "\ue000{}\ue001"
MARK_RE = re.compile("\ue000(\\d+)\ue001")
FILTER = "pacer_serialised"
PLAIN_FILTERS = {
    "add",
    "capfirst",
    "center",
    "cut",
    "date",
    "default",
    "default_if_none",
    "first",
    "floatformat",
    "last",
    "length",
    "ljust",
    "lower",
    "pluralize",
    "rjust",
    "slice",
    "time",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "wordcount",
    "yesno",
}
MARKUP_CHARACTERS = set("<>&\"'\r\x00\xa0")
# Elements whose text the parser treats apart (tree construction, raw text, leading
# newlines, whitespace kept elsewhere): a marker there is not inlined ahead.
AWKWARD_PARENTS = {
    "html",
    "head",
    "body",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "colgroup",
    "select",
    "frameset",
    "template",
    "style",
    "script",
    "pre",
    "textarea",
    "listing",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "math",
    "svg",
}
PLAIN_ATTRIBUTES = {"href", "src", "alt", "title"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
STYLE_RE = re.compile(r"<style\b[^>]*>(.*?)</style", re.I | re.S)


def serialise(value: str, where: str) -> str:
    """``value`` as the inliner writes it out after parsing it: line breaks normalised,
    NUL dropped from text (U+FFFD in an attribute), ``&``, no-break space and ``<``,
    ``>`` (text) or ``"`` (attribute) escaped. ``where``: ``text`` or ``attribute``,
    ``+lf`` when the template has a line feed right after the value."""
    if where.endswith("+lf") and value.endswith("\r"):
        value = value[:-1]  # the \r\n it makes with the template's \n is one line feed
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("&", "&amp;")
    value = value.replace("\xa0", "&nbsp;")
    if where.startswith("attribute"):
        return value.replace("\x00", "\ufffd").replace('"', "&quot;")
    return value.replace("\x00", "").replace("<", "&lt;").replace(">", "&gt;")


def serialise_filter(value, where: str):
    """The last filter of every variable of an inlined template."""
    return mark_safe(serialise(value, where))


def serialising_library() -> Library:
    """The filter the inlined templates end each variable with (for the HTML engine)."""
    found = Library()
    found.filter(FILTER, stringfilter(serialise_filter))
    return found


def _plain_variable(engine, token: str) -> bool:
    """Whether a ``{{ }}`` token shows plain text: plain filters, no markup in literals."""
    try:
        (node,) = engine.from_string(token).nodelist
    except (TemplateSyntaxError, ValueError):
        return False
    if not isinstance(node, VariableNode):
        return False
    expression = node.filter_expression
    literals = [expression.var] if isinstance(expression.var, str) else []
    plain = {
        function
        for builtin in engine.template_builtins
        for name, function in builtin.filters.items()
        if name in PLAIN_FILTERS
    }
    for function, arguments in expression.filters:
        if function not in plain:
            return False
        literals += [argument for lookup, argument in arguments if not lookup]
    return not any(MARKUP_CHARACTERS & set(str(literal)) for literal in literals)


class _Places(HTMLParser):
    """Where each marker of a document is: ``text``, ``attribute`` or ``other``, with
    the element it is in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.found: list[tuple[int, str, str]] = []

    def _marks(self, text: str, where: str, element: str) -> None:
        self.found += [(int(n), where, element) for n in MARK_RE.findall(text)]

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self._marks(name, "other", tag)
            kind = "attribute" if name in PLAIN_ATTRIBUTES else "other"
            self._marks(value or "", kind, tag)
        self._marks(tag, "other", tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self._marks(data, "text", self.stack[-1] if self.stack else "")

    def handle_comment(self, data):
        self._marks(data, "other", "")

    def handle_decl(self, decl):
        self._marks(decl, "other", "")

    handle_pi = handle_unknown_decl = handle_decl


def _places(document: str) -> list[tuple[int, str, str]]:
    parser = _Places()
    parser.feed(document)
    parser.close()
    return parser.found


def inline_once(engine, source: str) -> str | None:
    """The template source with its CSS inlined ahead and each variable ending with the
    serialising filter; None when its personalisation could change the inlined result
    (the template is then inlined per recipient)."""
    if "\ue000" in source or "\ue001" in source:
        return None
    tokens = list(tag_re.finditer(source))
    css = " ".join(STYLE_RE.findall(source))
    if ":empty" in css:
        return None
    marked, end = [], 0
    for n, match in enumerate(tokens):
        before = source[end : match.start()]
        if n and not before:
            return None  # two variables side by side
        if re.search(r"&[#\w]*$", before) or before.endswith("\r"):
            return None  # the value would continue an entity or a line break
        if not match.group().startswith("{{") or not _plain_variable(engine, match.group()):
            return None
        marked += [before, MARK.format(n)]
        end = match.end()
    marked.append(source[end:])
    document = "".join(marked)
    try:
        inlined = css_inline.inline(document)
    except css_inline.InlineError:
        return None
    in_source, in_output = _places(document), _places(inlined)
    order = list(range(len(tokens)))
    if [n for n, _, _ in in_output] != order or [n for n, _, _ in in_source] != order:
        return None
    for (_, where, parent), (_, was, parent_before) in zip(in_output, in_source, strict=True):
        if where != was or where == "other" or parent != parent_before:
            return None
        if where == "text" and parent in AWKWARD_PARENTS:
            return None
        if where == "attribute" and "[" in css:
            return None
    if tag_re.search(inlined):
        return None  # the inliner wrote out something that reads as a template tag

    def variable(found: re.Match) -> str:
        n = int(found.group(1))
        _, where, _ = in_output[n]
        after = source[tokens[n].end() : tokens[n].end() + 1]
        where += "+lf" if after == "\n" else ""
        return "{{ " + tokens[n].group()[2:-2].strip() + f'|{FILTER}:"{where}" }}}}'

    return MARK_RE.sub(variable, inlined)
