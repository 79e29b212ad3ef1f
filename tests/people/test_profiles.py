"""What activity does to a profile (pacer.people.profiles), driven through ingestion:
consent decisions, identify traits, seen times and acquisition. The merge rules are in
test_resolution.py."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from pacer.ingest.actions import ingest
from pacer.ingest.models import Event
from pacer.people.models import Consent, Contact

pytestmark = pytest.mark.django_db

CHANNELS = "direct_mail, email, phone, push, sms, whatsapp"


def consent_message(properties: dict, message_id: str = "c-1") -> dict:
    return {
        "type": "track",
        "messageId": message_id,
        "userId": "u-1",
        "event": "Consent Updated",
        "timestamp": "2026-03-01T10:00:00Z",
        "properties": properties,
    }


def send(workspace, *messages):
    return ingest(workspace, list(messages), received_at=timezone.now())


# --- consent decisions ------------------------------------------------------------


CHANNEL = f"properties.channel: must be one of {CHANNELS}"
PURPOSE = "properties.purpose: is required (e.g. 'marketing')"
GRANTED = "properties.granted: must be true or false"


@pytest.mark.parametrize(
    ("properties", "error"),
    [
        ({"channel": "fax", "purpose": "m", "granted": True}, CHANNEL),
        ({"purpose": "m", "granted": True}, CHANNEL),
        ({"channel": "email", "granted": True}, PURPOSE),
        ({"channel": "email", "purpose": " \t", "granted": True}, PURPOSE),
        ({"channel": "email", "purpose": 7, "granted": True}, PURPOSE),
        ({"channel": "email", "purpose": "m"}, GRANTED),
        ({"channel": "email", "purpose": "m", "granted": 1}, GRANTED),
    ],
)
def test_a_consent_decision_names_the_field_it_lacks_and_writes_nothing(
    workspace, properties, error
):
    (result,) = send(workspace, consent_message(properties))
    assert (result.status, result.error) == ("rejected", error)
    assert not Event.objects.exists() and not Consent.objects.exists()
    assert not Contact.objects.exists()


def test_a_consent_decision_keeps_a_trimmed_purpose_of_at_most_60_characters(workspace):
    send(
        workspace,
        consent_message({"channel": "sms", "purpose": "  " + "p" * 61, "granted": False}),
        consent_message({"channel": "push", "purpose": " news ", "granted": True}, "c-2"),
    )
    purposes = dict(Consent.objects.values_list("channel", "purpose"))
    assert purposes == {"sms": "p" * 60, "push": "news"}


def test_a_consent_decision_without_source_or_wording_comes_from_segment(workspace):
    (result,) = send(
        workspace, consent_message({"channel": "email", "purpose": "m", "granted": True})
    )
    assert result.status == "accepted"
    consent = Consent.objects.get()
    assert (consent.source, consent.wording, consent.granted) == ("segment", "", True)
    assert consent.recorded_at == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_a_consent_decision_keeps_at_most_100_characters_of_its_source(workspace):
    properties = {"channel": "email", "purpose": "m", "granted": True, "source": "s" * 101}
    send(workspace, consent_message({**properties, "wording": "Yes please"}))
    consent = Consent.objects.get()
    assert (consent.source, consent.wording) == ("s" * 100, "Yes please")
