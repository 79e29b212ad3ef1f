"""The email a mention sends besides its in-app notification.

``queue`` writes one email per new notification into the staff outbox
(``pacer.core.outbox``, ADR 0010) in the comment's transaction, under the key
``work.mention:<notification id>`` — so exactly the mentions that notify (once per
comment and member, never the author, only members, an edit only the newly mentioned),
unless the member turned mention emails off (``set_email_preference``) or has no
address. The outbox's ``staff-email`` loop sends them after COMMIT, at least once, and
retries what the server does not take.
"""

from django.conf import settings
from django.urls import reverse

from pacer.core import outbox
from pacer.core.models import Workspace
from pacer.work.models import Card, Comment, MentionPreference, Notification

SOURCE = "work.mention"


def wants_email(workspace: Workspace, user) -> bool:
    """Whether the member gets an email when mentioned in ``workspace`` (default: yes)."""
    found = MentionPreference.objects.filter(workspace=workspace, user=user).first()
    return found is None or found.email


def set_email_preference(workspace: Workspace, user, email: bool) -> MentionPreference:
    """Turn the member's mention emails in ``workspace`` on or off (emails already
    queued are still sent)."""
    found, _ = MentionPreference.objects.update_or_create(
        workspace=workspace, user=user, defaults={"email": bool(email)}
    )
    return found


def key(notification_id: int) -> str:
    """The outbox key of a notification's email (unique per workspace)."""
    return f"{SOURCE}:{notification_id}"


def queue(comment: Comment, card: Card, members: list) -> int:
    """Queue the emails of the notifications just made for ``members`` in the staff
    outbox (inside the comment's transaction); answers how many were new. Once per
    notification (the outbox's key)."""
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
    return sum(
        outbox.queue(
            card.workspace,
            key=key(notification.pk),
            to=addressed[notification.user_id].email,
            subject=subject,
            body=body,
            source=SOURCE,
        )
        for notification in notifications
    )
