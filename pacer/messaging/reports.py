"""Reading the mail that comes back: RFC 3464 delivery status notifications and RFC 5965
abuse reports (both RFC 6522 ``multipart/report`` mails), and the VERP return paths
that tie them to the message they are about.

Every message leaves with the envelope sender (the ``Return-Path``)
``bounce+<message id>-<workspace id>-<signature>@<bounce domain>`` and the same token in
an ``X-Pacer-Id`` header (and in the headers providers hand back in their events,
``with_provider_headers``). The signature is the first 16 hex digits of an HMAC-SHA256 of
the two ids under the install's secret: a bounce cannot be forged for a message it does
not name, and the token survives mail systems that lower-case local parts.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from email import policy
from email.message import Message as MailMessage
from email.parser import BytesParser, HeaderParser

from django.conf import settings

VERP_PREFIX = "bounce+"
TOKEN_HEADER = "X-Pacer-Id"
TOKEN = re.compile(r"^(\d{1,19})-(\d{1,19})-([0-9a-f]{16})$")
STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
COMPLAINT_TYPES = {"abuse", "fraud", "virus", "other"}  # "not-spam" is no complaint


class Unparseable(Exception):
    """The mail is not a report this module can read; the text says why."""


@dataclass(frozen=True)
class Report:
    """What a returned mail says: ``kind`` is ``hard`` (a permanent failure), ``soft``
    (delayed, or a temporary failure), ``complaint`` or ``none`` (e.g. a delivery
    notice); ``ids`` the (message, workspace) of the original's ``X-Pacer-Id``, if any."""

    kind: str
    detail: str
    ids: tuple[int, int] | None
    mail_id: str


def storable(text: str) -> str:
    """``text`` with what a database cannot store (undecodable bytes the mail parser kept
    as surrogates, NUL) replaced."""
    return text.encode("utf-8", "replace").decode().replace("\x00", "\ufffd")


def _signature(message_id: int, workspace_id: int) -> str:
    text = f"pacer.messaging.verp:{workspace_id}:{message_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), text, hashlib.sha256).hexdigest()[:16]


def token(message_id: int, workspace_id: int) -> str:
    """The signed token of a message (the VERP local part after ``bounce+``)."""
    return f"{message_id}-{workspace_id}-{_signature(message_id, workspace_id)}"


PROVIDER_KEY = "pacer-message"


def with_provider_headers(headers: dict[str, str] | None) -> dict[str, str]:
    """``headers`` plus, when they carry a message's signed ``X-Pacer-Id`` token, the
    headers through which email providers hand that token back in their events:
    SendGrid's ``X-SMTPAPI`` unique argument, Postmark's metadata field and an SES message
    tag, each named ``pacer-message`` (``pacer.messaging.provider_events`` reads them).

    >>> with_provider_headers({"X-Pacer-Id": "7-1-0123456789abcdef"})["X-SES-MESSAGE-TAGS"]
    'pacer-message=7-1-0123456789abcdef'
    """
    found = dict(headers or {})
    token = found.get(TOKEN_HEADER, "")
    if token:
        found["X-SMTPAPI"] = json.dumps({"unique_args": {PROVIDER_KEY: token}})
        found[f"X-PM-Metadata-{PROVIDER_KEY}"] = token
        found["X-SES-MESSAGE-TAGS"] = f"{PROVIDER_KEY}={token}"
    return found


def ids_of(text: str) -> tuple[int, int] | None:
    """(message id, workspace id) of a token or of a VERP address; None when it is not
    one this install signed."""
    text = (text or "").strip().strip("<>").lower()
    if "@" in text:
        local = text.rsplit("@", 1)[0]
        if not local.startswith(VERP_PREFIX):
            return None
        text = local.removeprefix(VERP_PREFIX)
    found = TOKEN.match(text)
    if found is None:
        return None
    message_id, workspace_id = int(found[1]), int(found[2])
    if not hmac.compare_digest(found[3], _signature(message_id, workspace_id)):
        return None
    return message_id, workspace_id


def _original_ids(parts: list) -> tuple[int, int] | None:
    """The ``X-Pacer-Id`` of the returned original (``message/rfc822`` or
    ``text/rfc822-headers``), if the report carries it."""
    for part in parts[2:]:
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner else None
        elif kind in ("text/rfc822-headers", "message/global-headers"):
            text = part.get_payload(decode=True) or b""
            headers = HeaderParser().parsestr(text.decode(errors="replace"))
        else:
            continue
        if isinstance(headers, MailMessage) and headers.get(TOKEN_HEADER):
            return ids_of(str(headers[TOKEN_HEADER]))
    return None


def _field(block: MailMessage, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _delivery_status(part: MailMessage) -> tuple[str, str]:
    """The worst recipient verdict of a ``message/delivery-status`` part."""
    blocks = part.get_payload()
    if not isinstance(blocks, list) or len(blocks) < 2:
        raise Unparseable("the delivery-status part has no per-recipient fields")
    verdicts = []
    for block in blocks[1:]:
        action = _field(block, "Action").lower()
        status = _field(block, "Status").split(" ")[0]
        recipient = _field(block, "Final-Recipient")
        if not action:
            raise Unparseable("a recipient block has no Action field")
        code = STATUS.match(status)
        diagnostic = _field(block, "Diagnostic-Code")
        detail = f"{action} {status} {recipient} {diagnostic}".strip()
        if action in ("delivered", "relayed", "expanded"):
            verdicts.append(("none", detail))
        elif action == "delayed":
            verdicts.append(("soft", detail))
        elif action == "failed":
            if code is None:
                raise Unparseable(f"Status {status!r} is not a status code such as 5.1.1")
            verdicts.append(("hard" if code[1] == "5" else "soft", detail))
        else:
            raise Unparseable(f"Action {action!r} is not one of RFC 3464's")
    order = {"hard": 0, "soft": 1, "none": 2}
    return min(verdicts, key=lambda verdict: order[verdict[0]])


def _feedback(part: MailMessage) -> tuple[str, str]:
    inner = part.get_payload()
    fields = inner[0] if isinstance(inner, list) and inner else None
    kind = _field(fields, "Feedback-Type").lower() if isinstance(fields, MailMessage) else ""
    if not kind:
        raise Unparseable("the feedback-report part has no Feedback-Type field")
    agent = _field(fields, "User-Agent")
    detail = f"{kind} report{' from ' + agent if agent else ''}"
    return ("complaint" if kind in COMPLAINT_TYPES else "none"), detail


def read(raw: bytes) -> Report:
    """What a returned mail reports; raises ``Unparseable`` naming what is wrong."""
    try:
        mail = BytesParser(policy=policy.compat32).parsebytes(raw)
    except (ValueError, TypeError, IndexError) as error:  # the parser is lenient; rarely
        raise Unparseable(f"cannot be read as mail ({error.__class__.__name__})") from error
    if mail.get_content_type() != "multipart/report":
        raise Unparseable(f"not a multipart/report mail (RFC 6522) but {mail.get_content_type()}")
    report_type = str(mail.get_param("report-type") or "").lower()
    parts = mail.get_payload()
    if not isinstance(parts, list) or len(parts) < 2:
        raise Unparseable("a report needs at least two parts")
    second = parts[1].get_content_type()
    if report_type == "delivery-status" and second in (
        "message/delivery-status",
        "message/global-delivery-status",
    ):
        kind, detail = _delivery_status(parts[1])
    elif report_type == "feedback-report" and second == "message/feedback-report":
        kind, detail = _feedback(parts[1])
    else:
        raise Unparseable(
            f"report-type {report_type!r} with a {second} part is neither a delivery status "
            "(RFC 3464) nor a feedback report (RFC 5965)"
        )
    mail_id = storable(str(mail.get("Message-ID") or ""))
    return Report(kind, storable(detail)[:300], _original_ids(parts), mail_id)
