"""Comments on cards and the notifications their @mentions make.

A comment that mentions ``@username`` notifies that person when they are a member of the
card's workspace and not the comment's author. A member is notified at most once per
comment (the unique key ``work_mention_once`` on comment and user, so a rerun or a race
adds nothing): editing a comment notifies only the members it newly mentions; one whose
mention was removed and put back is not notified again. Notifications are in-app (the
"Mentions" page and the count beside it in the navigation) and, unless the member turned
them off, an email each (``pacer.work.mention_email``: queued in the staff outbox with the
notification, sent by the ``staff-email`` loop).
"""

import re
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text, row_id
from pacer.core.models import Workspace
from pacer.core.permissions import grants
from pacer.core.roles import Role
from pacer.work import checks, mention_email
from pacer.work.models import Card, Comment, Notification

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.+-]*[A-Za-z0-9_+-])")
MAX_BODY = 5_000
MAX_MENTIONS = 50  # names read from one comment; more are ignored


def mentioned_names(body: str) -> list[str]:
    """The user names ``body`` mentions (``@name``; a trailing full stop is not part of the
    name), lower-cased, each once, in order."""
    names = []
    for found in MENTION.findall(body):
        name = found.lower()
        if name not in names:
            names.append(name)
    return names[:MAX_MENTIONS]


def _mentioned_members(comment: Comment, workspace: Workspace) -> list[User]:
    names = mentioned_names(comment.body)
    if not names:
        return []
    by_name = Q()
    for name in names:
        by_name |= Q(username__iexact=name)
    return list(  # the workspace's own staff only: a partner's login is never told
        User.objects.filter(
            by_name,
            memberships__workspace=workspace,
            memberships__role__in=grants()["work.edit"],
        )
        .exclude(pk=comment.author_id)
        .distinct()
        .order_by("pk")
    )


def _notify(comment: Comment, card: Card, now: datetime) -> list[User]:
    """Notify the members the comment mentions who have no notification for it yet (in
    the app, and by email to those who want it); answers them."""
    members = _mentioned_members(comment, card.workspace)
    done = set(
        Notification.objects.filter(comment=comment, user__in=members).values_list(
            "user_id", flat=True
        )
    )
    fresh = [member for member in members if member.pk not in done]
    Notification.objects.bulk_create(
        [
            Notification(
                workspace=card.workspace, user=member, card=card, comment=comment, created_at=now
            )
            for member in fresh
        ],
        ignore_conflicts=True,  # the unique key: a racing writer's row stands
    )
    mention_email.queue(comment, card, fresh)
    return fresh


def _body(body) -> str:
    errors: dict[str, str] = {}
    body = check_text(errors, "body", body, MAX_BODY, required=True)
    if errors:
        raise ValidationFailed(errors)
    return body


@transaction.atomic
def add_comment(card: Card, body, *, now: datetime, actor=None) -> Comment:
    """A comment on ``card``; each member it @mentions (not its author) is notified."""
    body = _body(body)
    card = checks.writable(card)
    comment = Comment.objects.create(
        card=card, author=checks.acting_user(actor), body=body, created_at=now
    )
    _notify(comment, card, now)
    return comment


@transaction.atomic
def edit_comment(comment: Comment, body, *, now: datetime, actor=None) -> Comment:
    """Change a comment's text (only its author may); the members it now mentions and
    had not been notified of it are notified."""
    body = _body(body)
    checks.writable(comment.card)
    comment = (
        Comment.objects.select_for_update(of=("self",)).select_related("card").get(pk=comment.pk)
    )
    if comment.author_id is None or comment.author_id != getattr(
        checks.acting_user(actor), "pk", None
    ):
        raise ValidationFailed({"comment": "only its author can edit a comment"})
    if body == comment.body:
        return comment
    before = {"body": comment.body}
    comment.body, comment.edited_at = body, now
    comment.save(update_fields=["body", "edited_at"])
    fresh = _notify(comment, comment.card, now)
    audit.record(
        comment.card.workspace,
        "card.comment_edit",
        comment.card,
        actor=actor,
        before=before,
        after={"body": body, "notified": [u.get_username() for u in fresh]},
    )
    return comment


@transaction.atomic
def delete_comment(comment: Comment, *, actor, role: str | None) -> None:
    """Delete a comment (its author, or an admin of the workspace: ``role``), with the
    mention notifications it made; audited as ``card.comment_delete`` with its text.
    Anyone else is refused at ``comment``, nothing deleted; so is a comment on an archived
    card."""
    card = checks.writable(comment.card)
    user = checks.acting_user(actor)
    is_author = user is not None and comment.author_id == user.pk
    if not is_author and role != Role.ADMIN:
        raise ValidationFailed({"comment": "only its author or an admin can delete a comment"})
    before = {
        "author": comment.author.get_username() if comment.author else None,
        "body": comment.body,
    }
    comment.delete()
    audit.record(card.workspace, "card.comment_delete", card, actor=actor, before=before)


def mark_read(workspace: Workspace, user: User, *, now: datetime, ids=None) -> int:
    """Mark the user's unread notifications read (only those in ``ids`` when given);
    answers how many changed. Ids that are not theirs are ignored."""
    found = Notification.objects.filter(workspace=workspace, user=user, read_at__isnull=True)
    if ids is not None:
        numbers = [row_id(i) for i in ids]
        if None in numbers:
            raise ValidationFailed({"ids": "must be notification ids"})
        found = found.filter(pk__in=numbers)
    return found.update(read_at=now)
