"""Broadcast email end to end over a real SMTP server (aiosmtpd): who is queued and who
is skipped with the reason, personalisation, one-click unsubscribe headers, DKIM, sent
once, bounces, leases and the unsubscribe page."""

import base64
import subprocess
from datetime import timedelta
from email import message_from_bytes, policy

import dkim
import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.messaging import actions
from pacer.messaging.delivery import deliver
from pacer.messaging.models import (
    Broadcast,
    Message,
    SuppressedAddress,
)
from pacer.people.consent_actions import record_consent
from pacer.people.models import Consent, Contact
from pacer.people.resolution import move_contact_rows
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db

HTML = (
    "<style>p { color: #123456; }</style><p>Hi {{ contact.first_name|default:'there' }}</p>"
    '<a href="{{ unsubscribe_url }}">Unsubscribe</a>'
)


def setup_broadcast(workspace, audience=None, sender=None, purpose="marketing"):
    template = actions.save_template(
        workspace,
        name=f"Spring {Broadcast.objects.count()}",
        subject="Spring, {{ contact.first_name }}!",
        html=HTML,
    )
    sender = sender or actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return actions.create_broadcast(
        workspace,
        name="Spring sale",
        template_id=template.pk,
        sender_id=sender.pk,
        audience=audience or {"all": True},
        purpose=purpose,
    )


def statuses(broadcast):
    return dict(Message.objects.filter(broadcast=broadcast).values_list("email", "status"))


def test_queueing_skips_with_reasons_and_happens_once(workspace, now):
    person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", consent=False)  # withdrew
    person(workspace, "cy@x.test", consent=None)  # never asked
    person(workspace, "dee@x.test", purpose="service")  # consented to something else
    person(workspace, "eve@x.test")
    actions.suppress(workspace, "EVE@x.test", "manual")
    person(workspace, "")  # no email: not a recipient at all
    broadcast = setup_broadcast(workspace)
    counts = actions.queue_broadcast(workspace, broadcast.pk)
    assert counts == {"queued": 1, "skipped": 4, "not_found": 0}
    assert statuses(broadcast) == {
        "ada@x.test": "queued",
        "bob@x.test": "skipped",
        "cy@x.test": "skipped",
        "dee@x.test": "skipped",
        "eve@x.test": "skipped",
    }
    reasons = dict(Message.objects.values_list("email", "reason"))
    assert reasons["eve@x.test"] == "suppressed"
    assert reasons["bob@x.test"] == "no email consent for marketing"
    assert AuditEntry.objects.filter(action="messaging.broadcast_queued").count() == 1
    with pytest.raises(ValidationFailed) as refused:
        actions.queue_broadcast(workspace, broadcast.pk)
    assert refused.value.errors == {"broadcast_id": "already queued"}
    assert Message.objects.count() == 5  # nothing added


def test_each_recipient_gets_one_personalised_message_with_one_click_unsubscribe(
    workspace, smtp, now
):
    ada = person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "")
    broadcast = setup_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 2
    assert deliver() == 0  # nothing sent twice
    assert sorted(rcpt for _, (rcpt,), _ in smtp.messages) == ["ada@x.test", "bob@x.test"]
    raw = next(data for _, rcpt, data in smtp.messages if rcpt == ["ada@x.test"])
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == "Spring, Ada!"
    assert mail["From"] == "Acme <news@acme.test>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://localhost:8000/m/u/")
    html = mail.get_body(("html",)).get_content()
    assert "Hi Ada" in html
    assert 'style="color: #123456;"' in html  # the CSS was inlined
    assert url in html
    bob = next(data for _, rcpt, data in smtp.messages if rcpt == ["bob@x.test"])
    assert (
        "Hi there"
        in message_from_bytes(bob, policy=policy.default).get_body(("html",)).get_content()
    )
    assert set(statuses(broadcast).values()) == {"sent"}
    assert Message.objects.get(contact_id=ada.pk).sent_at == now["at"]
    assert Broadcast.objects.get(pk=broadcast.pk).status == "sent"


def test_the_one_click_post_suppresses_the_address_and_a_get_does_not(workspace, smtp, now, client):
    person(workspace, "ada@x.test", "Ada")
    broadcast = setup_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    mail = message_from_bytes(smtp.messages[0][2], policy=policy.default)
    path = mail["List-Unsubscribe"].strip("<>").removeprefix("http://localhost:8000")
    assert client.get(path).status_code == 200  # a link scanner's GET changes nothing
    assert not SuppressedAddress.objects.exists()
    assert client.post(path[:-3] + "xyz/").status_code == 400  # tampered token
    assert not SuppressedAddress.objects.exists()
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    (row,) = SuppressedAddress.objects.all()
    assert (row.email, row.reason, row.workspace_id) == ("ada@x.test", "unsubscribe", workspace.pk)
    # the next broadcast skips the address
    later = setup_broadcast(workspace, sender=broadcast.sender)
    assert actions.queue_broadcast(workspace, later.pk)["skipped"] == 1


def test_an_address_suppressed_after_queueing_is_not_sent(workspace, smtp, now):
    person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "Bob")
    broadcast = setup_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    actions.suppress(workspace, "bob@x.test", "complaint")
    assert deliver() == 1
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["ada@x.test"]]
    assert Message.objects.get(email="bob@x.test").reason == "suppressed after it was queued"


def test_consent_withdrawn_after_queueing_is_honoured_at_send_time(workspace, smtp, now):
    person(workspace, "ada@x.test", "Ada")
    bob = person(workspace, "bob@x.test", "Bob")
    cy = person(workspace, "cy@x.test", "Cy")
    dee = person(workspace, "dee@x.test", "Dee")
    broadcast = setup_broadcast(workspace)
    assert actions.queue_broadcast(workspace, broadcast.pk)["queued"] == 4
    # Bob withdraws his marketing consent (a grant for another purpose does not count)
    record_consent(workspace, bob.pk, "email", "marketing", False, "preference form")
    record_consent(workspace, bob.pk, "email", "newsletter", True, "preference form")
    # Cy is merged into Dee: her consent moves to Dee, her message keeps her id
    move_contact_rows(cy, dee)
    Contact.objects.filter(pk=cy.pk).update(merged_into=dee)
    assert deliver() == 3
    assert sorted(rcpt for _, [rcpt], _ in smtp.messages) == [
        "ada@x.test",
        "cy@x.test",
        "dee@x.test",
    ]
    assert statuses(broadcast)["bob@x.test"] == "skipped"
    assert Message.objects.get(email="bob@x.test").reason == (
        "no email consent for marketing at send time"
    )


def test_a_hard_bounce_fails_and_suppresses_a_soft_one_is_retried(workspace, smtp, now):
    person(workspace, "gone@x.test")
    person(workspace, "busy@x.test")
    smtp.refuse = {"gone@x.test": "550 5.1.1 no such user", "busy@x.test": "451 4.3.0 try later"}
    broadcast = setup_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 0
    gone = Message.objects.get(email="gone@x.test")
    assert (gone.status, gone.reason) == ("failed", "550 5.1.1 no such user")
    assert SuppressedAddress.objects.get(email="gone@x.test").reason == "hard_bounce"
    busy = Message.objects.get(email="busy@x.test")
    assert (busy.status, busy.claimed_until, busy.attempts) == ("queued", None, 1)
    smtp.refuse = {}
    assert deliver() == 1  # the retry goes through; the bounced one is not tried again
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["busy@x.test"]]


def test_a_refusal_from_500_up_is_permanent_and_one_below_is_temporary(workspace, smtp, now):
    person(workspace, "bad@x.test")
    person(workspace, "odd@x.test")
    smtp.refuse = {"bad@x.test": "500 5.1.3 bad address syntax", "odd@x.test": "499 4.0.0 odd"}
    actions.queue_broadcast(workspace, setup_broadcast(workspace).pk)
    assert deliver() == 0
    state = Message.objects.order_by("email").values_list("email", "status", "reason")
    assert list(state) == [
        ("bad@x.test", "failed", "500 5.1.3 bad address syntax"),
        ("odd@x.test", "queued", "499 4.0.0 odd"),
    ]
    assert list(SuppressedAddress.objects.values_list("email", "reason")) == [
        ("bad@x.test", "hard_bounce")
    ]


def test_without_an_smtp_host_each_message_is_written_whole_to_the_file_outbox(
    workspace, now, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    person(workspace, "ada@x.test", "Ada")
    actions.queue_broadcast(workspace, setup_broadcast(workspace).pk)
    assert deliver() == 1
    message = Message.objects.get()
    assert (message.status, message.sent_at) == ("sent", now["at"])
    assert sorted(p.name for p in (tmp_path / "messages").iterdir()) == [f"{message.pk}.eml"]
    written = message_from_bytes((tmp_path / "messages" / f"{message.pk}.eml").read_bytes())
    assert written["To"] == "ada@x.test"


def test_a_claim_left_by_a_dead_worker_is_taken_again_when_its_lease_ends(
    workspace, smtp, now, settings
):
    person(workspace, "ada@x.test", "Ada")
    broadcast = setup_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 1  # the relay is down
    assert deliver() == 0
    held = Message.objects.get()  # claimed, not marked: it stays queued under a lease
    lease = timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)
    assert (held.status, held.claimed_until) == ("queued", now["at"] + lease)
    settings.EMAIL_PORT = port
    assert deliver() == 0  # still leased: not taken twice
    now["at"] += timedelta(minutes=6)
    assert deliver() == 1
    # the run that found the relay down made no attempt: one counted, the one made
    assert len(smtp.messages) == 1 and Message.objects.get().attempts == 1


def test_dkim_signatures_verify_against_the_published_key(workspace, smtp, now, tmp_path):
    key = tmp_path / "key.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    sender = actions.save_sender(
        workspace,
        name="Acme",
        from_email="news@acme.test",
        dkim_selector="s1",
        dkim_private_key=key.read_text(),
    )
    person(workspace, "ada@x.test", "Ada")
    broadcast = setup_broadcast(workspace, sender=sender)
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    raw = smtp.messages[0][2]

    def dns(name, timeout=5):
        return record if name == b"s1._domainkey.acme.test." else None

    assert dkim.verify(raw, dnsfunc=dns)
    signature = message_from_bytes(raw)["DKIM-Signature"]
    assert "d=acme.test" in signature and "s=s1" in signature
    assert "list-unsubscribe" in signature.lower()
    tampered = raw.replace(b"Spring, Ada!", b"Spring, Eve!")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_templates_and_senders_refuse_bad_input_naming_the_part(workspace):
    with pytest.raises(ValidationFailed) as refused:
        actions.save_template(
            workspace, name="T", subject="Hi {{ x|nosuch }}", html="<p>{% if %}</p>"
        )
    assert list(refused.value.errors) == ["subject"]  # the first part that fails
    assert "nosuch" in refused.value.errors["subject"]
    with pytest.raises(ValidationFailed) as refused:
        actions.save_template(workspace, name="T", subject="Hi", html="{% debug %}")
    assert list(refused.value.errors) == ["html"] and "debug" in refused.value.errors["html"]
    with pytest.raises(ValidationFailed) as refused:
        actions.save_template(workspace, name="", subject="", html="x\x00")
    assert refused.value.errors == {
        "name": "must not be empty",
        "subject": "must not be empty",
        "html": "must not contain NUL characters",
    }
    with pytest.raises(ValidationFailed) as refused:  # was a 500 on PostgreSQL (the name query)
        actions.save_template(workspace, name="T\x00", subject="Hi", html="<p>Hi</p>")
    assert refused.value.errors == {"name": "must not contain NUL characters"}
    with pytest.raises(ValidationFailed) as refused:
        actions.save_sender(
            workspace, name="A", from_email="nope", dkim_selector="s1", dkim_private_key="junk"
        )
    assert refused.value.errors == {"from_email": "must be an email address"}
    with pytest.raises(ValidationFailed) as refused:
        actions.save_sender(
            workspace, name="A", from_email="a@b.test", dkim_selector="s1", dkim_private_key="junk"
        )
    assert list(refused.value.errors) == ["dkim_private_key"]
    from pacer.messaging.models import Sender, Template

    assert not Template.objects.exists() and not Sender.objects.exists()


def test_personalisation_sees_plain_fields_only(workspace, now):
    from pacer.messaging.render import TemplateProblem, compile_parts, recipient_context, render

    with pytest.raises(TemplateProblem, match="^subject: .*underscores"):
        compile_parts("{{ contact.email.__class__ }}", "<p></p>", "")
    compiled = compile_parts(
        "{{ contact.first_name.upper }}|{{ contact.revenue }}|{{ request }}",
        "<p>{{ contact.first_name }}</p>",
        "",
    )
    context = recipient_context({"first_name": "<b>Ada</b>", "revenue": 10}, {})
    subject, html, _ = render(compiled, context)
    assert subject == "<B>ADA</B>||"  # no fields beyond the plain ones
    assert "&lt;b&gt;Ada&lt;/b&gt;" in html  # HTML escaped
    assert not Consent.objects.exists()


def test_a_long_audience_list_is_read_in_chunks_and_each_contact_queued_once(workspace, now):
    ada = person(workspace, "ada@x.test", "Ada")
    unknown = list(range(10**9, 10**9 + 6_000))  # more ids than one IN (...) list holds
    broadcast = setup_broadcast(workspace, audience={"contacts": [ada.pk, *unknown, ada.pk]})
    counts = actions.queue_broadcast(workspace, broadcast.pk)
    assert counts == {"queued": 1, "skipped": 0, "not_found": 6_000}
    assert statuses(broadcast) == {"ada@x.test": "queued"}


def test_a_senders_reply_to_is_on_the_mail_it_sends_and_none_without_one(workspace, smtp, now):
    person(workspace, "ada@x.test", "Ada")
    broadcast = setup_broadcast(workspace)
    actions.update_sender(
        workspace,
        broadcast.sender.pk,
        name="Acme",
        from_email=broadcast.sender.from_email,
        reply_to="Help@Acme.test",
    )
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    mail = message_from_bytes(smtp.messages[0][2], policy=policy.default)
    assert mail["Reply-To"] == "help@acme.test"

    person(workspace, "bob@x.test", "Bob")
    actions.update_sender(
        workspace,
        broadcast.sender.pk,
        name="Acme",
        from_email=broadcast.sender.from_email,
        reply_to="",
    )
    later = setup_broadcast(workspace, sender=broadcast.sender)
    actions.queue_broadcast(workspace, later.pk)
    deliver()
    mail = message_from_bytes(smtp.messages[-1][2], policy=policy.default)
    assert "Reply-To" not in mail
