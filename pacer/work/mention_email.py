"""The email a mention sends besides its in-app notification, and the worker loop that
sends them (``work-mention-emails``).

``queue`` writes one ``MentionEmail`` per new notification, in the comment's transaction
(so exactly the mentions that notify: once per comment and member, never the author,
only members, an edit only the newly mentioned), unless the member turned mention emails
off (``set_email_preference``) or has no address.

Guarantee: **at least once, at most one email sent twice per crashed sender.** The loop
claims unsent emails ``CHUNK`` at a time (``claimed_at``, ``attempts`` + 1, in one
write), hands each to SMTP over one session and marks it sent at once, in its own write.
A sender killed between a hand-over and its mark leaves that one email (and the rest of
its chunk, not yet handed over) claimed and unsent: after ``LEASE`` another run takes them
again, so nothing is lost and only the one in flight can arrive twice. An address the
server refuses is released for a later run; a failed SMTP session releases the rest of
the chunk; an email claimed ``MAX_ATTEMPTS`` times without being sent is given up (left
unsent, its in-app notification stands).
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from pacer.core import clock, faults
from pacer.core.models import Workspace
from pacer.core.worker import wake
from pacer.work.models import Card, Comment, MentionEmail, MentionPreference, Notification

log = logging.getLogger(__name__)
LOOP = "work-mention-emails"
CHUNK = 25
PER_RUN = 200
LEASE = timedelta(minutes=15)  # far longer than a chunk takes (SMTP timeout 10 s each)
MAX_ATTEMPTS = 5


def wants_email(workspace: Workspace, user) -> bool:
    """Whether the member gets an email when mentioned in ``workspace`` (default: yes)."""
    found = MentionPreference.objects.filter(workspace=workspace, user=user).first()
    return found is None or found.email


def set_email_preference(workspace: Workspace, user, email: bool) -> MentionPreference:
    """Turn the member's mention emails in ``workspace`` on or off (emails already
    written are still sent)."""
    found, _ = MentionPreference.objects.update_or_create(
        workspace=workspace, user=user, defaults={"email": bool(email)}
    )
    return found


def queue(comment: Comment, card: Card, members: list, now: datetime) -> int:
    """Write the emails of the notifications just made for ``members`` (inside the
    comment's transaction); answers how many. Once per notification (its unique key)."""
    if not members:
        return 0
    muted = set(
        MentionPreference.objects.filter(
            workspace=card.workspace, user__in=members, email=False
        ).values_list("user_id", flat=True)
    )
    addressed = {m.pk: m for m in members if m.email and m.pk not in muted}
    notifications = Notification.objects.filter(comment=comment, user_id__in=addressed).order_by(
        "pk"
    )
    author = comment.author.get_username() if comment.author else "Someone"
    link = f"{settings.BASE_URL}{reverse('work-card', args=[card.pk])}#comment-{comment.pk}"
    turn_off = f"{settings.BASE_URL}{reverse('work-notifications')}"
    subject = f"{author} mentioned you on '{card.title}'"
    body = (
        f"{author} mentioned you in a comment on the card '{card.title}':\n\n"
        f"{comment.body}\n\nOpen it: {link}\n\n"
        f"You get this email because mention emails are on; turn them off on {turn_off}\n"
    )
    rows = [
        MentionEmail(
            workspace=card.workspace,
            notification=notification,
            to_email=addressed[notification.user_id].email,
            subject=subject[:200],
            body=body,
            created_at=now,
        )
        for notification in notifications
    ]
    MentionEmail.objects.bulk_create(rows, ignore_conflicts=True)  # once per notification
    if rows:
        transaction.on_commit(lambda: wake(LOOP))
    return len(rows)


def send_mention_emails() -> int:
    """Hand claimed mention emails to SMTP, each marked sent right after its hand-over;
    answers how many were sent (the worker's loop; see the module docstring)."""
    sent = 0
    connection = get_connection()
    try:
        while sent < PER_RUN:
            claimed = _claim(CHUNK)
            if not claimed:
                break
            try:
                connection.open()
            except OSError as error:
                log.warning("no SMTP session for %s mention emails: %s", len(claimed), error)
                _release(claimed)
                break
            done, stopped = _send_chunk(claimed, connection)
            sent += done
            if stopped:
                break  # the SMTP session failed: the next run tries again
    finally:
        connection.close()
    return sent


def _send_chunk(claimed: list[MentionEmail], connection) -> tuple[int, bool]:
    """Send a claimed chunk in order: (how many were sent, whether the session failed).
    An address the server refuses is released for a later attempt; a failed session
    releases the rest of the chunk."""
    sent = 0
    for index, email in enumerate(claimed):
        faults.point("work.mention_email.sending")
        try:
            send_mail(
                email.subject,
                email.body,
                settings.DEFAULT_FROM_EMAIL,
                [email.to_email],
                connection=connection,
            )
        except smtplib.SMTPResponseException as error:  # refused; the session goes on
            log.warning("mention email %s refused: %s", email.pk, error)
            _release([email])
            continue
        except OSError as error:  # the session failed (smtplib's other errors included)
            log.warning("mention email %s not sent: %s", email.pk, error)
            _release(claimed[index:])
            return sent, True
        faults.point("work.mention_email.handed_over")  # a kill here: this one goes twice
        MentionEmail.objects.filter(pk=email.pk).update(sent_at=clock.now())
        sent += 1
    return sent, False


def _claim(limit: int) -> list[MentionEmail]:
    """Up to ``limit`` unsent emails nobody holds (never claimed, released, or claimed
    longer than ``LEASE`` ago), claimed in one write."""
    now = clock.now()
    free = Q(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - LEASE)
    )
    with transaction.atomic():
        ids = list(
            MentionEmail.objects.filter(free).order_by("id").values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        MentionEmail.objects.filter(free, pk__in=ids).update(
            claimed_at=now, attempts=F("attempts") + 1
        )
        # read inside the transaction that wrote: a racing sender's claim of the same rows
        # waited (PostgreSQL) or could not start (SQLite), so these are ours
        return list(MentionEmail.objects.filter(pk__in=ids, claimed_at=now).order_by("id"))


def _release(emails: list[MentionEmail]) -> None:
    """Give emails not handed over back for the next run."""
    MentionEmail.objects.filter(pk__in=[e.pk for e in emails], sent_at__isnull=True).update(
        claimed_at=None
    )
