"""The outbox for email to staff (alerts, notices, mentions; ADR 0010): a feature writes
the email with ``queue`` *inside its own transaction*, and the worker's ``staff-email``
loop (``send_due``) sends it after that transaction committed.

Guarantee: **at least once, with one duplicate at most per sender killed mid-send.** An
email exists exactly when the change it tells about committed (a rollback takes it
away), and once per workspace and ``key`` (queuing it again adds nothing). The loop
claims due emails ``CHUNK`` at a time with a lease (``claimed_until``, ``attempts`` + 1,
in one short transaction; ``SKIP LOCKED`` on PostgreSQL), hands each to the configured
email backend and marks it sent right after the server accepted it. A sender killed
after a hand-over and before its mark leaves that email claimed: after ``LEASE`` it is
claimed and sent again (the one duplicate); the rest of its chunk was never handed over.

A temporary failure (4xx, a refused connection, a timeout) puts the email back with
``due_at`` later by ``retry_after(attempts)``; on the ``MAX_ATTEMPTS``-th claim, or when
the server answers 5xx, it is ``failed`` with the reason (the staff email page lists
them, and an admin may queue one again with ``retry``). A crash never fails an email:
a claim that lapsed is simply taken again.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q

from pacer.core import audit, clock, faults
from pacer.core.errors import ValidationFailed
from pacer.core.models import EmailStatus, OutboxEmail, Workspace
from pacer.core.worker import wake

log = logging.getLogger(__name__)
LOOP = "staff-email"
CHUNK = 20
PER_RUN = 200
LEASE = timedelta(minutes=10)  # a chunk takes far less (SMTP timeout 10 s per email)
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


def queue(workspace: Workspace, *, key: str, to: str, subject: str, body: str, source: str) -> bool:
    """Write an email to send after the caller's transaction commits; whether it is new
    (``False``: the workspace already has an email with this ``key``). ``key`` and
    ``source`` must be non-empty. An address that is not one does not stop the caller:
    the email is written ``failed`` with the reason, for the staff email page."""
    errors = {}
    if not key or len(key) > 200:
        errors["key"] = "must be 1 to 200 characters"
    if not source or len(source) > 60:
        errors["source"] = "must be 1 to 60 characters"
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    try:
        validate_email(to)
        bad_address = ""
    except ValidationError:
        bad_address = f"'{to}' is not an email address"[:500]
    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's work
            OutboxEmail.objects.create(
                workspace=workspace,
                key=key,
                source=source,
                to_email=to[:254],
                subject=" ".join(subject.split())[:255],
                body=body,
                created_at=now,
                due_at=now,
                status=EmailStatus.FAILED if bad_address else EmailStatus.QUEUED,
                failed_at=now if bad_address else None,
                last_error=bad_address,
            )
    except IntegrityError:
        return False
    if not bad_address:
        transaction.on_commit(lambda: wake(LOOP))
    return True


def retry_after(attempts: int) -> timedelta:
    """How long an email waits after a temporary failure on its ``attempts``-th claim:
    1, 4, 16, 64 minutes ..., at most ``LONGEST_WAIT``."""
    return min(FIRST_RETRY * 4 ** max(attempts - 1, 0), LONGEST_WAIT)


def send_due() -> int:
    """Send the due emails (the worker's ``staff-email`` loop); answers how many were
    accepted by the server. See the module docstring."""
    sent = 0
    backend = get_connection()
    try:
        while sent < PER_RUN:
            claimed = _claim(CHUNK)
            if not claimed:
                break
            faults.point("core.outbox.claimed")  # claim committed, nothing handed over
            try:
                backend.open()
            except OSError as error:
                _postpone(claimed, f"no connection to the mail server: {error}")
                break
            done, stopped = _send_chunk(claimed, backend)
            sent += done
            if stopped:
                break  # the session failed: the next run tries again
    finally:
        backend.close()
    return sent


def _claim(limit: int) -> list[OutboxEmail]:
    """Up to ``limit`` due emails nobody holds, claimed (leased) in one transaction."""
    now = clock.now()
    with transaction.atomic():
        due = OutboxEmail.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
            status=EmailStatus.QUEUED,
            due_at__lte=now,
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked = list(due.order_by("due_at", "id").values_list("pk", flat=True)[:limit])
        OutboxEmail.objects.filter(pk__in=picked).update(
            claimed_until=now + LEASE, attempts=F("attempts") + 1
        )
        # read in the transaction that wrote: a racing sender's claim waited (PostgreSQL,
        # the rows locked) or could not start (SQLite, IMMEDIATE), so these are ours
        return list(OutboxEmail.objects.filter(pk__in=picked).order_by("due_at", "id"))


def _send_chunk(claimed: list[OutboxEmail], backend) -> tuple[int, bool]:
    """Send a claimed chunk in order: (how many were accepted, whether the session
    failed). A refused email does not stop the others; a failed session postpones the
    rest of the chunk."""
    sent = 0
    for index, email in enumerate(claimed):
        faults.point("core.outbox.sending")
        message = EmailMessage(
            email.subject,
            email.body,
            settings.DEFAULT_FROM_EMAIL,
            [email.to_email],
            connection=backend,
            headers={"Auto-Submitted": "auto-generated"},
        )
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            _refused(email, code, reply)
            continue
        except smtplib.SMTPResponseException as error:
            _refused(email, error.smtp_code, error.smtp_error)
            continue
        except OSError as error:  # the session failed (smtplib's other errors included)
            _postpone(claimed[index:], f"the mail server session failed: {error}")
            return sent, True
        faults.point("core.outbox.handed_over")  # a kill here: this one goes twice
        OutboxEmail.objects.filter(pk=email.pk, status=EmailStatus.QUEUED).update(
            status=EmailStatus.SENT, sent_at=clock.now(), claimed_until=None, last_error=""
        )
        sent += 1
    return sent, False


def _reply(code: int, reply) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}"[:300]


def _refused(email: OutboxEmail, code: int, reply) -> None:
    """The server refused ``email``: 5xx fails it for good, anything else is temporary."""
    reason = f"the mail server refused it: {_reply(code, reply)}"
    log.warning("staff email %s: %s", email.pk, reason)
    if code >= 500:
        _fail(email.pk, reason)
    else:
        _postpone([email], reason)


def _postpone(emails: list[OutboxEmail], reason: str) -> None:
    """A temporary failure: try again after ``retry_after``, or give up on the last
    attempt."""
    now = clock.now()
    for email in emails:
        if email.attempts >= MAX_ATTEMPTS:
            _fail(email.pk, f"gave up after {email.attempts} attempts; the last: {reason}")
            continue
        OutboxEmail.objects.filter(pk=email.pk, status=EmailStatus.QUEUED).update(
            claimed_until=None, due_at=now + retry_after(email.attempts), last_error=reason[:500]
        )


def _fail(email_id: int, reason: str) -> None:
    OutboxEmail.objects.filter(pk=email_id, status=EmailStatus.QUEUED).update(
        status=EmailStatus.FAILED,
        failed_at=clock.now(),
        claimed_until=None,
        last_error=reason[:500],
    )


def emails(workspace: Workspace, status: str | None = None):
    """The workspace's staff emails (of one status), newest first."""
    found = OutboxEmail.objects.filter(workspace=workspace)
    return found.filter(status=status) if status else found


def counts(workspace: Workspace) -> dict[str, int]:
    """How many of the workspace's staff emails are in each status."""
    found = dict.fromkeys(EmailStatus.values, 0)
    for row in emails(workspace).values("status").order_by().annotate(n=Count("id")):
        found[row["status"]] = row["n"]
    return found


@transaction.atomic
def retry_failed(workspace: Workspace, *, actor=None) -> int:
    """Queue the workspace's failed emails again, due now with a fresh count of attempts
    (once the address or the mail server is fixed); answers how many."""
    failed = OutboxEmail.objects.select_for_update().filter(
        workspace=workspace, status=EmailStatus.FAILED
    )
    ids = list(failed.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    OutboxEmail.objects.filter(pk__in=ids).update(
        status=EmailStatus.QUEUED, attempts=0, due_at=clock.now(), failed_at=None
    )
    audit.record(
        workspace,
        "outbox.retry",
        workspace,
        actor=actor,
        after={"emails": ids[:100], "count": len(ids)},
    )
    transaction.on_commit(lambda: wake(LOOP))
    return len(ids)
