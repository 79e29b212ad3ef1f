"""Text messages: keywords people text in (STOP, START, HELP) and the texts that go out.

An inbound text is relayed by the SMS provider (``POST /api/messaging/inbound-sms``) and
handled once per provider message id. Its body, trimmed and compared case-insensitively
as a whole (CTIA's conventions, as carriers and providers match them), may be a keyword:

- ``STOP``, ``STOPALL``, ``UNSUBSCRIBE``, ``CANCEL``, ``END``, ``QUIT``: the number is
  suppressed (no text goes to it again) and the SMS consent of the contact with that
  number is withdrawn for every purpose granted (and ``marketing``, always), through
  ``pacer.people.consent_actions.record_consent``; one confirmation is sent;
- ``START``, ``UNSTOP``: the suppression is lifted and the purposes the number's last
  STOP withdrew are granted again (``marketing`` when it never stopped); a confirmation
  is sent;
- ``HELP``: the workspace's help text is sent (also to a stopped number: a HELP is
  answered whatever the subscription, as carriers require).

Each reply is one ``SmsMessage`` keyed by the inbound text, so it is sent once however
often the provider retries. Outgoing texts go through the workspace's provider
(``pacer.messaging.sms_providers``: a Twilio-compatible account, or the install's gateway
``pacer.leads.sms``) from the ``messaging-sms`` loop, and are marked sent, with the
provider's message id, only after the provider took them; a 429 or 5xx is retried (not
before its ``Retry-After``), any other refusal fails the text with the provider's
reason. A text for a consent purpose is skipped, with the reason, when its number is
stopped or its contact has no SMS consent for it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from pacer.core import clock, faults
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.messaging import sms_links, sms_providers, sms_status
from pacer.messaging.models import (
    BroadcastStatus,
    CapLock,
    InboundSms,
    MessageStatus,
    SmsBroadcast,
    SmsKeyword,
    SmsMessage,
    SuppressedNumber,
)
from pacer.messaging.rules import settings_of
from pacer.messaging.schedule import quiet_until
from pacer.messaging.twilio import SmsRejected
from pacer.people import consent_actions
from pacer.people import selectors as people
from pacer.people.resolution import normalise

log = logging.getLogger(__name__)
KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), SmsKeyword.STOP),
    **dict.fromkeys(("START", "UNSTOP"), SmsKeyword.START),
    "HELP": SmsKeyword.HELP,
}
SOURCE = "sms-keyword"
DEFAULT_PURPOSE = "marketing"
MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS, LONGEST_RETRY_SECONDS = 15, 600
BATCH = 200


def keyword_of(body: str) -> str:
    """The keyword a text is (``stop``, ``start``, ``help``), or "" when it is none.

    >>> keyword_of("  Stop "), keyword_of("stop please"), keyword_of("unstop")
    ('stop', '', 'start')
    """
    return KEYWORDS.get(body.strip().upper(), SmsKeyword.NONE)


def _number(errors: dict, field: str, value) -> str:
    text = check_text(errors, field, value, 40, required=True)
    if field in errors:
        return ""
    number = normalise("phone", text)
    if not number:
        errors[field] = "must be a phone number (E.164, e.g. +15550100199)"
    return number


def stopped(workspace: Workspace, number: str) -> bool:
    """Whether ``number`` (as written or stored) texted STOP and not START since."""
    return SuppressedNumber.objects.filter(
        workspace=workspace, number=normalise("phone", number or "")
    ).exists()


def _queue(workspace, *, key, to, text, contact_id=None, purpose="", reason="") -> SmsMessage:
    """One outgoing text per key (a second call returns the first); skipped when
    ``reason`` says why it may not go."""
    try:
        with transaction.atomic():
            return SmsMessage.objects.create(
                workspace=workspace,
                key=key,
                to_number=to,
                text=text,
                contact_id=contact_id,
                purpose=purpose,
                status=MessageStatus.SKIPPED if reason else MessageStatus.QUEUED,
                reason=reason,
                created_at=clock.now(),
            )
    except IntegrityError:
        return SmsMessage.objects.get(workspace=workspace, key=key)


def _why_not(workspace: Workspace, number: str, contact_id: int | None, purpose: str) -> str:
    """Why a text for ``purpose`` may not go to ``number`` ("" when it may)."""
    if stopped(workspace, number):
        return "the number texted STOP"
    if contact_id is None:
        return f"no contact, so no SMS consent for {purpose}"
    if contact_id not in people.granted(workspace, "sms", purpose, [contact_id]):
        return f"no SMS consent for {purpose}"
    return ""


def send_sms(
    workspace: Workspace, *, contact_id: int, text: str, key: str, purpose: str = DEFAULT_PURPOSE
) -> SmsMessage:
    """Queue a text for ``purpose`` to the contact's phone, once per ``key``: skipped (the
    reason recorded) when the number texted STOP or the contact has no SMS consent for
    the purpose. The delivery loop checks both again when it sends."""
    errors: dict[str, str] = {}
    text = check_text(errors, "text", text, 1600, required=True, strip=False)
    key = check_text(errors, "key", key, 150, required=True)
    purpose = check_text(errors, "purpose", purpose, 60, required=True)
    is_id = isinstance(contact_id, int) and not isinstance(contact_id, bool)
    contact = people.contact(workspace, contact_id) if is_id and 0 < contact_id < 2**63 else None
    number = normalise("phone", contact.phone) if contact is not None and contact.phone else ""
    if contact is None:
        errors["contact_id"] = "no such contact in this workspace"
    elif not number:
        errors["contact_id"] = "the contact has no phone number"
    if errors:
        raise ValidationFailed(errors)
    reason = _why_not(workspace, number, contact.pk, purpose)
    return _queue(
        workspace,
        key=f"send:{key}",
        to=number,
        text=text,
        contact_id=contact.pk,
        purpose=purpose,
        reason=reason,
    )


def _withdraw(workspace, contact_id: int, wording: str, at) -> list[str]:
    """Withdraw every granted SMS purpose of the contact, and marketing; returns them."""
    decisions = people.current_consent(workspace, contact_id)
    purposes = {p for (channel, p), granted in decisions.items() if channel == "sms" and granted}
    if decisions.get(("sms", DEFAULT_PURPOSE)) is not False:
        purposes.add(DEFAULT_PURPOSE)
    for purpose in sorted(purposes):
        consent_actions.record_consent(
            workspace, contact_id, "sms", purpose, False, SOURCE, wording, at
        )
    return sorted(purposes)


def _regrant(workspace, contact_id: int, number: str, wording: str, at) -> list[str]:
    """Grant again what the number's last STOP withdrew (marketing if it never stopped)."""
    last_stop = (
        InboundSms.objects.filter(workspace=workspace, from_number=number, keyword="stop")
        .order_by("-id")
        .first()
    )
    purposes = (last_stop.purposes if last_stop else []) or [DEFAULT_PURPOSE]
    for purpose in purposes:
        consent_actions.record_consent(
            workspace, contact_id, "sms", purpose, True, SOURCE, wording, at
        )
    return purposes


def _apply(workspace, inbound: InboundSms, rules) -> tuple[str, str]:
    """Do what the keyword says; returns (outcome, reply text or "")."""
    number, contact_id, at = inbound.from_number, inbound.contact_id, inbound.received_at
    wording = f'Texted "{inbound.body.strip()[:40]}" from {number} to {inbound.to_number}'
    who = f"contact {contact_id}" if contact_id else "no contact has this number"
    if inbound.keyword == SmsKeyword.STOP:
        SuppressedNumber.objects.get_or_create(
            workspace=workspace,
            number=number,
            defaults={"detail": wording[:300], "created_at": at},
        )
        if contact_id:
            inbound.purposes = _withdraw(workspace, contact_id, wording, at)
        withdrawn = ", ".join(inbound.purposes) or "none"
        return f"stopped: number suppressed; {who}; SMS consent withdrawn: {withdrawn}", (
            rules.sms_stop_text
        )
    if inbound.keyword == SmsKeyword.START:
        SuppressedNumber.objects.filter(workspace=workspace, number=number).delete()
        if contact_id:
            inbound.purposes = _regrant(workspace, contact_id, number, wording, at)
        granted = ", ".join(inbound.purposes) or "none"
        return f"started: suppression lifted; {who}; SMS consent granted: {granted}", (
            rules.sms_start_text
        )
    if inbound.keyword == SmsKeyword.HELP:
        return f"help text sent; {who}", rules.sms_help_text
    return f"no keyword; nothing done; {who}", ""


def receive_sms(
    workspace: Workspace, *, provider_id, from_number, to_number, body
) -> tuple[InboundSms, bool]:
    """Handle an inbound text once per ``provider_id``; returns it and whether it is new
    (a text received before is returned as it was, nothing done again). A refusal names
    the field and writes nothing."""
    errors: dict[str, str] = {}
    provider_id = check_text(errors, "provider_id", provider_id, 200, required=True)
    sender = _number(errors, "from", from_number)
    receiver = _number(errors, "to", to_number)
    body = check_text(errors, "body", body, 1600, strip=False)
    if errors:
        raise ValidationFailed(errors)
    before = InboundSms.objects.filter(workspace=workspace, provider_id=provider_id).first()
    if before is not None:
        return before, False
    try:
        with transaction.atomic():
            inbound = InboundSms.objects.create(
                workspace=workspace,
                provider_id=provider_id,
                from_number=sender,
                to_number=receiver,
                body=body,
                keyword=keyword_of(body),
                contact_id=people.contact_by_phone(workspace, sender),
                received_at=clock.now(),
            )
            outcome, reply = _apply(workspace, inbound, settings_of(workspace))
            inbound.outcome = outcome[:300]
            inbound.save(update_fields=["outcome", "purposes"])
            if reply:
                _queue(
                    workspace,
                    key=f"reply:{inbound.pk}",
                    to=sender,
                    text=reply,
                    contact_id=inbound.contact_id,
                )
                transaction.on_commit(_deliver_now)
    except IntegrityError:  # the same id, received at the same moment by another worker
        return InboundSms.objects.get(workspace=workspace, provider_id=provider_id), False
    return inbound, True


def reply_status(inbound: InboundSms) -> str | None:
    """The status of the reply to an inbound text (queued, sent, ...), None if none."""
    return (
        SmsMessage.objects.filter(workspace_id=inbound.workspace_id, key=f"reply:{inbound.pk}")
        .values_list("status", flat=True)
        .first()
    )


def _claim(limit: int) -> list[SmsMessage]:
    now = clock.now()
    with transaction.atomic():
        due = SmsMessage.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            Q(due_at__isnull=True) | Q(due_at__lte=now),
            status=MessageStatus.QUEUED,
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked = list(due.order_by("id").values_list("pk", flat=True)[:limit])
        lease = timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)
        SmsMessage.objects.filter(pk__in=picked).update(claimed_until=now + lease)
    return list(SmsMessage.objects.filter(pk__in=picked).select_related("workspace"))


def _defer(text: SmsMessage, until) -> None:
    """Quiet hours: back to the queue, due when they end."""
    SmsMessage.objects.filter(pk=text.pk, status=MessageStatus.QUEUED).update(
        due_at=until,
        claimed_until=None,
        reason=f"deferred by quiet hours until {until:%Y-%m-%d %H:%M} UTC",
    )


def _over_cap(text: SmsMessage, rules) -> str:
    """Why a broadcast's text would pass the frequency cap ("" when it would not): the
    contact's broadcast texts sent in the last ``cap_days`` days (texts are counted
    apart from emails). Called with the contact's ``CapLock`` row locked."""
    since = clock.now() - timedelta(days=rules.cap_days)
    recent = SmsMessage.objects.filter(
        workspace_id=text.workspace_id,
        contact_id=text.contact_id,
        broadcast__isnull=False,
        status=MessageStatus.SENT,
        sent_at__gt=since,
    ).count()
    if recent >= rules.cap_count:
        return f"frequency cap: {rules.cap_count} texts in {rules.cap_days} days reached"
    return ""


def _count_attempt(text: SmsMessage) -> bool:
    """Count the attempt about to be made: only a text that is about to reach the
    provider uses one up (a claim killed before that uses none). False, the text
    failed, when its attempts are used up (the last one's outcome lost to a kill)."""
    if text.attempts >= MAX_ATTEMPTS:
        _finish(text, MessageStatus.FAILED, f"gave up after {text.attempts} attempts")
        return False
    SmsMessage.objects.filter(pk=text.pk).update(attempts=F("attempts") + 1)
    text.attempts += 1
    return True


def _backoff(attempts: int) -> int:
    """Seconds a text waits after its ``attempts``-th try failed without the provider
    saying how long (a 5xx, no answer): 15 s, 1 min, 4 min, then 10 min, so that a
    provider's outage of a few minutes does not use up its attempts."""
    return min(FIRST_RETRY_SECONDS * 4 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS)


def _hand_over(text: SmsMessage, *, counted: bool = False) -> bool:
    """Give the text to the provider, its attempt counted first (``counted``: already);
    marked sent only once the provider took it."""
    if not counted and not _count_attempt(text):
        return False
    try:
        gateway = sms_providers.provider_for(text.workspace)
        body = text.text
        if text.broadcast_id is not None:  # its links tracked; a keyword's reply as written
            body = sms_links.rewritten(body, text.workspace_id, text.pk)
        sid = gateway.send(text.to_number, body, f"pacer-sms-{text.pk}")
    except SmsRejected as error:  # refused for good (a 4xx): the provider's reason
        log.warning("SMS %s refused: %s", text.pk, error)
        _finish(text, MessageStatus.FAILED, str(error))
        return False
    except OSError as error:  # SmsError (SmsRetry: 429, 5xx), or the outbox folder failing
        log.warning("SMS %s not taken: %s", text.pk, error)
        if text.attempts >= MAX_ATTEMPTS:
            _finish(text, MessageStatus.FAILED, f"gave up after {text.attempts}: {error}")
        else:
            wait = getattr(error, "retry_after", 0) or _backoff(text.attempts)
            again = clock.now() + timedelta(seconds=wait)
            SmsMessage.objects.filter(pk=text.pk).update(claimed_until=again, reason=str(error))
        return False
    faults.point("messaging.sms.taken")  # the provider has it; not marked sent
    _finish(text, MessageStatus.SENT, provider_id=sid or "")
    return True


def _send_capped(text: SmsMessage, rules) -> bool:
    """Send a broadcast's text within the frequency cap, the contact's ``CapLock`` row
    locked while their recent texts are counted and this one handed over and marked (as
    email does: a second worker texting the same contact waits, then counts this one).
    The attempt is counted before the lock is taken, so that it stays counted if the
    process dies holding it (the lock's transaction rolled back); a text the cap skips
    gets it back."""
    if not _count_attempt(text):
        return False
    with transaction.atomic():
        key = {"workspace_id": text.workspace_id, "contact_id": text.contact_id}
        CapLock.objects.bulk_create([CapLock(**key)], ignore_conflicts=True)
        CapLock.objects.select_for_update().get(**key)
        reason = _over_cap(text, rules)
        if reason:
            _finish(text, MessageStatus.SKIPPED, reason)
            SmsMessage.objects.filter(pk=text.pk).update(attempts=F("attempts") - 1)
            return False
        return _hand_over(text, counted=True)


def _finish(text: SmsMessage, status: str, reason: str = "", provider_id: str = "") -> None:
    SmsMessage.objects.filter(pk=text.pk, status=MessageStatus.QUEUED).update(
        status=status,
        reason=reason[:300],
        claimed_until=None,
        sent_at=clock.now() if status == MessageStatus.SENT else None,
        provider_id=provider_id[:64],
    )
    if provider_id:  # a status callback may have come before the id was saved
        workspace_id, sid = text.workspace_id, provider_id[:64]
        transaction.on_commit(lambda: sms_status.apply_pending(workspace_id, sid), robust=True)


def _deliver_now() -> None:
    """Send a keyword's reply as soon as it is committed; the loop retries what fails."""
    try:
        deliver_sms()
    except OSError:
        log.exception("could not send SMS replies now; the messaging-sms loop will")


def deliver_sms(limit: int = BATCH) -> int:
    """Hand due texts to the provider (the ``messaging-sms`` loop); returns how many it
    took. A text for a purpose whose number stopped, or whose consent was withdrawn,
    after it was queued is skipped; one due in the recipient's quiet hours waits for
    their end; a broadcast's text past the frequency cap is skipped; a refused one is
    retried, then failed."""
    sent, rules_of = 0, {}
    for text in sorted(_claim(limit), key=lambda t: t.pk):
        if text.workspace_id not in rules_of:  # the sending rules, read once per batch
            rules_of[text.workspace_id] = settings_of(text.workspace)
        rules = rules_of[text.workspace_id]
        if text.purpose:
            reason = _why_not(text.workspace, text.to_number, text.contact_id, text.purpose)
            if reason:
                _finish(text, MessageStatus.SKIPPED, f"{reason} (at send time)")
                continue
            zone = text.time_zone or rules.time_zone
            until = quiet_until(clock.now(), zone, rules.quiet_start, rules.quiet_end)
            if until is not None:
                _defer(text, until)
                continue
        faults.point("messaging.sms.sending")  # claimed; the attempt not counted, not handed over
        if text.broadcast_id is not None and text.contact_id is not None and rules.cap_count:
            sent += _send_capped(text, rules)
            continue
        sent += _hand_over(text)
    SmsBroadcast.objects.filter(status=BroadcastStatus.QUEUED).exclude(
        texts__status=MessageStatus.QUEUED
    ).update(status=BroadcastStatus.SENT)
    return sent
