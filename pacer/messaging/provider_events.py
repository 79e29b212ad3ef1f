"""Bounces and complaints that email providers post as JSON: Amazon SES (through an SNS
topic), the SendGrid event webhook and Postmark's bounce and spam-complaint webhooks.

Each post is first verified by the provider's own proof (``pacer.messaging.provider_auth``),
then read into notices (hard bounce, soft bounce, complaint, or nothing to record) and
recorded as a returned DSN or ARF report is (``pacer.messaging.bounces``): a hard
bounce or a complaint suppresses the address, a soft bounce counts towards the
workspace's soft-bounce limit, and each is once per message (soft ones once per provider
event). Each notice is stored once as an ``InboundMail`` (its JSON, keyed by provider
and event id) in the same transaction as what it records.

The provider posts to ``/m/events/<provider>/<token>/``; the token (``endpoint_token``)
names the workspace and is signed with the install's secret. A notice names its exact
message by the signed token Pacer put in the provider's own header at send
(``reports.with_provider_headers``; all named ``pacer-message``): SES a message tag
(``mail.tags``, else the VERP ``mail.source`` or the original's ``X-Pacer-Id`` header),
SendGrid a unique argument, Postmark a metadata field. A token this install did not sign
for this workspace matches nothing. Only a notice without one is matched by its address:
the latest message sent to it in the workspace.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from pacer.core import clock
from pacer.core.models import Workspace
from pacer.messaging import bounces, reports
from pacer.messaging.models import InboundMail, InboundStatus, Message, MessageStatus

PROVIDERS = ("ses", "sendgrid", "postmark")
MAX_BODY_BYTES = 1_000_000
POSTMARK_HARD = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated"}
POSTMARK_SOFT = {"Transient", "SoftBounce", "DnsError", "Blocked"}


class BadPayload(ValueError):
    """The body is not what the provider sends; ``field`` names the part."""

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class Notice:
    """One recipient's outcome: ``kind`` is hard, soft, complaint or none."""

    kind: str
    email: str
    detail: str
    event_id: str
    pacer_id: str = ""


def _signature(workspace_id: int) -> str:
    text = f"pacer.messaging.provider-events:{workspace_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), text, hashlib.sha256).hexdigest()[:24]


def endpoint_token(workspace_id: int) -> str:
    """The URL token that lets a provider post a workspace's events."""
    return f"{workspace_id}-{_signature(workspace_id)}"


def workspace_id_of(token: str) -> int | None:
    head, _, signature = token.partition("-")
    if not head.isdecimal() or len(head) > 18:
        return None
    if not hmac.compare_digest(signature.encode(), _signature(int(head)).encode()):
        return None
    return int(head)


def _text(value, field: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadPayload(field, "must be non-empty text")
    return value.strip()


def _object(value, field: str) -> dict:
    if not isinstance(value, dict):
        raise BadPayload(field, "must be a JSON object")
    return value


def _list(value, field: str) -> list:
    if not isinstance(value, list) or not value:
        raise BadPayload(field, "must be a non-empty JSON array")
    return value


def _ses(body) -> list[Notice]:
    envelope = _object(body, "body")
    kind = _text(envelope.get("Type"), "Type")
    if kind != "Notification":  # a subscription confirmation is answered before reading
        raise BadPayload("Type", "must be Notification")
    try:
        inner = json.loads(_text(envelope.get("Message"), "Message"))
    except json.JSONDecodeError as error:
        raise BadPayload("Message", f"is not JSON ({error.msg})") from error
    inner = _object(inner, "Message")
    event = inner.get("notificationType") or inner.get("eventType")
    event = _text(event, "Message.notificationType")
    mail = _object(inner.get("mail"), "Message.mail")
    pacer_id = _ses_pacer_id(mail)
    if event == "Bounce":
        bounce = _object(inner.get("bounce"), "Message.bounce")
        bounce_type = _text(bounce.get("bounceType"), "Message.bounce.bounceType")
        kind = "hard" if bounce_type == "Permanent" else "soft"
        feedback = _text(bounce.get("feedbackId"), "Message.bounce.feedbackId")
        notices = []
        recipients = _list(bounce.get("bouncedRecipients"), "Message.bounce.bouncedRecipients")
        for index, recipient in enumerate(recipients):
            field = f"Message.bounce.bouncedRecipients[{index}]"
            recipient = _object(recipient, field)
            email = _text(recipient.get("emailAddress"), f"{field}.emailAddress")
            status = recipient.get("status") or ""
            diagnostic = recipient.get("diagnosticCode") or ""
            detail = f"SES {bounce_type} {bounce.get('bounceSubType', '')} {status} {diagnostic}"
            notices.append(Notice(kind, email, detail, f"{feedback}:{email}", pacer_id))
        return notices
    if event == "Complaint":
        complaint = _object(inner.get("complaint"), "Message.complaint")
        feedback = _text(complaint.get("feedbackId"), "Message.complaint.feedbackId")
        feedback_type = complaint.get("complaintFeedbackType") or "abuse"
        kind = "none" if feedback_type == "not-spam" else "complaint"
        recipients = _list(
            complaint.get("complainedRecipients"), "Message.complaint.complainedRecipients"
        )
        notices = []
        for index, recipient in enumerate(recipients):
            field = f"Message.complaint.complainedRecipients[{index}]"
            email = _text(_object(recipient, field).get("emailAddress"), f"{field}.emailAddress")
            detail = f"SES complaint ({feedback_type})"
            notices.append(Notice(kind, email, detail, f"{feedback}:{email}", pacer_id))
        return notices
    return [Notice("none", "", f"SES {event}: nothing to record", "")]


def _ses_pacer_id(mail: dict) -> str:
    """The signed id in the message's ``pacer-message`` tag, the original's return path
    or its ``X-Pacer-Id`` header."""
    tags = mail.get("tags")
    tagged = tags.get(reports.PROVIDER_KEY) if isinstance(tags, dict) else None
    if isinstance(tagged, list) and tagged and isinstance(tagged[0], str):
        return tagged[0]
    source = mail.get("source")
    if isinstance(source, str) and reports.ids_of(source):
        return source
    headers = mail.get("headers")
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "x-pacer-id":
            return str(header.get("value", ""))
    return ""


def _given(value) -> str:
    return value if isinstance(value, str) else ""


def _sendgrid(body) -> list[Notice]:
    notices = []
    for index, event in enumerate(_list(body, "body")):
        field = f"[{index}]"
        event = _object(event, field)
        name = _text(event.get("event"), f"{field}.event")
        email = _text(event.get("email"), f"{field}.email")
        event_id = _text(event.get("sg_event_id"), f"{field}.sg_event_id")
        pacer_id = _given(event.get(reports.PROVIDER_KEY))
        reason = f"{event.get('status', '')} {event.get('reason') or event.get('response') or ''}"
        if name == "bounce":
            # "blocked" (newer: bounce_classification) is a temporary refusal
            kind = "soft" if event.get("type") == "blocked" else "hard"
            notices.append(Notice(kind, email, f"SendGrid bounce {reason}", event_id, pacer_id))
        elif name == "deferred":
            notices.append(Notice("soft", email, f"SendGrid deferred {reason}", event_id, pacer_id))
        elif name == "spamreport":
            notices.append(Notice("complaint", email, "SendGrid spam report", event_id, pacer_id))
        else:
            notices.append(Notice("none", email, f"SendGrid {name}", event_id, pacer_id))
    return notices


def _postmark(body) -> list[Notice]:
    record = _object(body, "body")
    record_type = _text(record.get("RecordType"), "RecordType")
    email = _text(record.get("Email"), "Email")
    if not isinstance(record.get("ID"), int) or isinstance(record.get("ID"), bool):
        raise BadPayload("ID", "must be a whole number")
    event_id = str(record["ID"])
    metadata = record.get("Metadata") if isinstance(record.get("Metadata"), dict) else {}
    pacer_id = _given(metadata.get(reports.PROVIDER_KEY))
    bounce_type = _text(record.get("Type"), "Type")
    detail = f"Postmark {bounce_type}: {record.get('Description') or record.get('Details') or ''}"
    if record_type == "SpamComplaint" or bounce_type == "SpamComplaint":
        kind = "complaint"
    elif record_type != "Bounce":
        raise BadPayload("RecordType", "must be Bounce or SpamComplaint")
    elif bounce_type in POSTMARK_HARD:
        kind = "hard"
    elif bounce_type in POSTMARK_SOFT:
        kind = "soft"
    else:
        kind = "none"
    return [Notice(kind, email, detail, event_id, pacer_id)]


READERS = {"ses": _ses, "sendgrid": _sendgrid, "postmark": _postmark}


def read(provider: str, raw: bytes) -> list[Notice]:
    """The notices of a provider's post; raises ``BadPayload`` naming the field."""
    if provider not in READERS:
        raise BadPayload("provider", f"must be one of {', '.join(PROVIDERS)}")
    if len(raw) > MAX_BODY_BYTES:
        raise BadPayload("body", f"must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadPayload("body", "is not JSON") from error
    return READERS[provider](body)


def _message(workspace: Workspace, notice: Notice) -> Message | None:
    found = Message.objects.select_related("workspace", "broadcast").filter(workspace=workspace)
    if notice.pacer_id:
        ids = reports.ids_of(notice.pacer_id)
        if ids is None:
            return None  # a token this install did not sign: never someone else's message
        return found.filter(pk=ids[0], workspace_id=ids[1]).first()
    return (
        found.filter(email=notice.email.lower(), status=MessageStatus.SENT)
        .order_by("-sent_at", "-id")
        .first()
    )


def record(workspace: Workspace, provider: str, notices: list[Notice]) -> list[dict]:
    """Record each notice once; what became of each (status, detail, message id)."""
    outcomes = []
    for notice in notices:
        raw = json.dumps(notice.__dict__, sort_keys=True).encode()
        key = f"{provider}:{workspace.pk}:{notice.event_id or raw.decode()}"
        digest = hashlib.sha256(key.encode()).hexdigest()
        with transaction.atomic():
            if InboundMail.objects.filter(digest=digest).exists():
                outcomes.append({"status": InboundStatus.DUPLICATE, "message_id": None})
                continue
            message = _message(workspace, notice) if notice.kind != "none" else None
            status = InboundStatus.IGNORED
            if notice.kind != "none" and message is None:
                status = InboundStatus.UNMATCHED
            elif message is not None:
                report = reports.Report(notice.kind, notice.detail[:300], None, notice.event_id)
                new = bounces._record(message, report, digest)
                status = InboundStatus.RECORDED if new else InboundStatus.DUPLICATE
            try:
                with transaction.atomic():
                    InboundMail.objects.create(
                        workspace=workspace,
                        message=message,
                        digest=digest,
                        recipient=notice.email[:254],
                        raw=raw,
                        status=status,
                        detail=reports.storable(notice.detail)[:300],
                        received_at=clock.now(),
                    )
            except IntegrityError:  # the same event posted at the same moment
                transaction.set_rollback(True)
                outcomes.append({"status": InboundStatus.DUPLICATE, "message_id": None})
                continue
        outcomes.append({"status": status, "message_id": message.pk if message else None})
    return outcomes
