"""Click tracking in SMS broadcasts: each http(s) link of a broadcast's text goes to the
provider as a short signed link answered by email's redirect view; a click is recorded
once per recipient (first click, count) and shows in the report, the texts table and
the API; a forged or altered link redirects nowhere and records nothing; keyword replies
and the opt-out wording are sent as written."""

from datetime import timedelta

import pytest
from django.conf import settings

from pacer.messaging import rules, sms, sms_broadcasts, sms_links
from pacer.messaging.models import SmsMessage
from tests.messaging.test_api import bearer
from tests.messaging.test_sms import NUMBER, sent, text_in, texter
from tests.messaging.test_sms_broadcasts import phone_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    """The SMS provider of the tests: texts it takes are files in this folder."""
    settings.LEAD_SMS_URL = ""
    settings.LEAD_SMS_OUTBOX = tmp_path / "sms"
    return tmp_path / "sms"


SALE = "Hi {{ contact.first_name }}: https://shop.example/spring?c=sms&x=1. Reply STOP to opt out"
BOB = "+15550100200"


def _queued_and_sent(workspace, text=SALE):
    broadcast = sms_broadcasts.create_sms_broadcast(
        workspace, name="Spring", text=text, audience={"all": True}
    )
    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    sms.deliver_sms()
    return broadcast


def _short_links(body: str) -> list[str]:
    return [body[start:end] for start, end in sms_links.links(body)]


def _path(link: str) -> str:
    assert link.startswith(settings.BASE_URL)
    return link.removeprefix(settings.BASE_URL)


def test_links_go_out_short_and_signed_and_a_click_is_recorded_once_per_recipient(
    workspace, outbox, client, now
):
    ada = texter(workspace)
    ada.first_name = "Ada"
    ada.save()
    bob = phone_person(workspace, "bob@x.test", BOB, "Bob")
    broadcast = _queued_and_sent(workspace)

    handed = {t["to"]: t["text"] for t in sent(outbox)}
    ada_text = SmsMessage.objects.get(contact_id=ada.pk)
    link = sms_links.short_link(workspace.pk, ada_text.pk, 0)
    assert handed[NUMBER] == f"Hi Ada: {link}. Reply STOP to opt out"  # the wording kept
    assert len(link) == sms_links.link_length() == len(settings.BASE_URL) + 29
    assert len(handed[NUMBER]) == sms_links.sent_length(ada_text.text)
    # the stored text keeps the link as written; the redirect reads it from there
    assert ada_text.text == "Hi Ada: https://shop.example/spring?c=sms&x=1. Reply STOP to opt out"

    first = now["at"]
    response = client.get(_path(link))
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example/spring?c=sms&x=1"
    now["at"] = first + timedelta(hours=2)
    assert client.get(_path(link))["Location"] == "https://shop.example/spring?c=sms&x=1"
    ada_text.refresh_from_db()
    assert (ada_text.clicked_at, ada_text.clicks) == (first, 2)  # once: the first, counted
    bob_text = SmsMessage.objects.get(contact_id=bob.pk)
    assert (bob_text.clicked_at, bob_text.clicks) == (None, 0)

    report = sms_broadcasts.report(broadcast)
    assert (report["sent"], report["clicked"], report["click_rate"]) == (2, 1, 0.5)


def test_a_forged_or_altered_short_link_redirects_nowhere_and_records_nothing(
    workspace, outbox, client, now
):
    texter(workspace)
    _queued_and_sent(workspace, "Two links: https://a.example/1 and https://b.example/2")
    text = SmsMessage.objects.get()
    good = _path(sms_links.short_link(workspace.pk, text.pk, 1))
    assert client.get(good)["Location"] == "https://b.example/2"
    text.refresh_from_db()
    assert text.clicks == 1

    token = good.split("/")[-2]
    signature, position, text_id = token[1:13], token[13:15], token[15:]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = [
        f"s{flipped}{position}{text_id}",  # the signature altered
        f"s{signature}00{text_id}",  # another link of the text under this signature
        f"s{signature}{position}{int(text_id, 36) + 1:08d}",  # another text
        # a text's link past its last, signed as this install would
        _path(sms_links.short_link(workspace.pk, text.pk, 2)).split("/")[-2],
        # signed for another workspace
        _path(sms_links.short_link(workspace.pk + 1, text.pk, 0)).split("/")[-2],
        "s" + "z" * 30,  # an id past any database's integers
    ]
    for token in forged:
        response = client.get(f"/m/c/{token}/")
        assert response.status_code == 400, token
        assert not response.has_header("Location")
    text.refresh_from_db()
    assert (text.clicks, text.clicked_at) == (1, now["at"])


def test_keyword_replies_go_as_written_and_a_text_too_long_once_tracked_is_skipped(
    workspace, outbox, now
):
    texter(workspace)
    settings_row = rules.settings_of(workspace)
    settings_row.sms_help_text = "Help: https://shop.example/help. Reply STOP to opt out."
    settings_row.save()
    text_in(workspace, "HELP", "SM-help")
    sms.deliver_sms()
    assert [t["text"] for t in sent(outbox)] == [
        "Help: https://shop.example/help. Reply STOP to opt out."
    ]

    url = "https://x.example/a"  # 19 characters, sent as link_length()
    body = ("x" * (1600 - len(url) - 1)) + " " + url
    broadcast = _queued_and_sent(workspace, body)
    skipped = SmsMessage.objects.get(broadcast=broadcast)
    assert skipped.status == "skipped"
    assert skipped.reason == (
        "the personalised text is longer than 1600 characters with its links tracked "
        f"({sms_links.link_length()} characters each)"
    )
    assert len(sent(outbox)) == 1


def test_the_page_and_the_api_show_each_recipients_clicks_behind_the_gate(
    workspace, outbox, client, admin, now
):
    texter(workspace)
    broadcast = _queued_and_sent(workspace, "Sale: https://shop.example/")
    text = SmsMessage.objects.get()
    client.get(_path(sms_links.short_link(workspace.pk, text.pk, 0)))

    headers = bearer(workspace, "marketer")
    read = client.get(f"/api/messaging/sms/broadcasts/{broadcast.pk}", **headers).json()
    assert (read["clicked"], read["click_rate"]) == (1, 1.0)
    texts = client.get(f"/api/messaging/sms/broadcasts/{broadcast.pk}/texts", **headers)
    assert texts.status_code == 200
    assert [(t["id"], t["to_number"], t["clicks"], t["clicked_at"]) for t in texts.json()] == [
        (text.pk, NUMBER, 1, now["at"].isoformat().replace("+00:00", "Z"))
    ]
    missing = client.get("/api/messaging/sms/broadcasts/999999/texts", **headers)
    assert missing.status_code == 404
    anonymous = client.get(f"/api/messaging/sms/broadcasts/{broadcast.pk}/texts")
    assert anonymous.status_code == 401

    client.force_login(admin)
    page = client.get(f"/messages/sms/{broadcast.pk}/?delivery=clicked").content.decode()
    assert 'id="kpi-clicked"' in page and "First click" in page and NUMBER in page
    none_clicked = SmsMessage.objects.filter(pk=text.pk).update(clicked_at=None)
    assert none_clicked == 1
    page = client.get(f"/messages/sms/{broadcast.pk}/?delivery=clicked").content.decode()
    assert NUMBER not in page.split('id="sms-texts"')[1]
    form = client.get("/messages/sms/new/").content.decode()
    assert f"sent as a tracked link of {sms_links.link_length()} characters" in form
