"""Delivery of the outbox: claim a batch, send each message over one SMTP connection,
mark it sent only after the relay accepted it. A message is released when it is due
(its broadcast's schedule in the recipient's time zone); at send time the suppression
list and topic opt-outs are read again, quiet hours defer it to their end, and the
frequency cap skips it with the reason.

Claims are leases (``claimed_until``): a worker that dies leaves its messages to be
claimed again when the lease ends, so nothing queued is lost; what a dead worker handed
to the relay but had not marked yet is sent again (the in-flight bound of a crash).
PostgreSQL claims with ``SKIP LOCKED`` so any number of workers share the outbox; SQLite
serialises writers. Without ``PACER_SMTP_HOST`` each message is written as a ``.eml``
file under ``$PACER_DATA_DIR/outbox/messages`` instead.
"""

import contextlib
import logging
import smtplib
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse

from pacer.core import clock, faults
from pacer.messaging import reports, subject_test
from pacer.messaging.actions import suppress, unsubscribe_token
from pacer.messaging.bounces import return_path
from pacer.messaging.models import (
    Broadcast,
    BroadcastStatus,
    CapLock,
    Message,
    MessageStatus,
    SuppressedAddress,
    SuppressionReason,
    TopicOptOut,
)
from pacer.messaging.render import build, compile_parts, recipient_context, render
from pacer.messaging.rights import AssetRights
from pacer.messaging.rules import settings_of
from pacer.messaging.schedule import quiet_until
from pacer.messaging.tracking import track
from pacer.messaging.webhooks import emit, endpoints
from pacer.people import selectors as people

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def _claim(limit: int) -> list[Message]:
    now = clock.now()
    with transaction.atomic():
        due = Message.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            Q(due_at__isnull=True) | Q(due_at__lte=now),
            status=MessageStatus.QUEUED,
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked = list(due.order_by("id").values_list("pk", flat=True)[:limit])
        lease = timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)
        Message.objects.filter(pk__in=picked).update(
            claimed_until=now + lease, attempts=F("attempts") + 1
        )
    return list(
        Message.objects.filter(pk__in=picked)
        .select_related("broadcast__template", "broadcast__sender", "broadcast__topic", "workspace")
        .order_by("id")
    )


class _Transport:
    """One SMTP connection for a batch, or the file outbox without an SMTP host."""

    def __init__(self):
        self.smtp = None
        if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
            self.smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=30)
            if getattr(settings, "EMAIL_USE_TLS", False):
                self.smtp.starttls()
            if getattr(settings, "EMAIL_HOST_USER", ""):
                self.smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        else:
            self.folder = Path(settings.EMAIL_FILE_PATH) / "messages"
            self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: Message, data: bytes) -> None:
        if self.smtp is None:
            path = self.folder / f"{message.pk}.eml"
            path.with_suffix(".tmp").write_bytes(data)
            path.with_suffix(".tmp").replace(path)
            return
        self.smtp.sendmail(return_path(message), [message.email], data)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()


def _finish(message: Message, status: str, reason: str = "") -> None:
    Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=status,
        reason=reason[:300],
        sent_at=clock.now() if status == MessageStatus.SENT else None,
        failed_at=clock.now() if status == MessageStatus.FAILED else None,
        claimed_until=None,
    )


def _data(message: Message, compiled: dict, fields: dict) -> bytes:
    broadcast = message.broadcast
    token = unsubscribe_token(message)
    url = settings.BASE_URL + reverse("unsubscribe", args=[token])
    preferences = settings.BASE_URL + reverse("preferences", args=[token])
    links = {"unsubscribe_url": url, "preferences_url": preferences}
    subject, html, text = render(compiled, recipient_context(fields, links))
    html = track(html, message.workspace_id, message.pk, keep={url, preferences})
    sender = broadcast.sender
    return build(
        sender_name=sender.name,
        from_email=sender.from_email,
        to=message.email,
        subject=subject,
        html=html,
        text=text,
        unsubscribe_url=url,
        sent_at=clock.now(),
        dkim_selector=sender.dkim_selector,
        dkim_private_key=sender.dkim_private_key,
        headers={reports.TOKEN_HEADER: reports.token(message.pk, message.workspace_id)},
    )


def _event(message: Message, reason: str = "") -> dict:
    return {
        "message_id": message.pk,
        "broadcast_id": message.broadcast_id,
        "contact_id": message.contact_id,
        "email": message.email,
        **({"reason": reason} if reason else {}),
    }


def _refused(message: Message, error: smtplib.SMTPRecipientsRefused, hooks: list) -> None:
    code, reply = error.recipients.get(message.email, (0, b""))
    reason = f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    if 500 <= code < 600:  # permanent: a hard bounce suppresses the address
        _finish(message, MessageStatus.FAILED, reason)
        suppress(message.workspace, message.email, SuppressionReason.HARD_BOUNCE, reason)
        event = _event(message, reason)
        emit(message.workspace_id, "message.bounced", str(message.pk), event, hooks)
    elif message.attempts >= MAX_ATTEMPTS:
        _finish(message, MessageStatus.FAILED, f"gave up after {message.attempts}: {reason}")
    else:  # temporary: released for the next run
        Message.objects.filter(pk=message.pk).update(claimed_until=None, reason=reason[:300])


def _defer(message: Message, until) -> None:
    """Quiet hours: back to the outbox, due when they end (not an attempt)."""
    Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        due_at=until,
        claimed_until=None,
        attempts=F("attempts") - 1,
        reason=f"deferred by quiet hours until {until:%Y-%m-%d %H:%M} UTC",
    )


class _Rules:
    """What may stop or defer a claimed message at send time: the suppression list, topic
    opt-outs, the usage rights of the assets it shows and quiet hours, read once per batch
    (the frequency cap is counted per message, under the contact's lock: ``_send``)."""

    def __init__(self, batch: list[Message], now):
        self.now = now
        self.suppressed = set(
            SuppressedAddress.objects.filter(email__in=[m.email for m in batch]).values_list(
                "workspace_id", "email"
            )
        )
        self.opted_out = set(
            TopicOptOut.objects.filter(
                topic_id__in={m.broadcast.topic_id for m in batch if m.broadcast.topic_id},
                contact_id__in={m.contact_id for m in batch},
            ).values_list("topic_id", "contact_id")
        )
        self.settings = {w.pk: settings_of(w) for w in {m.workspace for m in batch}}
        self.rights = {w.pk: AssetRights(w) for w in {m.workspace for m in batch}}

    def verdict(self, message: Message) -> tuple[str, object]:
        """``("send", None)``, ``("skip", reason)`` or ``("defer", until)``."""
        if (message.workspace_id, message.email) in self.suppressed:
            return "skip", "suppressed after it was queued"
        topic = message.broadcast.topic
        if topic is not None and (topic.pk, message.contact_id) in self.opted_out:
            return "skip", f"opted out of topic {topic.name}"
        assets = message.broadcast.template.asset_ids
        rights = self.rights[message.workspace_id]
        problem = rights.problem(assets, message.territory, self.now, message.time_zone)
        if problem:
            return "skip", f"{problem} (at send time)"[:300]
        rules = self.settings[message.workspace_id]
        until = quiet_until(self.now, message.time_zone, rules.quiet_start, rules.quiet_end)
        if until is not None:
            return "defer", until
        return "send", None

    def cap(self, message: Message):
        """The workspace's rules when they cap messages, else None."""
        rules = self.settings[message.workspace_id]
        return rules if rules.cap_count else None


def _hand_over(message: Message, data: bytes, transport: _Transport, hooks: list) -> bool:
    """Give the message to the relay; marked sent only once it accepted."""
    try:
        transport.send(message, data)
    except smtplib.SMTPRecipientsRefused as error:
        _refused(message, error, hooks)
        return False
    faults.point("messaging.accepted")  # the relay has it; not marked yet
    _finish(message, MessageStatus.SENT)
    emit(message.workspace_id, "message.sent", str(message.pk), _event(message), hooks)
    return True


def _send(message: Message, data: bytes, transport: _Transport, hooks: list, cap) -> bool:
    """Send, within the frequency cap when ``cap`` (the workspace's rules) has one: the
    contact's ``CapLock`` row is locked while its recent messages are counted, the
    message handed over and marked, so a second worker sending to the same contact
    waits and then counts this one (on SQLite the write lock does the same)."""
    if cap is None:
        return _hand_over(message, data, transport, hooks)
    with transaction.atomic():
        key = {"workspace_id": message.workspace_id, "contact_id": message.contact_id}
        CapLock.objects.bulk_create([CapLock(**key)], ignore_conflicts=True)
        CapLock.objects.select_for_update().get(**key)
        since = clock.now() - timedelta(days=cap.cap_days)
        recent = Message.objects.filter(**key, status=MessageStatus.SENT, sent_at__gt=since).count()
        faults.point("messaging.cap_counted")
        if recent >= cap.cap_count:
            reason = f"frequency cap: {cap.cap_count} in {cap.cap_days} days reached"
            _finish(message, MessageStatus.SKIPPED, reason)
            return False
        return _hand_over(message, data, transport, hooks)


def deliver(limit: int | None = None) -> int:
    """Send one batch of due messages; returns how many the relay accepted."""
    batch = _claim(limit or settings.MESSAGING_BATCH)
    if not batch:
        return 0
    faults.point("messaging.claimed")
    rules = _Rules(batch, clock.now())
    fields = {}
    for workspace in {m.workspace for m in batch}:
        ids = [m.contact_id for m in batch if m.workspace_id == workspace.pk]
        fields.update({row["id"]: row for row in people.recipients(workspace, ids)})
    hooks = endpoints({m.workspace_id for m in batch})
    compiled, sent, transport = {}, 0, None
    try:
        transport = _Transport()
        for message in batch:
            verdict, detail = rules.verdict(message)
            if verdict == "skip":
                _finish(message, MessageStatus.SKIPPED, detail)
                continue
            if verdict == "defer":
                _defer(message, detail)
                continue
            template = message.broadcast.template
            subject = subject_test.subject_of(message)
            key = (template.pk, subject)
            if key not in compiled:
                compiled[key] = compile_parts(
                    subject or template.subject, template.html, template.text
                )
            data = _data(message, compiled[key], fields.get(message.contact_id, {}))
            hook = hooks[message.workspace_id]
            sent += _send(message, data, transport, hook, rules.cap(message))
    except (smtplib.SMTPException, OSError) as error:
        # the relay went away: the rest stay claimed and are retried when the lease ends
        log.warning("delivery stopped after %s messages: %s", sent, error)
    finally:
        if transport is not None:
            transport.close()
    Broadcast.objects.filter(status=BroadcastStatus.QUEUED).exclude(
        messages__status__in=(MessageStatus.QUEUED, MessageStatus.HELD)
    ).update(status=BroadcastStatus.SENT)
    return sent
