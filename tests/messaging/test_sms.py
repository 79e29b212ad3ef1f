"""SMS keywords (CTIA): STOP and its synonyms withdraw the contact's SMS consent and stop
the number, START/UNSTOP grant it again, HELP is answered with the workspace's help
text; each inbound text is handled once per provider message id and its reply sent once
(through the SMS provider: the outbox folder here); no text for a purpose goes to a
stopped number afterwards."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.models import ChangeBatch
from pacer.messaging import rules, sms
from pacer.messaging.models import InboundSms, MessageStatus, SmsMessage, SuppressedNumber
from pacer.people import selectors as people
from pacer.people.models import Consent, Contact, Identity
from tests.messaging.test_api import bearer

pytestmark = pytest.mark.django_db

NUMBER, OURS = "+15550100199", "+15550009999"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.LEAD_SMS_URL = ""
    settings.LEAD_SMS_OUTBOX = tmp_path / "sms"
    return tmp_path / "sms"


def sent(outbox) -> list[dict]:
    """What the provider was handed, oldest first."""
    if not outbox.exists():
        return []
    files = sorted(outbox.glob("*.json"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [json.loads(path.read_text()) for path in files]


def texter(workspace, purposes=("marketing",)):
    """A contact with NUMBER as phone identity and SMS consent for ``purposes``."""
    ada = Contact.objects.create(workspace=workspace, email="ada@x.test", phone=NUMBER)
    Identity.objects.create(workspace=workspace, contact=ada, kind="phone", value=NUMBER)
    for purpose in purposes:
        Consent.objects.create(
            workspace=workspace,
            contact=ada,
            channel="sms",
            purpose=purpose,
            granted=True,
            source="form",
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return ada


def text_in(workspace, body, provider_id, number=NUMBER):
    return sms.receive_sms(
        workspace, provider_id=provider_id, from_number=number, to_number=OURS, body=body
    )


def sms_decisions(contact) -> list[tuple]:
    rows = Consent.objects.filter(contact=contact, channel="sms").order_by("recorded_at", "id")
    return list(rows.values_list("purpose", "granted", "source"))


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "stop"),
        ("  stop\n", "stop"),
        ("StopAll", "stop"),
        ("unsubscribe", "stop"),
        ("Cancel", "stop"),
        ("END", "stop"),
        ("quit", "stop"),
        ("start", "start"),
        ("UNSTOP", "start"),
        ("Help", "help"),
        ("stop please", ""),
        ("STOP!", ""),
        ("", ""),
        ("hello", ""),
    ],
)
def test_keywords_are_the_whole_trimmed_body_in_any_case(body, keyword):
    assert sms.keyword_of(body) == keyword


def test_stop_withdraws_every_granted_sms_purpose_suppresses_and_confirms_once(
    workspace, outbox, django_capture_on_commit_callbacks
):
    ada = texter(workspace, purposes=("marketing", "reminders"))
    with django_capture_on_commit_callbacks(execute=True):
        inbound, new = text_in(workspace, " Stop ", "SM1")

    assert new and inbound.keyword == "stop" and inbound.contact_id == ada.pk
    assert inbound.purposes == ["marketing", "reminders"]
    assert sms_decisions(ada)[2:] == [
        ("marketing", False, "sms-keyword"),
        ("reminders", False, "sms-keyword"),
    ]
    assert people.current_consent(workspace, ada.pk) == {
        ("sms", "marketing"): False,
        ("sms", "reminders"): False,
    }
    assert list(SuppressedNumber.objects.values_list("number", flat=True)) == [NUMBER]
    assert ChangeBatch.objects.filter(source="people.consent", contact_ids=[ada.pk]).count() == 2
    stop_text = rules.settings_of(workspace).sms_stop_text
    assert sent(outbox) == [{"to": NUMBER, "text": stop_text, "key": sent(outbox)[0]["key"]}]
    reply = SmsMessage.objects.get(key=f"reply:{inbound.pk}")
    assert reply.status == MessageStatus.SENT

    # the provider retries the same text: nothing more is done or sent
    with django_capture_on_commit_callbacks(execute=True):
        again, new = text_in(workspace, " Stop ", "SM1")
    sms.deliver_sms()
    assert (again.pk, new) == (inbound.pk, False)
    assert len(sms_decisions(ada)) == 4 and len(sent(outbox)) == 1


def test_no_text_for_a_purpose_goes_to_a_stopped_number(
    workspace, outbox, django_capture_on_commit_callbacks
):
    ada = texter(workspace)
    before = sms.send_sms(workspace, contact_id=ada.pk, text="Sale!", key="sale-1")
    assert before.status == MessageStatus.QUEUED  # queued, then STOP arrives before it goes
    with django_capture_on_commit_callbacks(execute=True):
        text_in(workspace, "STOP", "SM1")
    after = sms.send_sms(workspace, contact_id=ada.pk, text="Sale 2!", key="sale-2")
    sms.deliver_sms()

    before.refresh_from_db()
    assert (before.status, before.reason) == ("skipped", "the number texted STOP (at send time)")
    assert (after.status, after.reason) == ("skipped", "the number texted STOP")
    assert [t["text"] for t in sent(outbox)] == [rules.settings_of(workspace).sms_stop_text]
    # a text with no keyword from the stopped number gets no answer either
    with django_capture_on_commit_callbacks(execute=True):
        chatter, _ = text_in(workspace, "who is this?", "SM2")
    assert chatter.outcome == f"no keyword; nothing done; contact {ada.pk}"
    assert len(sent(outbox)) == 1


def test_start_grants_again_what_the_last_stop_withdrew(
    workspace, outbox, django_capture_on_commit_callbacks
):
    ada = texter(workspace, purposes=("marketing", "reminders"))
    with django_capture_on_commit_callbacks(execute=True):
        text_in(workspace, "STOP", "SM1")
        started, _ = text_in(workspace, "unstop", "SM2")

    assert started.keyword == "start" and started.purposes == ["marketing", "reminders"]
    assert people.current_consent(workspace, ada.pk) == {
        ("sms", "marketing"): True,
        ("sms", "reminders"): True,
    }
    assert not SuppressedNumber.objects.exists()
    texts = rules.settings_of(workspace)
    assert [t["text"] for t in sent(outbox)] == [texts.sms_stop_text, texts.sms_start_text]
    again = sms.send_sms(workspace, contact_id=ada.pk, text="Welcome back", key="back")
    assert again.status == MessageStatus.QUEUED


def test_help_is_answered_with_the_workspaces_text_once_per_inbound_id(
    workspace, outbox, django_capture_on_commit_callbacks
):
    ada = texter(workspace)
    rules.save_settings(
        workspace,
        time_zone="UTC",
        cap_count=0,
        cap_days=7,
        sms_help_text="Acme Shoes: help at acme.test/help. Reply STOP to opt out.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        helped, _ = text_in(workspace, "help", "SM1")
        text_in(workspace, "help", "SM1")  # the provider's retry
        text_in(workspace, "STOP", "SM2")
        text_in(workspace, "HELP", "SM3")  # answered even when stopped
    sms.deliver_sms()

    assert helped.outcome == f"help text sent; contact {ada.pk}"
    texts = [t["text"] for t in sent(outbox)]
    help_text = "Acme Shoes: help at acme.test/help. Reply STOP to opt out."
    assert texts == [help_text, rules.settings_of(workspace).sms_stop_text, help_text]
    assert SmsMessage.objects.filter(key__startswith="reply:").count() == 3
    assert people.current_consent(workspace, ada.pk) == {("sms", "marketing"): False}


def test_stop_from_an_unknown_number_still_stops_it(
    workspace, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound, _ = text_in(workspace, "STOP", "SM1", number="+1 (555) 010-0777")
    assert inbound.contact_id is None and inbound.purposes == []
    assert inbound.outcome == (
        "stopped: number suppressed; no contact has this number; SMS consent withdrawn: none"
    )
    assert sms.stopped(workspace, "+15550100777")
    assert not Consent.objects.exists()
    assert [t["to"] for t in sent(outbox)] == ["+15550100777"]


def test_a_refused_reply_stays_queued_and_is_sent_by_the_loop_after_a_wait(
    workspace, outbox, settings, now
):
    texter(workspace)
    settings.LEAD_SMS_URL = "http://127.0.0.1:9/"  # refused by the outbound guard
    inbound, _ = text_in(workspace, "HELP", "SM1")
    assert sms.deliver_sms() == 0
    reply = SmsMessage.objects.get(key=f"reply:{inbound.pk}")
    assert (reply.status, reply.attempts) == ("queued", 1) and reply.reason
    assert reply.claimed_until == now["at"] + timedelta(seconds=15)
    settings.LEAD_SMS_URL = ""
    assert sms.deliver_sms() == 0  # not before its wait
    now["at"] += timedelta(seconds=16)
    assert sms.deliver_sms() == 1
    reply.refresh_from_db()
    assert reply.status == "sent" and len(sent(outbox)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider_id": ""}, "provider_id"),
        ({"from_number": "12"}, "from"),
        ({"from_number": None}, "from"),
        ({"to_number": "x" * 41}, "to"),
        ({"body": "a\x00"}, "body"),
        ({"body": "x" * 1601}, "body"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_done(
    workspace, outbox, change, field
):
    ada = texter(workspace)
    arguments = {"provider_id": "SM1", "from_number": NUMBER, "to_number": OURS, "body": "STOP"}
    with pytest.raises(Exception) as refused:
        sms.receive_sms(workspace, **(arguments | change))
    assert list(refused.value.errors) == [field]
    assert not InboundSms.objects.exists() and not SuppressedNumber.objects.exists()
    assert len(sms_decisions(ada)) == 1 and not SmsMessage.objects.exists()


def test_the_rest_api_handles_a_text_once_and_is_gated(
    client, workspace, outbox, django_capture_on_commit_callbacks
):
    ada = texter(workspace)
    body = {"from": NUMBER, "to": OURS, "body": "STOP", "provider_message_id": "SM9"}

    def post(headers, payload=body):
        return client.post(
            "/api/messaging/inbound-sms", payload, content_type="application/json", **headers
        )

    marketer = bearer(workspace, "marketer")
    with django_capture_on_commit_callbacks(execute=True):
        first = post(marketer)
    assert first.status_code == 200, first.content
    assert first.json() == {
        "new": True,
        "keyword": "stop",
        "contact_id": ada.pk,
        "outcome": f"stopped: number suppressed; contact {ada.pk}; SMS consent withdrawn: "
        "marketing",
        "reply_status": "queued",  # sent once the request's transaction committed
    }
    assert post(marketer).json()["new"] is False
    assert len(sent(outbox)) == 1
    refused = post(marketer, body | {"from": "12"})
    assert refused.status_code == 422 and "from" in json.dumps(refused.json())
    assert post(bearer(workspace, "staff")).status_code == 403
    assert InboundSms.objects.count() == 1
