"""Follow-up: a new lead is assigned and answered at once (an auto-reply to the person);
the owner's first response stops the clock (its timers fire in ``pacer.leads.timers``).

Email to staff (reminders, escalations) is queued on the staff email outbox
(``pacer.core.outbox``, ADR 0010) in the same transaction, keyed by the notice, and sent
by the ``staff-email`` loop. Email to the lead's contact (the auto-reply, a reply) and SMS
stay with this domain's ``lead-notices`` sender: it claims the notice first; a crash
between claim and hand-over to SMTP leaves it claimed and unsent (shown, never sent
twice).
"""

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import IntegrityError, transaction

from pacer.core import audit, clock, faults
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.worker import wake
from pacer.leads import sms, todo, touches
from pacer.leads.auto_reply import text_auto_reply
from pacer.leads.models import (
    Activity,
    ActivityKind,
    CallOutcome,
    FollowUpTask,
    Lead,
    Notice,
    Timer,
)
from pacer.leads.routing import Router, assign
from pacer.leads.stages import open_stages
from pacer.people.selectors import contact

log = logging.getLogger(__name__)
RESPONSES = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.SMS, ActivityKind.MEETING)
HISTORIC = timedelta(days=1)
NOTICES_PER_RUN = 200
CLAIM_CHUNK = 25
MAX_CALL_NOTE = 400  # with the outcome's words, within an activity's 500 characters
SMTP_SENDERS = 4  # SMTP sessions sending side by side


def start(leads: list[Lead], now: datetime, *, people: dict) -> None:
    """New leads of one workspace: assign them and queue their owners' tasks and the
    auto-replies (inside the caller's transaction). ``people``: the leads' contacts by id.

    A lead older than ``HISTORIC`` when it arrives (a backfill, an import) is assigned
    without deadlines and gets no auto-reply: answering it now would not be an answer.
    The tasks and notices are written in one statement each, skipping any made before
    (once per lead and key, as ``queue_notice`` and ``todo.first_response_task``). A
    person who gave a phone number but no email address gets the auto-reply as a text
    through the messaging domain's SMS (``pacer.messaging.sms.send_sms``, once per lead),
    under the ``service`` purpose when they asked for it (``auto_reply``); unless
    the number texted STOP, else recorded there as skipped with the reason.
    """
    if not leads:
        return
    router = Router(leads[0].workspace, now)
    tasks, notices, by_text = [], [], []
    for lead in leads:
        live = lead.created_at >= now - HISTORIC
        assign(
            lead,
            now,
            deadlines=live,
            since=lead.created_at,
            router=router,
            waiting=0 if live else None,
        )
        if not live:
            continue
        task = todo.first_response_row(lead, now)
        if task is not None:
            tasks.append(task)
        person = people.get(lead.contact_id)
        if person is not None and person.email:
            notices.append(
                Notice(
                    workspace_id=lead.workspace_id,
                    lead=lead,
                    key="auto-reply",
                    to_email=person.email,
                    subject="Thanks, we have your request",
                    body=f"Hi {person.first_name or 'there'},\n\nThank you for getting in "
                    "touch. Someone from our team will contact you shortly.\n",
                    created_at=clock.now(),
                )
            )
        elif person is not None and person.phone:
            by_text.append(lead)
    FollowUpTask.objects.bulk_create(tasks, ignore_conflicts=True)
    for lead in by_text:
        text_auto_reply(lead)
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    if notices:
        transaction.on_commit(lambda: wake("lead-notices"))


@transaction.atomic
def log_activity(
    workspace: Workspace,
    lead_id: int,
    kind: str,
    *,
    at: datetime,
    actor=None,
    outcome: str = "",
    next_step: str = "",
) -> Activity:
    """Record what the owner did; the first call, email, SMS or meeting is the lead's
    first response and cancels its pending timers; each one to an open lead sets when
    its next touch is due (``touches.touched``)."""
    errors = {}
    if kind not in ActivityKind.values:
        errors["kind"] = f"must be one of {', '.join(ActivityKind.values)}"
    for field, value in (("outcome", outcome), ("next_step", next_step)):
        if len(value) > 500:
            errors[field] = "must be at most 500 characters"
    lead = Lead.objects.select_for_update().filter(workspace=workspace, pk=lead_id).first()
    if lead is None:
        errors["lead_id"] = "no such lead in this workspace"
    if errors:
        raise ValidationFailed(errors)
    activity = Activity.objects.create(
        workspace=workspace,
        lead=lead,
        kind=kind,
        outcome=outcome.strip(),
        next_step=next_step.strip(),
        at=at,
        actor=actor,
    )
    if kind in RESPONSES and lead.first_response_at is None:
        lead.first_response_at = at
        lead.save(update_fields=["first_response_at"])
        stop_timers(lead, at, why=f"answered: {kind}", actor=actor)
    if kind in RESPONSES and lead.stage in open_stages(workspace):
        touches.touched(lead, at, actor=actor)
    return activity


def log_call(
    workspace: Workspace, lead_id: int, outcome: str, note: str = "", *, at: datetime, actor=None
) -> Activity:
    """A call and how it went (``CallOutcome``: reached, a voicemail, no answer) with an
    optional note, logged as a call activity with its outcome in words ("Left a
    voicemail: back at 4"); refused with each bad field named, nothing written."""
    note = note.strip()
    errors = {}
    if outcome not in CallOutcome.values:
        errors["outcome"] = "choose how the call went: " + ", ".join(
            label.lower() for label in CallOutcome.labels
        )
    if len(note) > MAX_CALL_NOTE:
        errors["note"] = f"must be at most {MAX_CALL_NOTE} characters"
    elif "\x00" in note:
        errors["note"] = "must not contain NUL characters"
    if errors:
        raise ValidationFailed(errors)
    words = CallOutcome(outcome).label
    return log_activity(
        workspace,
        lead_id,
        ActivityKind.CALL,
        at=at,
        actor=actor,
        outcome=f"{words}: {note}" if note else words,
    )


def stop_timers(lead: Lead, at: datetime, *, why: str, actor=None) -> int:
    """The lead needs no first response any more (answered, won or lost): cancel its
    pending reminders, escalation steps and re-assignment, close its first-response task,
    and audit what was cancelled and why (when anything was). Inside the caller's
    transaction, with the lead locked (as ``_fire`` locks it). Returns how many timers
    were cancelled."""
    pending = Timer.objects.filter(lead=lead, fired_at__isnull=True, cancelled_at__isnull=True)
    cancelled = sorted(f"{kind}:{step}" for kind, step in pending.values_list("kind", "step"))
    pending.update(cancelled_at=at)
    todo.first_response_done(lead, at, actor)
    if cancelled:
        audit.record(
            lead.workspace,
            "leads.timers.stop",
            lead,
            actor=actor,
            after={"why": why, "round": lead.assignment_round, "cancelled": cancelled},
        )
    return len(cancelled)


def mark_notices_read(workspace: Workspace, user, *, lead_id: int | None = None) -> int:
    """Mark the member's unread notices read (of one lead, or all); returns how many."""
    found = Notice.objects.filter(workspace=workspace, to_user=user, read_at__isnull=True)
    if lead_id is not None:
        found = found.filter(lead_id=lead_id)
    return found.update(read_at=clock.now())


def send_notices() -> int:
    """Hand unsent notices (auto-replies and SMS; staff email goes by the outbox) to SMTP
    or the SMS provider, each at most once; returns how many were sent.

    Notices are claimed ``CLAIM_CHUNK`` at a time (one write, not one per notice: under
    load every SQLite commit waits for the disk and for the other writers) and each chunk
    is shared out over ``SMTP_SENDERS`` SMTP sessions sending side by side (one session
    for a backend that is not SMTP: a file or memory outbox gains nothing from it); each
    chunk's sent ones are marked in one write. A crash mid-chunk leaves its notices
    claimed without ``sent_at``: some may have been handed over, none is sent again.
    When a session cannot be opened nothing of its share was handed over, so its share is
    released for the next run; when a hand-over fails, that notice stays claimed and
    unsent (it may have gone) and the rest of its share is released. After a failure the
    run stops.
    """
    sent = 0
    connections = [get_connection()]
    if isinstance(connections[0], SmtpBackend):
        connections += [get_connection() for _ in range(SMTP_SENDERS - 1)]
    try:
        with ThreadPoolExecutor(len(connections), thread_name_prefix="lead-notices") as pool:
            while sent < NOTICES_PER_RUN:
                claimed = _claim(CLAIM_CHUNK)
                if not claimed:
                    break
                shares = [claimed[n :: len(connections)] for n in range(len(connections))]
                results = list(pool.map(_send_share, shares, connections))
                done = [pk for share_done, _ in results for pk in share_done]
                untried = [pk for _, share_untried in results for pk in share_untried]
                Notice.objects.filter(pk__in=untried).update(claimed_at=None)
                Notice.objects.filter(pk__in=done).update(sent_at=clock.now())
                sent += len(done)
                if any(len(d) < len(share) for share, (d, _) in zip(shares, results, strict=True)):
                    break  # SMTP failed: the next run tries again
    finally:
        for connection in connections:
            connection.close()
    return sent


def _send_share(share: list[Notice], connection) -> tuple[list[int], list[int]]:
    """Send ``share`` in order over ``connection`` (in a thread of its own; no database
    access here): the ids handed over, and those not tried after a failure."""
    emails = [notice for notice in share if not notice.to_phone]
    if emails:
        try:
            connection.open()
        except OSError as error:
            log.warning("no SMTP session for %s notices: %s", len(emails), error)
            return [], [notice.pk for notice in share]
    done = []
    for index, notice in enumerate(share):
        faults.point("leads.notice.sending")
        if _deliver(notice, connection):
            done.append(notice.pk)
        elif not notice.to_phone:  # SMTP failed: leave the rest untried
            return done, [n.pk for n in share[index + 1 :]]
    return done, []


def _claim(limit: int) -> list[Notice]:
    """Up to ``limit`` unclaimed notices, claimed for this sender in one write.

    On PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``: a second sender (another
    worker) claiming at the same moment takes the next unclaimed ones instead of waiting
    for this claim's rows and then finding them taken (it used to come back empty and
    sleep a poll interval while notices waited). SQLite runs one writer at a time."""
    with transaction.atomic():
        ids = list(
            Notice.objects.select_for_update(skip_locked=True)
            .filter(claimed_at__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        stamp = clock.now()
        Notice.objects.filter(pk__in=ids, claimed_at__isnull=True).update(claimed_at=stamp)
        faults.point("leads.notice.claimed")  # claimed, not yet committed
        # inside the transaction that wrote it: another sender's claim of the same rows
        # skipped them (PostgreSQL) or could not start (SQLite), so these are ours
        return list(Notice.objects.filter(pk__in=ids, claimed_at=stamp).order_by("id"))


def send_notice(notice: Notice) -> bool:
    """Claim one notice and hand it over now (a reply sent from the lead page): False
    when another sender claimed it first or the hand-over failed (then it stays claimed
    and unsent: shown, never sent twice)."""
    if not Notice.objects.filter(pk=notice.pk, claimed_at__isnull=True).update(
        claimed_at=clock.now()
    ):
        return False
    if not _deliver(notice):
        return False
    Notice.objects.filter(pk=notice.pk).update(sent_at=clock.now())
    return True


def _deliver(notice: Notice, connection=None) -> bool:
    """Hand one claimed notice to SMTP or the SMS provider; False when refused."""
    try:
        if notice.to_phone:
            sms.provider().send(notice.to_phone, notice.body[:480], f"lead-notice-{notice.pk}")
        elif notice.to_email:
            send_mail(
                notice.subject,
                notice.body,
                settings.DEFAULT_FROM_EMAIL,
                [notice.to_email],
                connection=connection,
            )
    except OSError as error:
        log.warning("notice %s not sent: %s", notice.pk, error)
        return False
    return True


REPLY_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,40}")


def send_reply(
    workspace: Workspace,
    lead_id: int,
    *,
    subject: str,
    body: str,
    token: str,
    at: datetime,
    actor=None,
) -> Notice:
    """Email the lead's contact from Pacer: logged as an email (the first response when it
    is the first), handed to SMTP right after commit. ``token`` (from the form) keys it:
    the same form sent twice sends one email and logs one activity."""
    errors = {}
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or len(subject) > 200:
        errors["subject"] = "must be 1-200 characters"
    if not body or len(body) > 20_000:
        errors["body"] = "must be 1-20000 characters"
    for field, value in (("subject", subject), ("body", body)):
        if field not in errors and "\x00" in value:
            errors[field] = "must not contain NUL characters"  # PostgreSQL cannot store it
    if not REPLY_TOKEN.fullmatch(token or ""):
        errors["token"] = "must be 8-40 letters, digits, - or _ (reload the page)"
    lead = Lead.objects.filter(workspace=workspace, pk=lead_id).first()
    person = contact(workspace, lead.contact_id) if lead else None
    if lead is None:
        errors["lead_id"] = "no such lead in this workspace"
    elif person is None or not person.email:
        errors["to"] = "the contact has no email address"
    if errors:
        raise ValidationFailed(errors)
    key = f"reply:{token}"
    with transaction.atomic():
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    workspace=workspace,
                    lead=lead,
                    key=key,
                    to_email=person.email,
                    subject=subject,
                    body=body + "\n",
                    created_at=at,
                )
        except IntegrityError:
            return Notice.objects.get(lead=lead, key=key)  # sent before: not again
        log_activity(
            workspace,
            lead.pk,
            ActivityKind.EMAIL,
            at=at,
            actor=actor,
            outcome=f"Sent from Pacer: {subject}"[:500],
        )
        transaction.on_commit(lambda: send_notice(notice))
    return notice
