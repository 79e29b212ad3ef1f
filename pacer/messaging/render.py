"""Turning a template and a recipient into a signed email.

Personalisation uses Django's template language in an engine of its own: autoescaping
on, no template loaders (no ``include``/``extends`` of files), and a context of plain
strings only (the recipient's fields and the links Pacer adds), so a template can show
data but reach nothing else. CSS in ``<style>`` blocks is inlined (css-inline) for mail
clients that drop it. Each message carries one-click unsubscribe headers (RFC 8058) and,
when the sender has a key, a DKIM signature (``pacer.messaging.signing``) over the
headers that matter.
"""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

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
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]
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
) -> bytes:
    """The whole message as bytes, DKIM-signed when a key is given; ``headers`` are
    added as they are (the ``X-Pacer-Id`` that returned mail is matched by), with the
    provider headers that carry it into providers' events."""
    message = EmailMessage()
    message["From"] = f"{sender_name} <{from_email}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    domain = from_email.rsplit("@", 1)[-1]
    message["Message-ID"] = make_msgid(domain=domain)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in with_provider_headers(headers).items():
        message[name] = value
    message.set_content(text or "This message is best read as HTML.")
    message.add_alternative(html, subtype="html")
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
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
