"""Mention emails go through the staff outbox (``pacer.core.outbox``, ADR 0010): exactly
the mentions that notify queue an email (members only, never the author, once per comment
and member, an edit only the newly mentioned), in the comment's transaction (a rollback
queues nothing), under the key ``work.mention:<notification id>`` (queuing again adds
nothing), and the ``staff-email`` loop hands each to a real SMTP server (aiosmtpd) once;
a member can turn them off on the mentions page."""

import email

import pytest
from django.db import transaction
from django.test import Client

from pacer.core import actions as core
from pacer.core import outbox
from pacer.core.models import EmailStatus, OutboxEmail
from pacer.core.roles import Role
from pacer.work import actions, comments, mention_email
from pacer.work.models import Comment, Notification
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
LATER = NOW.replace(hour=11)


@pytest.fixture
def card(board):
    return actions.create_card(board, title="Spring email", now=NOW)


@pytest.fixture
def people(workspace, admin, bob):
    """bob and cy with addresses, dee without; olga is a member elsewhere; ada (the
    author) has an address too."""
    for user, address in ((admin, "ada@x.test"), (bob, "bob@x.test")):
        user.email = address
        user.save(update_fields=["email"])
    core.create_user(workspace, "cy", "correct-horse-3", Role.ANALYST, email="cy@x.test")
    core.create_user(workspace, "dee", "correct-horse-5", Role.ANALYST)
    core.create_user(workspace, "eve", "correct-horse-6", Role.ANALYST, email="eve@x.test")
    other = core.create_workspace("Other", slug="other")
    core.create_user(other, "olga", "correct-horse-4", Role.ADMIN, email="olga@x.test")


def _received(sink) -> list[tuple[list[str], str, str]]:
    """(recipients, subject, body) of each message the server took, in order."""
    found = []
    for recipients, content in sink.messages:
        message = email.message_from_string(content)
        found.append((recipients, message["Subject"], message.get_payload().replace("\r\n", "\n")))
    return found


def _queued() -> list[tuple[str, str, str, str]]:
    return list(
        OutboxEmail.objects.order_by("pk").values_list("key", "source", "to_email", "status")
    )


def test_each_member_notified_gets_one_email_and_an_edit_emails_only_the_new_ones(
    card, admin, people, smtp, settings
):
    body = "@bob and @BOB, @cy, @dee (no address), @ada (me), @olga (elsewhere), @nobody"
    comment = comments.add_comment(card, body, now=NOW, actor=admin)
    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [
        "bob",
        "cy",
        "dee",
    ]
    notified = dict(Notification.objects.values_list("user__username", "pk"))
    assert _queued() == [
        (f"work.mention:{notified['bob']}", "work.mention", "bob@x.test", EmailStatus.QUEUED),
        (f"work.mention:{notified['cy']}", "work.mention", "cy@x.test", EmailStatus.QUEUED),
    ]
    assert outbox.send_due() == 2
    assert outbox.send_due() == 0
    link = f"{settings.BASE_URL}/work/cards/{card.pk}/#comment-{comment.pk}"
    text = (
        f"ada mentioned you in a comment on the card 'Spring email':\n\n{body}\n\n"
        f"Open it: {link}\n\nYou get this email because mention emails are on; turn them "
        f"off on {settings.BASE_URL}/work/mentions/\n"
    )
    subject = "ada mentioned you on 'Spring email'"
    assert _received(smtp) == [(["bob@x.test"], subject, text), (["cy@x.test"], subject, text)]
    assert [status for *_, status in _queued()] == [EmailStatus.SENT, EmailStatus.SENT]

    comments.edit_comment(comment, "@bob @cy @eve look again", now=LATER, actor=admin)
    assert outbox.send_due() == 1
    assert [r for r, _, _ in _received(smtp)] == [["bob@x.test"], ["cy@x.test"], ["eve@x.test"]]
    assert "@bob @cy @eve look again" in _received(smtp)[2][2]


def test_queuing_a_comments_mentions_again_queues_and_sends_nothing_twice(
    card, admin, bob, people, smtp
):
    comment = comments.add_comment(card, "@bob @cy", now=NOW, actor=admin)
    members = [n.user for n in Notification.objects.filter(comment=comment).order_by("pk")]
    assert mention_email.queue(comment, card, members) == 0  # a rerun: the keys stand
    assert len(_queued()) == 2
    assert outbox.send_due() == 2
    assert mention_email.queue(comment, card, members) == 0  # also after they were sent
    assert outbox.send_due() == 0
    assert [r for r, _, _ in _received(smtp)] == [["bob@x.test"], ["cy@x.test"]]


def test_a_comment_rolled_back_queues_no_email(card, admin, people, smtp):
    with pytest.raises(RuntimeError), transaction.atomic():
        comments.add_comment(card, "@bob @cy", now=NOW, actor=admin)
        assert len(_queued()) == 2  # written with the comment ...
        raise RuntimeError("the request failed after the comment")
    assert (Comment.objects.count(), Notification.objects.count(), _queued()) == (0, 0, [])
    assert outbox.send_due() == 0 and smtp.messages == []  # ... and gone with it


def test_a_member_who_turns_mention_emails_off_is_notified_but_not_emailed(
    card, admin, bob, people, smtp
):
    as_bob = Client()
    as_bob.force_login(bob)
    page = as_bob.get("/work/mentions/").content.decode()
    assert 'name="email" value="on" checked' in page
    assert as_bob.post("/work/mentions/email/", {}).status_code == 302  # unticked: off
    assert 'name="email" value="on">' in as_bob.get("/work/mentions/").content.decode()
    assert not mention_email.wants_email(card.workspace, bob)

    comments.add_comment(card, "@bob @cy", now=NOW, actor=admin)
    assert Notification.objects.filter(user=bob).count() == 1  # still notified in the app
    assert [to for _, _, to, _ in _queued()] == ["cy@x.test"]
    assert outbox.send_due() == 1
    assert [r for r, _, _ in _received(smtp)] == [["cy@x.test"]]

    assert as_bob.post("/work/mentions/email/", {"email": "on"}).status_code == 302
    comments.add_comment(card, "@bob again", now=LATER, actor=admin)
    assert outbox.send_due() == 1
    assert [r for r, _, _ in _received(smtp)] == [["cy@x.test"], ["bob@x.test"]]
