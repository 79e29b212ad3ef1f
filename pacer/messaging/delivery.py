"""Delivery of the outbox: claim a batch, hand it to the relay in groups of ``GROUP``
over ``SMTP_SESSIONS`` SMTP sessions side by side, and mark a group's messages sent (in
one write) only after the relay accepted them. A message is released when it is due
(its broadcast's schedule in the recipient's time zone); at send time the suppression
list, the recipient's email consent for the purpose and topic opt-outs are read again
(so a consent withdrawn after the queueing is honoured), quiet hours defer it to their end, and the
frequency cap skips it with the reason.

Claims are leases (``claimed_until``): a worker that dies leaves its messages to be
claimed again when the lease ends, so nothing queued is lost; what a dead worker handed
to the relay but had not marked yet is sent again: at most one group (``GROUP``
messages) per crash, the in-flight bound. While one group is being handed over the next
is rendered and signed; it goes to the relay only once the first is marked.
An attempt is counted when its group is about to go to the relay, not at the claim: a
worker killed in between uses up none of the messages' ``MAX_ATTEMPTS``.
PostgreSQL claims with ``SKIP LOCKED`` so any number of workers share the outbox; SQLite
serialises writers. Without ``PACER_SMTP_HOST`` each message is written as a ``.eml``
file under ``$PACER_DATA_DIR/outbox/messages`` instead.
"""

import contextlib
import logging
import smtplib
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.urls import reverse

from pacer.core import clock, faults
from pacer.messaging import reports, sealing, subject_test
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
from pacer.messaging.webhooks import emit, emit_many, endpoints
from pacer.people import selectors as people

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
GROUP = 32  # messages handed over, then marked sent in one write: the in-flight bound
SMTP_SESSIONS = 4  # SMTP sessions side by side (the relay's round trips overlap)
UNREADABLE_KEY = (
    "the sender's DKIM key cannot be decrypted (the install's secret key changed): "
    "add the sender again with its key"
)


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
        Message.objects.filter(pk__in=picked).update(claimed_until=now + lease)
    return list(
        Message.objects.filter(pk__in=picked)
        .select_related("broadcast__template", "broadcast__sender", "broadcast__topic", "workspace")
        .order_by("id")
    )


class Transport:
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

    def send(self, message: Message, envelope_from: str, data: bytes) -> None:
        if self.smtp is None:
            path = self.folder / f"{message.pk}.eml"
            path.with_suffix(".tmp").write_bytes(data)
            path.with_suffix(".tmp").replace(path)
            return
        self.smtp.sendmail(envelope_from, [message.email], data)

    def send_proof(self, envelope_from: str, to: str, data: bytes, name: str) -> None:
        """One message outside a broadcast (a test send), by the same way out."""
        if self.smtp is None:
            (self.folder / f"{name}.eml").write_bytes(data)
            return
        self.smtp.sendmail(envelope_from, [to], data)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()


def _finish(message: Message, status: str, reason: str = "") -> None:
    """End a queued message that will not go out: failed or skipped, with the reason (a
    sent one is marked by ``_mark_sent``, with its webhook events)."""
    Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=status,
        reason=reason[:300],
        failed_at=clock.now() if status == MessageStatus.FAILED else None,
        claimed_until=None,
    )


def _data(message: Message, compiled: dict, fields: dict, dkim_key: str) -> bytes:
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
        reply_to=sender.reply_to,
        to=message.email,
        subject=subject,
        html=html,
        text=text,
        unsubscribe_url=url,
        sent_at=clock.now(),
        dkim_selector=sender.dkim_selector,
        dkim_private_key=dkim_key,
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
        reason=f"deferred by quiet hours until {until:%Y-%m-%d %H:%M} UTC",
    )


def _count_attempts(group: list["_Ready"]) -> list["_Ready"]:
    """Count, in one write, the attempt each message of a group is about to make, just
    before the group goes to the relay: a run killed between its claim and here uses up
    no attempt (attempts recorded = SMTP transactions made; a kill during a hand-over can
    leave that group's untried messages one attempt over, as it can leave the tried ones
    one copy over). A message whose attempts are used up fails instead (the last one's
    outcome lost to a kill): never more than ``MAX_ATTEMPTS`` transactions. Returns the
    messages that go."""
    going = []
    for ready in group:
        message = ready.message
        if message.attempts >= MAX_ATTEMPTS:
            _finish(message, MessageStatus.FAILED, f"gave up after {message.attempts} attempts")
            continue
        message.attempts += 1
        going.append(ready)
    if going:
        counted = Message.objects.filter(pk__in=[ready.message.pk for ready in going])
        counted.update(attempts=F("attempts") + 1)
    return going


def _give_back(messages: list[Message]) -> None:
    """The attempts counted for messages that never reached the relay after all (a
    session ended before them, or the frequency cap skipped them)."""
    if messages:
        Message.objects.filter(pk__in=[m.pk for m in messages]).update(attempts=F("attempts") - 1)
        for message in messages:
            message.attempts -= 1


def _consenting(batch: list[Message]) -> set[tuple[int, int]]:
    """``(broadcast id, contact id)`` of the messages whose recipient still has email
    consent for their broadcast's purpose, as the person they are now (a contact merged
    since the queueing is asked for through the contact it was merged into, who holds its
    consent): one survivors' and one consents' read per workspace and purpose."""
    asked: dict[tuple, set[int]] = {}
    for message in batch:
        key = (message.workspace, message.broadcast.purpose)
        asked.setdefault(key, set()).add(message.contact_id)
    consenting = set()
    for (workspace, purpose), contact_ids in asked.items():
        now_as = people.survivor_ids(workspace, contact_ids)
        granted = people.granted(workspace, "email", purpose, sorted(set(now_as.values())))
        consenting |= {(workspace.pk, purpose, pk) for pk, as_ in now_as.items() if as_ in granted}
    return {
        (m.broadcast_id, m.contact_id)
        for m in batch
        if (m.workspace_id, m.broadcast.purpose, m.contact_id) in consenting
    }


class _Rules:
    """What may stop or defer a claimed message at send time: the suppression list, email
    consent for the broadcast's purpose, topic opt-outs, the usage rights of the assets it
    shows and quiet hours, read once per batch (the frequency cap is counted per group,
    under its contacts' locks: ``_send_capped``)."""

    def __init__(self, batch: list[Message], now):
        self.now = now
        self.suppressed = set(
            SuppressedAddress.objects.filter(email__in=[m.email for m in batch]).values_list(
                "workspace_id", "email"
            )
        )
        self.consenting = _consenting(batch)
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
        if (message.broadcast_id, message.contact_id) not in self.consenting:
            return "skip", f"no email consent for {message.broadcast.purpose} at send time"
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


@dataclass
class _Ready:
    """A message rendered and signed, with its envelope sender."""

    message: Message
    envelope_from: str
    data: bytes


@dataclass
class _Outcome:
    """What the relay did with (part of) a group: ``failure`` is the error that ended a
    session; its share's ``untried`` messages stay claimed for the next run."""

    accepted: list[Message] = field(default_factory=list)
    refused: list[tuple[Message, smtplib.SMTPRecipientsRefused]] = field(default_factory=list)
    failure: Exception | None = None
    untried: list[Message] = field(default_factory=list)


def _send_share(transport: Transport, share: list[_Ready]) -> _Outcome:
    """Hand ``share`` over in order on one session (in a thread of its own: no database)."""
    outcome = _Outcome()
    for n, ready in enumerate(share):
        try:
            transport.send(ready.message, ready.envelope_from, ready.data)
        except smtplib.SMTPRecipientsRefused as error:
            outcome.refused.append((ready.message, error))
            continue
        except (smtplib.SMTPException, OSError) as error:
            outcome.failure = error
            outcome.untried = [later.message for later in share[n + 1 :]]
            break
        faults.point("messaging.accepted")  # the relay has it; not marked yet
        outcome.accepted.append(ready.message)
    return outcome


class _Sessions:
    """``SMTP_SESSIONS`` SMTP sessions, each sending its share of a group in a thread;
    one for the file outbox, which gains nothing from more."""

    def __init__(self):
        self.transports: list[Transport] = []
        try:
            self.transports.append(Transport())
            if self.transports[0].smtp is not None:
                self.transports += [Transport() for _ in range(SMTP_SESSIONS - 1)]
        except BaseException:
            self.close()
            raise
        self.pool = ThreadPoolExecutor(len(self.transports), thread_name_prefix="messaging")

    @property
    def first(self) -> Transport:
        return self.transports[0]

    def start(self, group: list[_Ready]) -> list[Future]:
        count = len(self.transports)
        shares = [group[n::count] for n in range(count)]
        return [
            self.pool.submit(_send_share, transport, share)
            for transport, share in zip(self.transports, shares, strict=True)
            if share
        ]

    def close(self) -> None:
        if hasattr(self, "pool"):
            self.pool.shutdown()
        for transport in self.transports:
            transport.close()


def _mark_sent(messages: list[Message], hooks: dict[int, list]) -> None:
    """Mark a group the relay accepted as sent, and its webhook events, in one commit."""
    if not messages:
        return
    now = clock.now()
    with transaction.atomic():
        Message.objects.filter(pk__in=[m.pk for m in messages], status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENT, reason="", sent_at=now, failed_at=None, claimed_until=None
        )
        events = [(m.workspace_id, "message.sent", str(m.pk), _event(m)) for m in messages]
        emit_many(events, hooks)


def _recent(keys: list[tuple[int, int]], caps: dict) -> Counter:
    """Messages sent in the cap's window per (workspace, contact), one query per
    workspace; ``caps``: each workspace's rules."""
    recent: Counter = Counter()
    for workspace_id in {w for w, _ in keys}:
        since = clock.now() - timedelta(days=caps[workspace_id].cap_days)
        rows = (
            Message.objects.filter(
                workspace_id=workspace_id,
                contact_id__in=[c for w, c in keys if w == workspace_id],
                status=MessageStatus.SENT,
                sent_at__gt=since,
            )
            .order_by()
            .values_list("contact_id")
            .annotate(sent=Count("id"))
        )
        recent.update({(workspace_id, contact_id): sent for contact_id, sent in rows})
    return recent


def _send_capped(group: list[_Ready], transport: Transport, hooks: dict, caps: dict) -> int:
    """Send a group's messages within the frequency cap (``caps``: each workspace's
    rules), in one transaction: the contacts' ``CapLock`` rows are locked together in id
    order (so two workers never wait on each other in a circle) while their recent
    messages are counted, the group handed over and the accepted marked; a second worker
    sending to one of them waits, then counts these (on SQLite the write lock does the
    same). A kill leaves at most the group in flight; a relay that goes away ends the
    group with what it accepted marked. The group's attempts were counted before (they
    stay counted when a kill rolls this back); a message the cap skips, or one a failed
    session never tried, gets its attempt back. Returns how many it accepted."""
    keys = sorted({(r.message.workspace_id, r.message.contact_id) for r in group})
    accepted, uncounted, failure = [], [], None
    with transaction.atomic():
        CapLock.objects.bulk_create(
            [CapLock(workspace_id=w, contact_id=c) for w, c in keys], ignore_conflicts=True
        )
        mine = Q()
        for workspace_id in {w for w, _ in keys}:
            contacts = [c for w, c in keys if w == workspace_id]
            mine |= Q(workspace_id=workspace_id, contact_id__in=contacts)
        locks = CapLock.objects.select_for_update().filter(mine)
        list(locks.order_by("workspace_id", "contact_id"))
        recent = _recent(keys, caps)
        faults.point("messaging.cap_counted")
        for n, ready in enumerate(group):
            message = ready.message
            cap, key = caps[message.workspace_id], (message.workspace_id, message.contact_id)
            if recent[key] >= cap.cap_count:
                reason = f"frequency cap: {cap.cap_count} in {cap.cap_days} days reached"
                _finish(message, MessageStatus.SKIPPED, reason)
                uncounted.append(message)
                continue
            try:
                transport.send(message, ready.envelope_from, ready.data)
            except smtplib.SMTPRecipientsRefused as error:
                _refused(message, error, hooks[message.workspace_id])
                continue
            except (smtplib.SMTPException, OSError) as error:
                failure = error
                uncounted += [later.message for later in group[n + 1 :]]
                break
            faults.point("messaging.accepted")  # the relay has it; not marked yet
            accepted.append(message)
            recent[key] += 1
        _mark_sent(accepted, hooks)
        _give_back(uncounted)
    if failure is not None:
        raise failure
    return len(accepted)


def _settle(handing_over: list[Future], hooks: dict[int, list]) -> tuple[int, Exception | None]:
    """Wait for a group's hand-over, mark what the relay accepted, record what it refused:
    how many it accepted, and the error that ended a session (None when none did)."""
    outcomes = [future.result() for future in handing_over]
    faults.point("messaging.handed_over")  # the group accepted, none marked yet
    accepted = [message for outcome in outcomes for message in outcome.accepted]
    _mark_sent(accepted, hooks)
    for outcome in outcomes:
        for message, error in outcome.refused:
            _refused(message, error, hooks[message.workspace_id])
    _give_back([message for outcome in outcomes for message in outcome.untried])
    failures = [outcome.failure for outcome in outcomes if outcome.failure]
    return len(accepted), (failures[0] if failures else None)


class _Batch:
    """One claimed batch on its way out: checked and rendered group by group."""

    def __init__(self, batch: list[Message]):
        self.rules = _Rules(batch, clock.now())
        self.fields = {}
        for workspace in {m.workspace for m in batch}:
            ids = [m.contact_id for m in batch if m.workspace_id == workspace.pk]
            self.fields.update({row["id"]: row for row in people.recipients(workspace, ids)})
        self.hooks = endpoints({m.workspace_id for m in batch})
        self.compiled: dict = {}
        self.keys: dict[int, str | None] = {}

    def dkim_key(self, message: Message) -> str | None:
        """The PEM its sender signs with ("" for none), opened once per batch; None when
        the sealed key cannot be opened (the install's secret key changed)."""
        sender = message.broadcast.sender
        if sender.pk not in self.keys:
            try:
                self.keys[sender.pk] = sealing.open_dkim_key(sender)
            except sealing.Unreadable:
                self.keys[sender.pk] = None
        return self.keys[sender.pk]

    def prepare(self, group: list[Message]) -> tuple[list[_Ready], list[_Ready]]:
        """Skip or defer what may not go now; render and sign the rest: ``(free,
        capped)``, the messages the frequency cap does not and does apply to."""
        free, capped = [], []
        for message in group:
            verdict, detail = self.rules.verdict(message)
            if verdict == "skip":
                _finish(message, MessageStatus.SKIPPED, detail)
                continue
            if verdict == "defer":
                _defer(message, detail)
                continue
            dkim_key = self.dkim_key(message)
            if dkim_key is None:
                _finish(message, MessageStatus.FAILED, UNREADABLE_KEY)
                continue
            template = message.broadcast.template
            subject = subject_test.subject_of(message)
            key = (template.pk, subject)
            if key not in self.compiled:
                self.compiled[key] = compile_parts(
                    subject or template.subject, template.html, template.text
                )
            fields = self.fields.get(message.contact_id, {})
            data = _data(message, self.compiled[key], fields, dkim_key)
            ready = _Ready(message, return_path(message), data)
            (capped if self.rules.cap(message) else free).append(ready)
        return free, capped


def deliver(limit: int | None = None) -> int:
    """Send one batch of due messages; returns how many the relay accepted."""
    batch = _claim(limit or settings.MESSAGING_BATCH)
    if not batch:
        return 0
    faults.point("messaging.claimed")
    work = _Batch(batch)
    groups = [batch[n : n + GROUP] for n in range(0, len(batch), GROUP)]
    sent, sessions = 0, None
    try:
        sessions = _Sessions()
        free, capped = work.prepare(groups[0])
        for upcoming in [*groups[1:], []]:
            faults.point("messaging.prepared")  # a group rendered; no attempt counted yet
            handing_over = sessions.start(_count_attempts(free))
            try:
                free_next, capped_next = work.prepare(upcoming)  # while the relay takes these
            finally:  # what the relay accepted is marked, whatever happened meanwhile
                accepted, failure = _settle(handing_over, work.hooks)
                sent += accepted
            if failure is not None:
                raise failure
            capped = _count_attempts(capped)
            if capped:
                caps = {r.message.workspace_id: work.rules.cap(r.message) for r in capped}
                sent += _send_capped(capped, sessions.first, work.hooks, caps)
            free, capped = free_next, capped_next
    except (smtplib.SMTPException, OSError) as error:
        # the relay went away: the rest stay claimed and are retried when the lease ends
        log.warning("delivery stopped after %s messages: %s", sent, error)
    finally:
        if sessions is not None:
            sessions.close()
    Broadcast.objects.filter(status=BroadcastStatus.QUEUED).exclude(
        messages__status__in=(MessageStatus.QUEUED, MessageStatus.HELD)
    ).update(status=BroadcastStatus.SENT)
    return sent
