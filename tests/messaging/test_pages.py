"""The messaging pages as a marketer uses them: write a template and preview it for a
contact, add a sender, create a broadcast and send it, and see what happened to each
recipient; staff cannot reach them."""

import html
import re

import pytest

from pacer.core import actions as core_actions
from pacer.messaging.models import Broadcast, Message, Sender, Template
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db


def text(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(page)).strip()


@pytest.fixture
def marketer(client, workspace, admin):
    client.login(username="ada", password="correct-horse-1")
    return client


def test_from_template_to_a_sent_broadcast(marketer, workspace):
    ada = person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "Bob", consent=False)
    blank = marketer.get("/messages/templates/new/").content.decode()
    assert 'id="field-html"' in blank and 'id="field-text"' in blank  # the whole form shows
    assert "&lt;style&gt;" in blank  # the starter layout, escaped inside its textarea
    refused = marketer.post(
        "/messages/templates/new/", {"name": "Spring", "subject": "Hi", "html": "{% url %}"}
    )
    assert refused.status_code == 422 and not Template.objects.exists()
    assert "html" in text(refused) and "url" in text(refused)
    saved = marketer.post(
        "/messages/templates/new/",
        {"name": "Spring", "subject": "Hi {{ contact.first_name }}", "html": "<p>Yo</p>"},
    )
    template = Template.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/messages/templates/{template.pk}/"
    preview = text(marketer.get(f"/messages/templates/{template.pk}/?contact={ada.pk}"))
    assert "Preview for ada@x.test" in preview and "Subject: Hi Ada" in preview
    assert (
        marketer.post("/messages/senders/new/", {"name": "Acme", "from_email": "x"}).status_code
        == 422
    )
    marketer.post("/messages/senders/new/", {"name": "Acme", "from_email": "news@acme.test"})
    sender = Sender.objects.get()
    created = marketer.post(
        "/messages/broadcasts/new/",
        {
            "name": "Spring sale",
            "template_id": template.pk,
            "sender_id": sender.pk,
            "purpose": "marketing",
            "audience": "all",
        },
    )
    broadcast = Broadcast.objects.get()
    assert created["Location"] == f"/messages/broadcasts/{broadcast.pk}/"
    assert not Message.objects.exists()  # nothing until Send now
    marketer.post(f"/messages/broadcasts/{broadcast.pk}/")
    page = text(marketer.get(f"/messages/broadcasts/{broadcast.pk}/"))
    assert "no email consent for marketing: 1" in page
    assert "ada@x.test Queued" in page and "bob@x.test Skipped" in page
    overview = text(marketer.get("/messages/"))
    row = re.search(r"Spring sale .{0,80}", overview).group(0)
    assert row.startswith("Spring sale Queued Spring 1 0 1 0"), row
    assert "0 suppressed addresses" in overview


def test_a_broadcast_with_bad_input_names_the_fields(marketer, workspace):
    response = marketer.post(
        "/messages/broadcasts/new/",
        {"name": "", "template_id": "9", "sender_id": "", "purpose": "x", "audience": "1 two"},
    )
    assert response.status_code == 422
    assert "'two' is not a contact id" in text(response)
    assert not Broadcast.objects.exists()


def test_staff_cannot_reach_messaging(client, workspace, admin):
    core_actions.create_user(workspace, "sam", "correct-horse-1", "staff")
    client.login(username="sam", password="correct-horse-1")
    for path in ("/messages/", "/messages/templates/new/", "/messages/broadcasts/new/"):
        assert client.get(path).status_code == 403, path
