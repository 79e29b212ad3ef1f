"""A template previewed as a chosen contact (personalised, shown in a sandboxed frame), a
test send of it that arrives at a real SMTP server (aiosmtpd) personalised as that
contact and records nothing as sent to them, and an SMS text previewed as a contact."""

import email
import html
import re
from email import policy

import pytest

from pacer.core.models import AuditEntry
from pacer.messaging import actions, sms_broadcasts
from pacer.messaging.models import Message, SmsMessage
from pacer.people.models import Contact
from tests.messaging.conftest import person
from tests.messaging.test_sms_broadcasts import phone_person

pytestmark = pytest.mark.django_db

HTML = (
    "<p>Hello {{ contact.first_name }} {{ contact.last_name }}</p>"
    '<script>parent.document.title="x"</script><a href="{{ unsubscribe_url }}">Leave</a>'
)


@pytest.fixture
def template(workspace):
    return actions.save_template(
        workspace, name="Spring", subject="Hi {{ contact.first_name }}", html=HTML, text=""
    )


@pytest.fixture
def people_(workspace):
    ada = person(workspace, "ada@x.test", "Ada")
    bob = person(workspace, "bob@x.test", "Bob")
    Contact.objects.filter(pk=bob.pk).update(last_name="Byron")
    return ada, bob


def test_the_preview_is_personalised_for_the_chosen_contact_and_sandboxed(
    client, workspace, admin, template, people_
):
    ada, bob = people_
    client.force_login(admin)
    first = client.get(f"/messages/templates/{template.pk}/").content.decode()
    by_email = client.get(f"/messages/templates/{template.pk}/?contact=bob@x.test").content.decode()
    by_id = client.get(f"/messages/templates/{template.pk}/?contact={bob.pk}").content.decode()
    unknown = client.get(f"/messages/templates/{template.pk}/?contact=nobody@x.test")

    assert '<span id="preview-subject">Hi Ada</span>' in first
    for page in (by_email, by_id):
        assert '<span id="preview-subject">Hi Bob</span>' in page
        frame = re.search(r"<iframe[^>]*>", page).group(0)
        assert 'sandbox=""' in frame  # no script, no same-origin access
        document = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
        assert "<p>Hello Bob Byron</p>" in document and 'href="#test-send"' in document
        assert "<script>" not in page.replace(html.escape("<script>"), "")  # only escaped
    assert "No live contact with an email has this id or email." in unknown.content.decode()


def test_a_test_send_arrives_personalised_as_the_contact_and_records_no_message(
    client, workspace, admin, template, people_, smtp
):
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    client.force_login(admin)
    form = {"form": "test-send", "contact": "bob@x.test", "to": "me@acme.test"}

    sent = client.post(f"/messages/templates/{template.pk}/", {**form, "sender_id": sender.pk})

    assert sent.status_code == 302
    ((mail_from, recipients, raw),) = smtp.messages
    assert (mail_from, recipients) == ("news@acme.test", ["me@acme.test"])
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "[Test] Hi Bob" and message["To"] == "me@acme.test"
    body = message.get_body(("html",)).get_content()
    assert "<p>Hello Bob Byron</p>" in body
    assert "/m/o/" not in body and "/m/c/" not in body  # no open pixel, no tracked links
    assert not Message.objects.exists()
    entry = AuditEntry.objects.get(action="messaging.test_sent")
    assert entry.after["to"] == "me@acme.test"
    assert "Test sent to me@acme.test as bob@x.test" in html.unescape(
        client.get(sent["Location"]).content.decode()
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [({"to": "not-an-address"}, "to"), ({"contact": "nobody@x.test"}, "contact")],
)
def test_a_bad_test_send_names_the_field_and_sends_nothing(
    client, workspace, admin, template, people_, smtp, change, field
):
    actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    client.force_login(admin)
    form = {"form": "test-send", "contact": "bob@x.test", "to": "me@acme.test", **change}

    refused = client.post(f"/messages/templates/{template.pk}/", form)

    assert refused.status_code == 422
    assert f'href="#field-{field}"' in refused.content.decode()
    assert smtp.messages == [] and not AuditEntry.objects.filter(action="messaging.test_sent")


def test_an_sms_text_is_previewed_as_the_chosen_contact(client, workspace, admin):
    phone_person(workspace, "ada@x.test", "+15550100100", "Ada")
    phone_person(workspace, "bob@x.test", "+15550100200", "Bob")
    broadcast = sms_broadcasts.create_sms_broadcast(
        workspace,
        name="Sale",
        text="Hi {{ contact.first_name }}, 20% off.",
        audience={"all": True},
    )
    client.force_login(admin)

    first = client.get(f"/messages/sms/{broadcast.pk}/").content.decode()
    bob = client.get(f"/messages/sms/{broadcast.pk}/?preview=bob@x.test").content.decode()

    assert '<pre id="sms-preview">Hi Ada, 20% off.</pre>' in first
    assert '<pre id="sms-preview">Hi Bob, 20% off.</pre>' in bob and "+15550100200" in bob
    assert not SmsMessage.objects.exists()
