"""Mention emails: exactly the mentions that notify send an email (members only, never the
author, once per comment and member, an edit only the newly mentioned), through a real
SMTP server (aiosmtpd); a member can turn them off on the mentions page; a server that
is down or refuses an address loses nothing and retries a bounded number of times."""

import email
from datetime import timedelta

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.roles import Role
from pacer.work import actions, comments, mention_email
from pacer.work.mention_email import MAX_ATTEMPTS, send_mention_emails
from pacer.work.models import MentionEmail, Notification
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
LATER = NOW.replace(hour=11)
SECOND = timedelta(seconds=1)


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
    assert send_mention_emails() == 2
    assert send_mention_emails() == 0
    link = f"{settings.BASE_URL}/work/cards/{card.pk}/#comment-{comment.pk}"
    text = (
        f"ada mentioned you in a comment on the card 'Spring email':\n\n{body}\n\n"
        f"Open it: {link}\n\nYou get this email because mention emails are on; turn them "
        f"off on {settings.BASE_URL}/work/mentions/\n"
    )
    subject = "ada mentioned you on 'Spring email'"
    assert _received(smtp) == [(["bob@x.test"], subject, text), (["cy@x.test"], subject, text)]
    assert MentionEmail.objects.filter(sent_at__isnull=True).count() == 0
    assert sorted(MentionEmail.objects.values_list("to_email", "attempts")) == [
        ("bob@x.test", 1),
        ("cy@x.test", 1),
    ]

    comments.edit_comment(comment, "@bob @cy @eve look again", now=LATER, actor=admin)
    assert send_mention_emails() == 1
    assert [r for r, _, _ in _received(smtp)] == [["bob@x.test"], ["cy@x.test"], ["eve@x.test"]]
    assert "@bob @cy @eve look again" in _received(smtp)[2][2]


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
    assert list(MentionEmail.objects.values_list("to_email", flat=True)) == ["cy@x.test"]
    assert send_mention_emails() == 1
    assert [r for r, _, _ in _received(smtp)] == [["cy@x.test"]]

    assert as_bob.post("/work/mentions/email/", {"email": "on"}).status_code == 302
    comments.add_comment(card, "@bob again", now=LATER, actor=admin)
    assert send_mention_emails() == 1
    assert [r for r, _, _ in _received(smtp)] == [["cy@x.test"], ["bob@x.test"]]


def test_a_server_that_is_down_gets_everything_on_the_next_run(card, admin, people, smtp, settings):
    comments.add_comment(card, "@bob @cy", now=NOW, actor=admin)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there
    assert send_mention_emails() == 0
    assert list(MentionEmail.objects.values_list("claimed_at", "sent_at", "attempts")) == [
        (None, None, 1),
        (None, None, 1),
    ]
    settings.EMAIL_PORT = port
    assert send_mention_emails() == 2
    assert [r for r, _, _ in _received(smtp)] == [["bob@x.test"], ["cy@x.test"]]


def test_a_refused_address_is_tried_a_bounded_number_of_times_and_blocks_no_one(
    card, admin, people, smtp
):
    smtp.refuse = {"bob@x.test"}
    comments.add_comment(card, "@bob @cy", now=NOW, actor=admin)
    assert send_mention_emails() == 1  # cy's goes although bob's, before it, is refused
    for _ in range(MAX_ATTEMPTS):
        assert send_mention_emails() == 0
    bobs = MentionEmail.objects.get(to_email="bob@x.test")
    assert (bobs.attempts, bobs.sent_at) == (MAX_ATTEMPTS, None)
    assert [r for r, _, _ in _received(smtp)] == [["cy@x.test"]]


def test_a_lapsed_claim_is_taken_again_but_a_live_one_is_not(
    card, admin, people, smtp, monkeypatch
):
    comments.add_comment(card, "@bob", now=NOW, actor=admin)
    MentionEmail.objects.update(claimed_at=NOW, attempts=1)  # a sender that died at NOW
    monkeypatch.setattr(clock, "now", lambda: NOW + mention_email.LEASE - SECOND)
    assert send_mention_emails() == 0
    monkeypatch.setattr(clock, "now", lambda: NOW + mention_email.LEASE)
    assert send_mention_emails() == 1
    assert MentionEmail.objects.get().attempts == 2
