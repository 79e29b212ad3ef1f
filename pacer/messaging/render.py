"""Turning a template and a recipient into a signed email.

Personalisation uses Django's template language in an engine of its own: autoescaping
on, no template loaders (no ``include``/``extends`` of files), and a context of plain
strings only (the recipient's fields and the links Pacer adds), so a template can show
data but reach nothing else. CSS in ``<style>`` blocks is inlined (css-inline) for mail
clients that drop it. Each message carries one-click unsubscribe headers (RFC 8058) and,
when the sender has a key, a DKIM signature (``pacer.messaging.signing``) over the
headers that matter.
"""

import secrets
from binascii import b2a_qp
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid

import css_inline
from django.template import Context, Engine, Library, TemplateSyntaxError

from pacer.messaging.reports import with_provider_headers
from pacer.messaging.signing import signature_header

# Tags that reach past the context (debug prints loaded modules, url reverses routes) or
# pull in other templates: refused when a template is saved.
BLOCKED_TAGS = {"debug", "load", "url", "include", "extends", "block", "csrf_token", "now"}


def _engine(autoescape: bool) -> Engine:
    engine = Engine(autoescape=autoescape, loaders=[], libraries={})
    allowed = []
    for library in engine.template_builtins:  # copies: the global libraries stay whole
        copy = Library()
        copy.filters = dict(library.filters)
        copy.tags = {name: tag for name, tag in library.tags.items() if name not in BLOCKED_TAGS}
        allowed.append(copy)
    engine.template_builtins = allowed
    return engine


ENGINE = _engine(autoescape=True)
TEXT_ENGINE = _engine(autoescape=False)
SIGNED_HEADERS = [
    b"from",
    b"reply-to",  # when the sender has one
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]
MAX_LINE = 998  # the longest line SMTP allows, CRLF not counted (RFC 5322 2.1.1)
RECIPIENT_FIELDS = ("email", "first_name", "last_name", "phone", "lifecycle_stage")


class TemplateProblem(ValueError):
    """A template that does not compile: ``part`` (subject, html or text) and the reason."""

    def __init__(self, part: str, reason: str):
        super().__init__(f"{part}: {reason}")
        self.part, self.reason = part, reason


def compile_parts(subject: str, html: str, text: str) -> dict:
    """The compiled subject, HTML and text; ``TemplateProblem`` names the part that fails."""
    compiled = {}
    for part, source, engine in (
        ("subject", subject, TEXT_ENGINE),
        ("html", html, ENGINE),
        ("text", text, TEXT_ENGINE),
    ):
        try:
            compiled[part] = engine.from_string(source)
        except TemplateSyntaxError as error:
            raise TemplateProblem(part, str(error)) from None
    return compiled


def recipient_context(fields: dict, links: dict) -> dict:
    """The only names a template sees: the recipient's fields (as text) and the links."""
    return {
        "contact": {name: str(fields.get(name) or "") for name in RECIPIENT_FIELDS},
        **{name: str(value) for name, value in links.items()},
    }


def render(compiled: dict, context: dict) -> tuple[str, str, str]:
    """``(subject, html, text)`` for one recipient; the subject on one line."""

    def fill(part: str) -> str:
        template = compiled[part]
        return template.render(Context(context, autoescape=template.engine.autoescape))

    subject = " ".join(fill("subject").split())
    return subject, css_inline.inline(fill("html")), fill("text")


def _header(name: str, value: str) -> bytes:
    """One header field as bytes (CRLF-terminated): ASCII as it is, anything else as
    RFC 2047 encoded words (folded), and a line too long for SMTP folded."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header {name} may not contain a line break")
    if value.isascii() and len(name) + len(value) < MAX_LINE - 2:
        return f"{name}: {value}\r\n".encode()
    charset = "us-ascii" if value.isascii() else "utf-8"
    folded = Header(value, charset, header_name=name).encode(linesep="\r\n")
    return f"{name}: {folded}\r\n".encode("ascii")


def _part(content_type: str, content: str) -> bytes:
    """A text part: 7bit when it is ASCII in short lines, else quoted-printable UTF-8."""
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # the content ended with a line break
    if content.isascii() and all(len(line) < MAX_LINE for line in lines):
        encoding, body = "7bit", "".join(line + "\r\n" for line in lines).encode()
    else:
        encoding = "quoted-printable"
        text = "".join(line + "\n" for line in lines)
        body = b2a_qp(text.encode(), istext=True).replace(b"\n", b"\r\n")
    charset = "us-ascii" if encoding == "7bit" else "utf-8"
    head = f'Content-Type: {content_type}; charset="{charset}"\r\n'
    return (head + f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode() + body


def build(
    *,
    sender_name: str,
    from_email: str,
    to: str,
    subject: str,
    html: str,
    text: str,
    unsubscribe_url: str,
    sent_at,
    dkim_selector: str = "",
    dkim_private_key: str = "",
    headers: dict[str, str] | None = None,
    reply_to: str = "",
) -> bytes:
    """The whole message as bytes, DKIM-signed when a key is given; ``headers`` are
    added as they are (the ``X-Pacer-Id`` that returned mail is matched by), with the
    provider headers that carry it into providers' events; ``reply_to`` (the sender's
    Reply-To address), when given, as the ``Reply-To`` header.

    Written field by field rather than through ``email``'s default policy, whose header
    registry parses and refolds every header (most of a message's cost): non-ASCII
    headers become RFC 2047 encoded words, and a part that is not ASCII in short lines is
    quoted-printable UTF-8."""
    domain = from_email.rsplit("@", 1)[-1]
    fields = [
        ("From", formataddr((sender_name, from_email), charset="utf-8")),
        *((("Reply-To", reply_to),) if reply_to else ()),
        ("To", to),
        ("Subject", subject),
        ("Date", format_datetime(sent_at)),
        ("Message-ID", make_msgid(domain=domain)),
        ("List-Unsubscribe", f"<{unsubscribe_url}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        *with_provider_headers(headers).items(),
    ]
    parts = [
        _part("text/plain", text or "This message is best read as HTML."),
        _part("text/html", html),
    ]
    boundary = "=_" + secrets.token_hex(16)
    while any(boundary.encode() in part for part in parts):  # as good as never
        boundary = "=_" + secrets.token_hex(16)
    delimiter = b"--" + boundary.encode()
    data = b"".join(
        [
            *(_header(name, value) for name, value in fields),
            b"MIME-Version: 1.0\r\n",
            b'Content-Type: multipart/alternative; boundary="' + boundary.encode() + b'"\r\n',
            b"\r\n",
            *(delimiter + b"\r\n" + part + b"\r\n" for part in parts),
            delimiter + b"--\r\n",
        ]
    )
    if not dkim_private_key:
        return data
    signature = signature_header(
        data,
        selector=dkim_selector,
        domain=domain,
        private_key=dkim_private_key,
        headers=SIGNED_HEADERS,
    )
    return signature + data
