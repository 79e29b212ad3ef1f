"""The emails sent to a contact, and what they did with them, on the contact's timeline
(issue 11: "a full timeline (events, orders, messages and lead activity as they
arrive)"); over a real SMTP server, through the tracked links the mail carries."""

import re

import pytest

from pacer.messaging.models import Message
from pacer.people.models import Contact
from pacer.people.timeline import timeline
from tests.messaging.conftest import person
from tests.messaging.test_tracking import BASE, body_of, links, send

pytestmark = pytest.mark.django_db


def test_sent_emails_and_their_opens_and_clicks_are_on_the_contacts_timeline(
    workspace, admin, smtp, now, client
):
    person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "Bob")
    person(workspace, "cy@x.test", "Cy", consent=False)  # skipped: nothing sent to her
    broadcast, _ = send(workspace)
    ada = Contact.objects.get(email="ada@x.test")
    bob = Contact.objects.get(email="bob@x.test")
    to_ada = next(i for i, m in enumerate(smtp.messages) if m[1] == ["ada@x.test"])
    body = body_of(smtp, to_ada)
    sale = links(body)[0]
    (pixel,) = re.findall(r'<img src="([^"]+)" width="1"', body)
    assert client.get(sale.removeprefix(BASE)).status_code == 302
    assert client.get(pixel.removeprefix(BASE)).status_code == 200

    entries = timeline(workspace.pk, ada.pk, per_page=100).entries
    message = Message.objects.get(contact_id=ada.pk)
    mail = [(e.kind, e.title, e.detail, e.href) for e in entries if e.kind.startswith("email")]
    page = f"/messages/broadcasts/{broadcast.pk}/"
    assert sorted(mail) == [
        ("email", "Email sent: B", "to ada@x.test", page),
        ("email-response", "Email clicked: B", "https://shop.test/sale?a=1&b=2", page),
        ("email-response", "Email opened: B", "", page),
    ]
    assert {e.at for e in entries if e.kind.startswith("email")} == {now["at"]}
    assert {e.id for e in entries if e.kind == "email"} == {message.pk}
    # Bob's mail is his: sent, nothing opened or clicked
    bobs = timeline(workspace.pk, bob.pk, per_page=100).entries
    assert [(e.kind, e.detail) for e in bobs if e.kind.startswith("email")] == [
        ("email", "to bob@x.test")
    ]

    cy = Contact.objects.get(email="cy@x.test")
    assert Message.objects.get(contact_id=cy.pk).sent_at is None
    assert [
        e for e in timeline(workspace.pk, cy.pk, per_page=100).entries if "mail" in e.kind
    ] == []

    client.force_login(admin)
    html = client.get(f"/contacts/{ada.pk}/?kind=email").content.decode()
    assert '<option value="email" selected>Emails sent</option>' in html
    assert f'<a href="{page}">Email sent: B</a><br><span class="muted">to ada@x.test</span>' in html
    assert "Email opened" not in html  # the filter keeps emails sent only
