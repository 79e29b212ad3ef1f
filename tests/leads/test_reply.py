"""A first response sent from Pacer: the email reaches a real SMTP server once, is
logged as the lead's first response, and the same form sent twice sends nothing more."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core.errors import ValidationFailed
from pacer.leads.followup import send_reply
from pacer.leads.models import Activity, Notice, SlaPolicy, Timer
from pacer.people.models import Contact
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def smtp(settings, smtp_sink):
    controller, received = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.server.sockets[0].getsockname()[1]
    return received


def test_a_reply_from_the_lead_page_is_sent_once_and_answers_the_lead(
    workspace, north, clock_at, smtp, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    lead = lead_at(workspace, MONDAY, clock_at, 1, first_name="Mia")
    Notice.objects.filter(key="auto-reply").update(claimed_at=MONDAY, sent_at=MONDAY)
    client = Client()
    client.force_login(ann)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Reply by email" in page and "Hi Mia," in page
    clock_at(MONDAY + timedelta(minutes=3))
    form = {"action": "reply", "token": "tok-12345678", "subject": "Your visit", "body": "Hi"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/leads/{lead.pk}/", form).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/leads/{lead.pk}/", form)  # the same form again (a double click)
    ((recipients, content),) = smtp.messages
    assert recipients == ["p1@x.test"] and "Subject: Your visit" in content
    lead.refresh_from_db()
    assert lead.first_response_at == MONDAY + timedelta(minutes=3)
    (activity,) = Activity.objects.all()
    assert (activity.kind, activity.actor, activity.outcome) == (
        "email",
        ann,
        "Sent from Pacer: Your visit",
    )
    assert not Timer.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True).exists()
    reply = Notice.objects.get(key="reply:tok-12345678")
    assert reply.sent_at is not None
    # a second reply (a new form) is a second email, not a second first response
    clock_at(MONDAY + timedelta(minutes=9))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/leads/{lead.pk}/", form | {"token": "tok-87654321"})
    assert len(smtp.messages) == 2
    lead.refresh_from_db()
    assert lead.first_response_at == MONDAY + timedelta(minutes=3)


def test_a_reply_is_refused_with_nothing_sent_or_logged(workspace, north, clock_at, smtp):
    lead = lead_at(workspace, MONDAY, clock_at, 1)
    with pytest.raises(ValidationFailed) as refused:
        send_reply(workspace, lead.pk, subject="", body=" ", token="x", at=MONDAY)
    assert refused.value.errors == {
        "subject": "must be 1-200 characters",
        "body": "must be 1-20000 characters",
        "token": "must be 8-40 letters, digits, - or _ (reload the page)",
    }
    Contact.objects.filter(pk=lead.contact_id).update(email="")
    with pytest.raises(ValidationFailed) as refused:
        send_reply(workspace, lead.pk, subject="Hi", body="Hi", token="tok-12345678", at=MONDAY)
    assert refused.value.errors == {"to": "the contact has no email address"}
    assert not Notice.objects.filter(key__startswith="reply:").exists()


@pytest.mark.both_databases
def test_a_reply_with_a_nul_character_is_refused_at_its_field(workspace, north, clock_at, smtp):
    """PostgreSQL cannot store NUL in text: a 500 there before (the hostile-forms run)."""
    lead = lead_at(workspace, MONDAY, clock_at, 1)
    activities = Activity.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        send_reply(
            workspace, lead.pk, subject="H\x00i", body="a\x00b", token="tok-12345678", at=MONDAY
        )
    assert refused.value.errors == {
        "subject": "must not contain NUL characters",
        "body": "must not contain NUL characters",
    }
    assert not Notice.objects.filter(key__startswith="reply:").exists()
    assert Activity.objects.count() == activities
    assert not Activity.objects.exists() and not Notice.objects.exclude(key="auto-reply").exists()
    assert smtp.messages == []
