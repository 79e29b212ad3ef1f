"""A lead who gave a phone number but no email address gets the instant auto-reply as a
text (issue 12: "SMS through a provider interface"), through the messaging domain's SMS,
once per lead. The person asked for it by submitting: a service message (purpose
``service``, its consent recorded from the request), sent without marketing consent but
never to a number that texted STOP; an imported (CSV) lead asked for nothing and is
texted only with its SMS marketing consent. A lead with an email address gets the email,
not a text."""

from datetime import UTC, datetime

import pytest

from pacer.core import feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.auto_reply import AUTO_REPLY_TEXT
from pacer.leads.models import Lead, Notice
from pacer.messaging import sms
from pacer.messaging.models import SmsMessage
from pacer.people.models import Consent
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
AGREED = {"purpose": "marketing", "channel": "sms", "granted": True, "wording": "Text me"}


def _phone_lead(workspace, clock_at, n: int, source="form", **data) -> Lead:
    clock_at(ARRIVED)
    actions.capture(
        workspace,
        {"phone": f"+44770090000{n}", "location": "north", "submission_id": f"t{n}"} | data,
        source=source,
        received_at=ARRIVED,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    return Lead.objects.get(contact__phone=f"+44770090000{n}")


def _texts(lead) -> list[tuple]:
    return list(
        SmsMessage.objects.filter(contact_id=lead.contact_id).values_list(
            "key", "to_number", "text", "purpose", "status", "reason"
        )
    )


def test_a_phone_only_lead_is_texted_once_as_a_service_message(workspace, north, clock_at):
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    agreed = _phone_lead(workspace, clock_at, 1, consents=[AGREED])
    key = f"send:lead-auto-reply:{agreed.pk}"
    assert _texts(agreed) == [(key, "+447700900001", AUTO_REPLY_TEXT, "service", "queued", "")]
    again = _phone_lead(workspace, clock_at, 1, consents=[AGREED])  # the same submission
    assert again.pk == agreed.pk and len(_texts(agreed)) == 1
    # no consent to marketing texts: the reply they asked for still goes, and why is kept
    asked = _phone_lead(workspace, clock_at, 2)
    assert _texts(asked) == [
        (
            f"send:lead-auto-reply:{asked.pk}",
            "+447700900002",
            AUTO_REPLY_TEXT,
            "service",
            "queued",
            "",
        )
    ]
    (consent,) = Consent.objects.filter(contact_id=asked.contact_id)
    assert (consent.channel, consent.purpose, consent.granted, consent.source) == (
        "sms",
        "service",
        True,
        "lead-request",
    )
    assert consent.wording == (
        f"Asked to be contacted: submitted their details (form) with this phone number "
        f"(lead {asked.pk})"
    )
    assert consent.recorded_at == ARRIVED
    assert not Consent.objects.filter(contact_id=asked.contact_id, purpose="marketing").exists()
    emailed = lead_at(workspace, ARRIVED, clock_at, 3, phone="+447700900003")
    assert _texts(emailed) == []  # an email address: the email auto-reply only
    assert Notice.objects.filter(lead=emailed, key="auto-reply").count() == 1
    assert not Notice.objects.filter(lead__in=[agreed, asked], key="auto-reply").exists()


def test_a_number_that_texted_stop_gets_no_auto_reply(workspace, north, clock_at):
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    clock_at(ARRIVED)
    sms.receive_sms(
        workspace,
        provider_id="in-1",
        from_number="+447700900004",
        to_number="+447700900999",
        body="STOP",
    )
    stopped = _phone_lead(workspace, clock_at, 4)
    assert _texts(stopped) == [
        (
            f"send:lead-auto-reply:{stopped.pk}",
            "+447700900004",
            AUTO_REPLY_TEXT,
            "service",
            "skipped",
            "the number texted STOP",
        )
    ]


def test_an_imported_lead_is_texted_only_with_marketing_consent(workspace, north, clock_at):
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    silent = _phone_lead(workspace, clock_at, 5, source="csv")
    assert _texts(silent) == [
        (
            f"send:lead-auto-reply:{silent.pk}",
            "+447700900005",
            AUTO_REPLY_TEXT,
            "marketing",
            "skipped",
            "no SMS consent for marketing",
        )
    ]
    assert not Consent.objects.filter(contact_id=silent.contact_id).exists()
