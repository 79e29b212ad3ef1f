"""The messaging pages as a marketer uses them: write a template and preview it for a
contact, add a sender, create a broadcast and send it, and see what happened to each
recipient; staff cannot reach them."""

import html
import re

import pytest

from pacer.core import actions as core_actions
from pacer.messaging import actions, sms_broadcasts
from pacer.messaging.models import Broadcast, Message, Sender, SmsMessage, Template
from tests.messaging.conftest import person
from tests.messaging.test_sms_broadcasts import phone_person

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
    assert "HTML body" in text(refused) and "url" in text(refused)
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


def test_a_broadcast_to_a_segment_at_a_time_from_the_form(marketer, workspace, now):
    from datetime import UTC, datetime

    from pacer.messaging import actions, rules
    from pacer.segments import actions as segments

    ada = person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "Bob")
    vips = segments.create_segment(workspace, name="VIPs", kind="static")
    segments.add_members(workspace, vips, [ada.pk])
    news = rules.save_topic(workspace, name="News")
    rules.save_settings(workspace, time_zone="Europe/Paris", cap_count=0, cap_days=7)
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    form = marketer.get("/messages/broadcasts/new/").content.decode()
    assert f'<option value="{vips.pk}">VIPs (1 members)</option>' in form
    assert f'<option value="{news.pk}">News</option>' in form
    fields = {
        "name": "VIP preview",
        "template_id": template.pk,
        "sender_id": sender.pk,
        "purpose": "marketing",
        "segment_id": vips.pk,
        "topic_id": news.pk,
        "schedule": "at",
        "send_time": "2026-03-02T18:30",
    }
    refused = marketer.post("/messages/broadcasts/new/", fields | {"send_time": "soon"})
    assert refused.status_code == 422 and "Time: must be a date and time" in text(refused)
    missing = marketer.post("/messages/broadcasts/new/", fields | {"segment_id": "999999"})
    assert "Segment: no such segment in this workspace" in text(missing)
    assert not Broadcast.objects.exists()
    created = marketer.post("/messages/broadcasts/new/", fields)
    broadcast = Broadcast.objects.get()
    assert created["Location"] == f"/messages/broadcasts/{broadcast.pk}/"
    assert broadcast.audience == {"segment": vips.pk} and broadcast.topic == news
    # 18:30 in the workspace's zone (Paris, UTC+1 in March)
    assert (broadcast.schedule, broadcast.send_at) == (
        "at",
        datetime(2026, 3, 2, 17, 30, tzinfo=UTC),
    )
    page_url = f"/messages/broadcasts/{broadcast.pk}/"
    page = text(marketer.get(page_url))
    assert "Members of segment VIPs when queued" in page and "2026-03-02 17:30 UTC" in page
    button = re.search(r'id="send-now">([^<]+)<', marketer.get(page_url).content.decode())
    assert button.group(1) == "Schedule"
    marketer.post(f"/messages/broadcasts/{broadcast.pk}/")
    assert list(Message.objects.values_list("email", "due_at")) == [
        ("ada@x.test", datetime(2026, 3, 2, 17, 30, tzinfo=UTC))
    ]


def test_the_sending_rules_page_saves_rules_and_topics(marketer, workspace):
    from datetime import time

    from pacer.messaging.models import MessagingSettings, Topic

    page = marketer.get("/messages/settings/")
    assert page.status_code == 200 and 'value="UTC"' in page.content.decode()
    refused = marketer.post(
        "/messages/settings/",
        {
            "time_zone": "Mars/Base",
            "cap_count": "3",
            "cap_days": "7",
            "quiet_start": "21:00",
            "soft_bounce_limit": "0",
            "soft_bounce_days": "7",
        },
    )
    assert refused.status_code == 422
    assert "Default time zone: must be a known time zone" in text(refused)
    assert "Suppress after this many soft bounces: must be a whole number from 1 to 100" in text(
        refused
    )
    assert "Quiet hours until: quiet hours need both a start and an end" in text(refused)
    assert not MessagingSettings.objects.exists()
    saved = marketer.post(
        "/messages/settings/",
        {
            "time_zone": "Europe/London",
            "cap_count": "3",
            "cap_days": "7",
            "quiet_start": "21:00",
            "quiet_end": "08:00",
            "soft_bounce_limit": "5",
            "soft_bounce_days": "10",
        },
    )
    assert saved.status_code == 302
    found = MessagingSettings.objects.get(workspace=workspace)
    assert (found.time_zone, found.cap_count, found.cap_days) == ("Europe/London", 3, 7)
    assert (found.quiet_start, found.quiet_end) == (time(21), time(8))
    assert (found.soft_bounce_limit, found.soft_bounce_days) == (5, 10)
    assert 'value="21:00"' in marketer.get("/messages/settings/").content.decode()
    topic = marketer.post("/messages/settings/", {"form": "topic", "name": "News"})
    assert topic.status_code == 302 and Topic.objects.get().name == "News"
    again = marketer.post("/messages/settings/", {"form": "topic", "name": "News"})
    assert again.status_code == 422 and "another topic has this name" in text(again)
    assert Topic.objects.count() == 1


def test_a_refused_send_shows_the_page_again_with_the_reason(marketer, workspace, settings):
    """Send now on a broadcast that is no longer a draft (a second tab, a double click):
    the page again (422, not a redirect with a toast) saying why, and nothing queued
    twice; the same for an SMS broadcast."""
    person(workspace, "ada@x.test", "Ada")
    template = actions.save_template(workspace, name="Spring", subject="Hi", html="<p>Yo</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    email = actions.create_broadcast(
        workspace,
        name="Spring sale",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
    )
    url = f"/messages/broadcasts/{email.pk}/"
    assert marketer.post(url).status_code == 302
    again = marketer.post(url)
    assert again.status_code == 422
    refused = again.content.decode().split('id="queue-refused"')[1].split("</div>")[0]
    assert "Not queued" in refused and "already queued" in refused
    assert Message.objects.filter(broadcast=email).count() == 1

    settings.LEAD_SMS_URL = ""
    phone_person(workspace, "bo@x.test", "+15550100400", "Bo")
    texts = sms_broadcasts.create_sms_broadcast(
        workspace, name="Flash", text="Sale today", audience={"all": True}
    )
    url = f"/messages/sms/{texts.pk}/"
    assert marketer.post(url).status_code == 302
    again = marketer.post(url)
    assert again.status_code == 422
    assert "already queued" in again.content.decode().split('id="queue-refused"')[1]
    assert SmsMessage.objects.filter(broadcast=texts).count() == 1


def test_a_draft_from_a_sender_without_dkim_says_it_goes_out_unsigned(marketer, workspace):
    template = actions.save_template(workspace, name="Spring", subject="Hi", html="<p>Yo</p>")
    unsigned = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    signed = actions.save_sender(workspace, name="Shop", from_email="hi@shop.test")
    Sender.objects.filter(pk=signed.pk).update(dkim_selector="s1", dkim_key_sealed="v2:sealed")
    drafts = {
        sender.pk: actions.create_broadcast(
            workspace,
            name=f"From {sender.name}",
            template_id=template.pk,
            sender_id=sender.pk,
            audience={"all": True},
        )
        for sender in (unsigned, signed)
    }

    page = marketer.get(f"/messages/broadcasts/{drafts[unsigned.pk].pk}/").content.decode()
    notice = page.split('id="sender-unsigned"')[1].split("</div>")[0]
    assert "news@acme.test has no DKIM key" in notice and "Gmail and Yahoo" in notice
    assert f'href="/messages/senders/{unsigned.pk}/#dkim"' in notice  # make its key there
    page = marketer.get(f"/messages/broadcasts/{drafts[signed.pk].pk}/").content.decode()
    assert 'id="sender-unsigned"' not in page
