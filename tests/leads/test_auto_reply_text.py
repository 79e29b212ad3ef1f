"""A lead who gave a phone number but no email address gets the instant auto-reply as a
text (issue 12: "SMS through a provider interface"), through the messaging domain's SMS:
queued once per lead with their SMS consent from the form, skipped with the reason
without it; a lead with an email address gets the email, not a text."""

from datetime import UTC, datetime

import pytest

from pacer.core import feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.followup import AUTO_REPLY_TEXT
from pacer.leads.models import Lead, Notice
from pacer.messaging.models import SmsMessage
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
AGREED = {"purpose": "marketing", "channel": "sms", "granted": True, "wording": "Text me"}


def _phone_lead(workspace, clock_at, n: int, **data) -> Lead:
    clock_at(ARRIVED)
    actions.capture(
        workspace,
        {"phone": f"+44770090000{n}", "location": "north", "submission_id": f"t{n}"} | data,
        source="form",
        received_at=ARRIVED,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    return Lead.objects.get(contact__phone=f"+44770090000{n}")


def _texts(lead) -> list[tuple]:
    return list(
        SmsMessage.objects.filter(contact_id=lead.contact_id).values_list(
            "key", "to_number", "text", "status", "reason"
        )
    )


def test_a_phone_only_lead_is_texted_once_with_consent_and_never_without(
    workspace, north, clock_at
):
    agent(workspace, member(workspace, "ann"), north, max_open=10)
    agreed = _phone_lead(workspace, clock_at, 1, consents=[AGREED])
    assert _texts(agreed) == [
        (f"send:lead-auto-reply:{agreed.pk}", "+447700900001", AUTO_REPLY_TEXT, "queued", "")
    ]
    again = _phone_lead(workspace, clock_at, 1, consents=[AGREED])  # the same submission
    assert again.pk == agreed.pk and len(_texts(agreed)) == 1
    silent = _phone_lead(workspace, clock_at, 2)  # no consent to texts
    assert _texts(silent) == [
        (
            f"send:lead-auto-reply:{silent.pk}",
            "+447700900002",
            AUTO_REPLY_TEXT,
            "skipped",
            "no SMS consent for marketing",
        )
    ]
    emailed = lead_at(workspace, ARRIVED, clock_at, 3, phone="+447700900003")
    assert _texts(emailed) == []  # an email address: the email auto-reply only
    assert Notice.objects.filter(lead=emailed, key="auto-reply").count() == 1
    assert not Notice.objects.filter(lead__in=[agreed, silent], key="auto-reply").exists()
