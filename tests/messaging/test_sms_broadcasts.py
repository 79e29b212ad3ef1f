"""SMS broadcasts: one text per recipient (once), personalised, never to a number that
texted STOP or without SMS consent for the purpose (checked when queued and again when
sent), scheduled per recipient's zone, waiting out quiet hours without using an attempt,
within the frequency cap; over the REST API and the pages, behind the permission gate."""

from datetime import UTC, datetime

import pytest

from pacer.core.errors import ValidationFailed
from pacer.messaging import rules, sms, sms_broadcasts
from pacer.messaging.models import MessageStatus, SmsBroadcast, SmsMessage, SuppressedNumber
from pacer.people.models import Consent, Contact
from tests.messaging.test_api import bearer
from tests.messaging.test_sms import NUMBER, sent, text_in, texter

pytestmark = pytest.mark.django_db

BOB, CY = "+15550100200", "+15550100300"


@pytest.fixture
def outbox(settings, tmp_path):
    """The SMS provider of the tests: texts it takes are files in this folder."""
    settings.LEAD_SMS_URL = ""
    settings.LEAD_SMS_OUTBOX = tmp_path / "sms"
    return tmp_path / "sms"


def phone_person(workspace, email, number, first_name="", consent=True):
    contact = Contact.objects.create(
        workspace=workspace, email=email, phone=number, first_name=first_name
    )
    if consent:
        Consent.objects.create(
            workspace=workspace,
            contact=contact,
            channel="sms",
            purpose="marketing",
            granted=True,
            source="form",
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return contact


def make(workspace, **options):
    values = {"name": "Spring sale", "text": "Hi {{ contact.first_name }}: 20% off today."}
    return sms_broadcasts.create_sms_broadcast(
        workspace, **{**values, "audience": {"all": True}, **options}
    )


def test_a_draft_is_refused_naming_each_bad_field_and_nothing_is_written(workspace):
    with pytest.raises(ValidationFailed) as refused:
        sms_broadcasts.create_sms_broadcast(
            workspace,
            name=" ",
            text="{% load secrets %}",
            purpose="",
            audience={"everyone": True},
            schedule="at",
            send_at=None,
        )
    assert refused.value.errors == {
        "name": "must be text of 1 to 200 characters",
        "text": "is not a valid template: Invalid block tag on line 1: 'load'. "
        "Did you forget to register or load this tag?",
        "purpose": "must be text of 1 to 60 characters",
        "audience": 'must be {"all": true}, {"segment": segment id} or {"contacts": [contact ids]}',
        "send_at": "must be a time with its time zone, from 1901 to 2198",
    }
    with pytest.raises(ValidationFailed) as refused:
        make(workspace, text="x" * 1601)
    assert refused.value.errors == {"text": "must be at most 1600 characters"}
    assert not SmsBroadcast.objects.exists()


def test_queueing_texts_each_consenting_number_once_personalised_with_the_reasons(
    workspace, outbox
):
    ada = texter(workspace)
    ada.first_name = "Ada"
    ada.save()
    bob = phone_person(workspace, "bob@x.test", BOB, "Bob", consent=False)
    cy = phone_person(workspace, "cy@x.test", CY, "Cy")
    SuppressedNumber.objects.create(
        workspace=workspace, number=CY, created_at=datetime(2026, 1, 2, tzinfo=UTC)
    )
    Contact.objects.create(workspace=workspace, email="dee@x.test")  # no phone: not texted
    broadcast = make(workspace)

    counts = sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)

    assert counts == {"queued": 1, "skipped": 2, "not_found": 0}
    texts = SmsMessage.objects.order_by("contact_id")
    assert [(t.key, t.to_number, t.status, t.reason, t.text) for t in texts] == [
        (f"broadcast:{broadcast.pk}:{ada.pk}", NUMBER, "queued", "", "Hi Ada: 20% off today."),
        (
            f"broadcast:{broadcast.pk}:{bob.pk}",
            BOB,
            "skipped",
            "no SMS consent for marketing",
            "Hi Bob: 20% off today.",
        ),
        (
            f"broadcast:{broadcast.pk}:{cy.pk}",
            CY,
            "skipped",
            "the number texted STOP",
            "Hi Cy: 20% off today.",
        ),
    ]
    with pytest.raises(ValidationFailed) as again:
        sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    assert again.value.errors == {"broadcast_id": "already queued"}
    assert SmsMessage.objects.count() == 3

    assert sms.deliver_sms() == 1
    assert [(t["to"], t["text"]) for t in sent(outbox)] == [(NUMBER, "Hi Ada: 20% off today.")]
    assert sms.deliver_sms() == 0 and len(sent(outbox)) == 1
    broadcast.refresh_from_db()
    assert broadcast.status == "sent"
    assert sms_broadcasts.report(broadcast) == {
        "total": 3,
        "queued": 0,
        "sent": 1,
        "skipped": 2,
        "failed": 0,
        "delivered": 0,  # the outbox folder's gateway reports no delivery
        "not_delivered": 0,
        "delivery_rate": None,  # nor a rate
        "clicked": 0,
        "click_rate": 0.0,
        "opted_out": 0,
        "opt_out_rate": 0.0,
        "quiet_hours_waiting": 0,
        "reasons": [("no SMS consent for marketing", 1), ("the number texted STOP", 1)],
    }


def test_a_stop_after_queueing_is_honoured_when_the_text_would_go(workspace, outbox):
    texter(workspace)
    broadcast = make(workspace)
    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    text_in(workspace, "STOP", "SM1")

    sms.deliver_sms()

    ours = SmsMessage.objects.get(broadcast=broadcast)
    assert (ours.status, ours.reason) == (
        MessageStatus.SKIPPED,
        "the number texted STOP (at send time)",
    )
    stop_text = rules.settings_of(workspace).sms_stop_text
    assert [t["text"] for t in sent(outbox)] == [stop_text]  # only the STOP confirmation


def test_quiet_hours_hold_a_text_until_the_recipients_morning_without_an_attempt(
    workspace, outbox, now
):
    rules.save_settings(
        workspace,
        time_zone="Europe/London",
        cap_count=0,
        cap_days=7,
        quiet_start="21:00",
        quiet_end="08:00",
    )
    ada = texter(workspace)
    ada.traits = {"timezone": "Asia/Tokyo"}
    ada.save()
    phone_person(workspace, "bob@x.test", BOB)  # London, the workspace's zone
    broadcast = make(workspace)
    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    now["at"] = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 22:00 London, 07:00 Tokyo

    assert sms.deliver_sms() == 0 and sent(outbox) == []
    morning_jp = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 08:00 JST
    morning_uk = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 BST
    held = {t.to_number: (t.status, t.due_at, t.attempts) for t in SmsMessage.objects.all()}
    assert held == {NUMBER: ("queued", morning_jp, 0), BOB: ("queued", morning_uk, 0)}
    assert sms_broadcasts.report(broadcast)["quiet_hours_waiting"] == 2

    now["at"] = morning_jp
    assert sms.deliver_sms() == 1 and [t["to"] for t in sent(outbox)] == [NUMBER]
    now["at"] = morning_uk
    assert sms.deliver_sms() == 1 and [t["to"] for t in sent(outbox)] == [NUMBER, BOB]
    assert set(SmsMessage.objects.values_list("attempts", flat=True)) == {1}


def test_a_text_at_a_local_time_waits_for_that_time_in_each_zone(workspace, outbox, now):
    rules.save_settings(workspace, time_zone="UTC", cap_count=0, cap_days=7)
    ada = texter(workspace)
    ada.traits = {"timezone": "America/New_York"}
    ada.save()
    broadcast = make(workspace, schedule="local", send_local="2026-03-03T09:00")
    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    due = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert SmsMessage.objects.get().due_at == due

    now["at"] = datetime(2026, 3, 3, 13, 59, tzinfo=UTC)
    assert sms.deliver_sms() == 0 and sent(outbox) == []
    assert SmsMessage.objects.get().attempts == 0  # not claimed before it is due
    now["at"] = due
    assert sms.deliver_sms() == 1 and len(sent(outbox)) == 1


def test_the_frequency_cap_counts_a_contacts_recent_broadcast_texts(workspace, outbox, now):
    rules.save_settings(workspace, time_zone="UTC", cap_count=1, cap_days=7)
    texter(workspace)
    first, second = make(workspace, name="One"), make(workspace, name="Two")
    sms_broadcasts.queue_sms_broadcast(workspace, first.pk)
    assert sms.deliver_sms() == 1
    sms_broadcasts.queue_sms_broadcast(workspace, second.pk)

    assert sms.deliver_sms() == 0
    capped = SmsMessage.objects.get(broadcast=second)
    assert (capped.status, capped.reason) == (
        "skipped",
        "frequency cap: 1 texts in 7 days reached",
    )
    assert len(sent(outbox)) == 1


def test_the_api_creates_queues_once_and_reports_behind_the_gate(client, workspace, outbox):
    texter(workspace)
    headers = bearer(workspace, "marketer")
    body = {"name": "Sale", "text": "Sale today", "audience": {"all": True}}

    bad = client.post(
        "/api/messaging/sms/broadcasts",
        {**body, "schedule": "at"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == {
        "send_at": "must be a time with its time zone, from 1901 to 2198"
    }
    staff = client.post(
        "/api/messaging/sms/broadcasts",
        body,
        content_type="application/json",
        **bearer(workspace, "staff"),
    )
    assert staff.status_code == 403
    assert not SmsBroadcast.objects.exists()

    created = client.post(
        "/api/messaging/sms/broadcasts", body, content_type="application/json", **headers
    )
    assert created.status_code == 201
    broadcast_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["queued"] == 0
    queue = f"/api/messaging/sms/broadcasts/{broadcast_id}/queue"
    assert client.post(queue, **headers).json() == {"queued": 1, "skipped": 0, "not_found": 0}
    again = client.post(queue, **headers)
    assert again.status_code == 422 and again.json()["errors"] == {"broadcast_id": "already queued"}
    sms.deliver_sms()
    read = client.get(f"/api/messaging/sms/broadcasts/{broadcast_id}", **headers).json()
    assert (read["status"], read["sent"], read["skipped"], read["reasons"]) == ("sent", 1, 0, [])
    missing = client.get("/api/messaging/sms/broadcasts/999999", **headers)
    assert missing.status_code == 404


def test_the_pages_create_show_and_queue_a_broadcast(client, workspace, admin, outbox):
    texter(workspace)
    client.force_login(admin)
    refused = client.post(
        "/messages/sms/new/", {"name": "", "text": "Hi", "audience": "all", "schedule": "now"}
    )
    assert refused.status_code == 422
    assert "must be text of 1 to 200 characters" in refused.content.decode()
    assert not SmsBroadcast.objects.exists()

    made = client.post(
        "/messages/sms/new/",
        {
            "name": "Sale",
            "text": "Hi {{ contact.first_name }}",
            "purpose": "marketing",
            "audience": "all",
            "schedule": "now",
        },
    )
    broadcast = SmsBroadcast.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/messages/sms/{broadcast.pk}/"
    assert client.post(f"/messages/sms/{broadcast.pk}/").status_code == 302
    assert SmsMessage.objects.get().status == "queued"
    page = client.get(f"/messages/sms/{broadcast.pk}/").content.decode()
    assert "SMS broadcast · Queued" in page and NUMBER in page
    assert "Queued 1 text; 0 skipped" in page  # the toast, in the singular
    listing = client.get("/messages/sms/").content.decode()
    assert f'href="/messages/sms/{broadcast.pk}/"' in listing
