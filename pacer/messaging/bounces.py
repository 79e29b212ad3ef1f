"""Bounces and complaints that come back, recorded on the message they are about.

A returned mail arrives over SMTP (``Receiver``, an aiosmtpd handler the worker's
``messaging-inbound`` loop serves when ``PACER_BOUNCE_SMTP_PORT`` is set; it accepts
mail only for this install's VERP addresses and for ``PACER_FEEDBACK_ADDRESS``, the
address registered with mailbox providers' feedback loops) or is posted by a provider
through the REST API. It is stored once per content (``InboundMail``, unique by SHA-256)
and read (``pacer.messaging.reports``):

- a hard bounce (``Action: failed``, ``Status: 5.x.x``) suppresses the address (reason
  ``hard_bounce``, with the DSN's status and diagnostic) and records a ``bounce`` event;
- a soft bounce (``delayed``, or failed with ``4.x.x``) records a ``soft_bounce`` event;
  the address is suppressed (``soft_bounces``) when it has had the workspace's
  ``soft_bounce_limit`` of them within ``soft_bounce_days``;
- a complaint (an ARF report of type abuse, fraud, virus or other) suppresses the
  address (``complaint``) and records a ``complaint`` event;
- anything else is kept with its status (ignored, unmatched, unparseable) and changes
  nothing.

Events are once per (message, kind, key): a hard bounce and a complaint once per
message, a soft bounce once per DSN (its Message-ID, else the mail's digest); the same
mail received twice is recorded once.
"""

import hashlib
import logging
import os
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction

from pacer.core import clock, faults
from pacer.core.models import Workspace
from pacer.messaging import reports
from pacer.messaging.actions import suppress
from pacer.messaging.models import (
    EventKind,
    InboundMail,
    InboundStatus,
    Message,
    MessageEvent,
    SuppressionReason,
)
from pacer.messaging.rules import settings_of
from pacer.messaging.webhooks import emit

log = logging.getLogger(__name__)
MAX_MAIL_BYTES = 1_000_000
KINDS = {"hard": EventKind.BOUNCE, "soft": EventKind.SOFT_BOUNCE, "complaint": EventKind.COMPLAINT}


def bounce_domain(sender_domain: str) -> str:
    """The domain of the VERP return paths: ``PACER_BOUNCE_DOMAIN`` (the host whose MX
    points at the receiver), else the sender's own domain."""
    return (
        getattr(settings, "MESSAGING_BOUNCE_DOMAIN", "")
        or os.environ.get("PACER_BOUNCE_DOMAIN", "")
        or sender_domain
    ).lower()


def return_path(message: Message) -> str:
    """The envelope sender of a message: ``bounce+<signed token>@<bounce domain>``."""
    domain = bounce_domain(message.broadcast.sender.domain)
    return f"{reports.VERP_PREFIX}{reports.token(message.pk, message.workspace_id)}@{domain}"


def feedback_address() -> str:
    return os.environ.get("PACER_FEEDBACK_ADDRESS", "").strip().lower()


def accepts(address: str) -> bool:
    """Whether the receiver takes mail for ``address``: a VERP address this install
    signed, or the feedback address."""
    address = (address or "").strip().lower()
    return reports.ids_of(address) is not None or (
        bool(feedback_address()) and address == feedback_address()
    )


def receive(
    raw: bytes, recipient: str = "", workspace: Workspace | None = None
) -> tuple[InboundMail, bool]:
    """Store a returned mail once and read it; returns the mail and whether it was new
    (a mail received before is not read again). ``workspace``: only a message of this
    workspace may be named (a provider posting through the REST API)."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                digest=digest,
                recipient=reports.storable(recipient)[:254],
                raw=raw,
                received_at=clock.now(),
            )
    except IntegrityError:
        return InboundMail.objects.get(digest=digest), False
    faults.point("messaging.inbound.stored")  # committed, not read; the sender has no 250
    read(mail, workspace)
    faults.point("messaging.inbound.read")  # read and committed; the sender has no 250
    return mail, True


def _close(mail: InboundMail, status: str, detail: str, message: Message | None = None) -> None:
    mail.status, mail.detail, mail.message = status, reports.storable(detail)[:300], message
    mail.workspace_id = message.workspace_id if message is not None else mail.workspace_id
    mail.save(update_fields=["status", "detail", "message", "workspace"])


def read(mail: InboundMail, workspace: Workspace | None = None) -> InboundMail:
    """Read a stored mail and record what it reports (see the module's docstring)."""
    try:
        report = reports.read(bytes(mail.raw))
    except reports.Unparseable as problem:
        _close(mail, InboundStatus.UNPARSEABLE, str(problem))
        return mail
    ids = reports.ids_of(mail.recipient) or report.ids
    if ids is None:
        _close(mail, InboundStatus.UNMATCHED, "no VERP address or X-Pacer-Id of this install")
        return mail
    found = Message.objects.select_related("workspace", "broadcast")
    if workspace is not None:
        found = found.filter(workspace=workspace)
    message = found.filter(pk=ids[0], workspace_id=ids[1]).first()
    if message is None:
        _close(mail, InboundStatus.UNMATCHED, f"message {ids[0]} is not here (any more)")
        return mail
    if report.kind == "none":
        _close(mail, InboundStatus.IGNORED, report.detail, message)
        return mail
    with transaction.atomic():
        new = _record(message, report, mail.digest)
        status = InboundStatus.RECORDED if new else InboundStatus.DUPLICATE
        _close(mail, status, report.detail, message)
        faults.point("messaging.inbound.recorded")  # its effects and status made; no COMMIT
    return mail


def _event_data(message: Message, **extra) -> dict:
    return {
        "message_id": message.pk,
        "broadcast_id": message.broadcast_id,
        "contact_id": message.contact_id,
        "email": message.email,
        **extra,
    }


def _record(message: Message, report: reports.Report, digest: str) -> bool:
    """The event, the suppression and the webhook of a report; False when the event
    was recorded before."""
    key = report.kind if report.kind != "soft" else f"soft:{report.mail_id or digest}"
    try:
        with transaction.atomic():
            event = MessageEvent.objects.create(
                workspace_id=message.workspace_id,
                message=message,
                kind=KINDS[report.kind],
                detail=report.detail,
                key=key[:200],
                at=clock.now(),
            )
    except IntegrityError:
        return False
    workspace, email = message.workspace, message.email
    if report.kind == "hard":
        suppress(workspace, email, SuppressionReason.HARD_BOUNCE, report.detail)
        data = _event_data(message, bounce="hard", reason=report.detail)
        emit(message.workspace_id, "message.bounced", str(message.pk), data)
    elif report.kind == "complaint":
        suppress(workspace, email, SuppressionReason.COMPLAINT, report.detail)
        data = _event_data(message, reason=report.detail)
        emit(message.workspace_id, "message.complained", str(message.pk), data)
    else:
        rules = settings_of(workspace)
        since = clock.now() - timedelta(days=rules.soft_bounce_days)
        count = MessageEvent.objects.filter(
            workspace=workspace, kind=EventKind.SOFT_BOUNCE, message__email=email, at__gt=since
        ).count()
        if count >= rules.soft_bounce_limit:
            detail = f"{count} soft bounces in {rules.soft_bounce_days} days; last: {report.detail}"
            suppress(workspace, email, SuppressionReason.SOFT_BOUNCES, detail)
        data = _event_data(message, bounce="soft", reason=report.detail)
        emit(message.workspace_id, "message.bounced", f"{message.pk}:soft:{event.pk}", data)
    return True


class Receiver:
    """The aiosmtpd handler of the inbound SMTP endpoint: refuses recipients that are
    neither a VERP address of this install nor the feedback address, stores and reads
    what it accepts, and answers 451 (the sender retries) when the database fails."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if not accepts(address):
            return "550 5.1.1 not a bounce or feedback address of this host"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        verp = [a for a in envelope.rcpt_tos if reports.ids_of(a) is not None]
        recipient = (verp or envelope.rcpt_tos)[0]
        try:
            await sync_to_async(_receive_and_close)(envelope.content, recipient)
        except DatabaseError:
            log.exception("could not store a returned mail")
            return "451 4.3.0 try again later"
        return "250 OK"


def _receive_and_close(raw: bytes, recipient: str) -> None:
    """``receive`` from the receiver's thread, leaving no connection open there."""
    try:
        receive(raw, recipient)
    finally:
        connection.close()


def start_receiver(host: str, port: int):
    """Serve ``Receiver`` on ``host:port`` in a thread of its own; returns the
    controller (``.stop()`` ends it)."""
    from aiosmtpd.controller import Controller

    controller = Controller(Receiver(), hostname=host, port=port, data_size_limit=MAX_MAIL_BYTES)
    controller.start()
    return controller


_receiver = {}


def serve_and_read() -> int:
    """The ``messaging-inbound`` loop: start the receiver once (when
    ``PACER_BOUNCE_SMTP_PORT`` is set; ``PACER_BOUNCE_SMTP_HOST``, default 127.0.0.1)
    and read mails stored but left unread a minute ago (a crash between the two)."""
    port = os.environ.get("PACER_BOUNCE_SMTP_PORT", "")
    if port and "controller" not in _receiver:
        host = os.environ.get("PACER_BOUNCE_SMTP_HOST", "127.0.0.1")
        _receiver["controller"] = start_receiver(host, int(port))
    left = InboundMail.objects.filter(
        status=InboundStatus.PENDING, received_at__lt=clock.now() - timedelta(minutes=1)
    ).order_by("id")[:100]
    for mail in left:
        read(mail)
    return len(left)
