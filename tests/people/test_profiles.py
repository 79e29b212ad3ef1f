"""What activity does to a profile (pacer.people.profiles), driven through ingestion:
consent decisions, identify traits, seen times and acquisition. The merge rules are in
test_resolution.py."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pacer.ingest.actions import ingest
from pacer.ingest.models import Event
from pacer.people.models import Account, Consent, Contact, Identity, Order, OrderLine, Product

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


# --- orders and products met again ------------------------------------------------


def order_message(message_id: str, order_id: str, sku: str, *, when: str) -> dict:
    return {
        "type": "track",
        "messageId": message_id,
        "userId": "u-1",
        "event": "Order Completed",
        "timestamp": when,
        "properties": {
            "order_id": order_id,
            "total": 10,
            "products": [{"sku": sku, "name": "Mug", "price": 10}],
        },
    }


def test_an_order_sent_again_in_a_later_batch_is_recorded_once(workspace):
    send(workspace, order_message("m-1", "o-1", "mug", when="2026-03-01T10:00:00Z"))
    (result,) = send(workspace, order_message("m-2", "o-1", "mug", when="2026-03-02T10:00:00Z"))

    assert result.status == "accepted"
    assert list(Order.objects.values_list("external_id", flat=True)) == ["o-1"]
    person = Contact.objects.get()
    assert (person.order_count, person.revenue) == (1, Decimal("10.00"))
    processed = Event.objects.filter(pending=False, quarantined_at=None)
    assert processed.count() == 2  # the repeat is processed too, not set aside


def test_a_product_bought_again_in_a_later_batch_is_the_same_product(workspace):
    send(workspace, order_message("m-1", "o-1", "mug", when="2026-03-01T10:00:00Z"))
    send(workspace, order_message("m-2", "o-2", "mug", when="2026-03-02T10:00:00Z"))

    (mug,) = Product.objects.all()
    assert sorted(OrderLine.objects.values_list("order__external_id", "product")) == [
        ("o-1", mug.pk),
        ("o-2", mug.pk),
    ]
    assert Contact.objects.get().order_count == 2


# --- identify: stage and identifiers ----------------------------------------------


def visit(kind: str, message_id: str, when: str, **fields) -> dict:
    return {
        "type": kind,
        "messageId": message_id,
        "anonymousId": "a-1",
        "timestamp": when,
        **fields,
    }


def test_a_visitor_who_gives_an_email_becomes_a_lead_from_then(workspace):
    send(workspace, visit("page", "m-1", "2026-03-01T10:00:00Z"))
    assert Contact.objects.get().lifecycle_stage == ""

    send(workspace, visit("identify", "m-2", "2026-03-02T10:00:00Z", traits={"email": "a@x.com"}))

    person = Contact.objects.get()
    assert (person.lifecycle_stage, person.lead_at) == (
        "lead",
        datetime(2026, 3, 2, 10, tzinfo=UTC),
    )


def test_a_visitor_identified_without_an_email_is_a_subscriber_until_one_comes(workspace):
    send(workspace, visit("identify", "m-1", "2026-03-01T10:00:00Z", traits={"firstName": "Al"}))
    assert Contact.objects.get().lifecycle_stage == "subscriber"
    send(workspace, visit("identify", "m-2", "2026-03-03T10:00:00Z", traits={"email": "a@x.com"}))
    person = Contact.objects.get()
    assert (person.lifecycle_stage, person.lead_at) == (
        "lead",
        datetime(2026, 3, 3, 10, tzinfo=UTC),
    )


def test_a_groups_traits_are_the_companys_not_the_persons_identifiers(workspace):
    company = {"name": "Acme", "email": "billing@acme.test", "phone": "+1 555 010 0100"}
    send(
        workspace,
        {
            "type": "group",
            "messageId": "g-1",
            "userId": "u-1",
            "groupId": "acme",
            "traits": company,
        },
        {
            "type": "group",
            "messageId": "g-2",
            "userId": "u-2",
            "groupId": "acme",
            "traits": company,
        },
    )
    assert Contact.objects.count() == 2
    assert sorted(Identity.objects.values_list("kind", flat=True)) == ["user_id", "user_id"]
    assert {c.email for c in Contact.objects.all()} == {""}


def test_a_long_email_is_the_same_identifier_as_the_email_on_the_profile(workspace):
    email = "a" * 300 + "@x.com"
    send(workspace, visit("identify", "m-1", "2026-03-01T10:00:00Z", traits={"email": email}))
    person = Contact.objects.get()
    assert len(person.email) == 254
    assert Identity.objects.get(kind="email").value == person.email


# --- companies (group calls) ------------------------------------------------------


def group(message_id: str, user_id: str, group_id: str, traits: dict | None = None) -> dict:
    message = {"type": "group", "messageId": message_id, "userId": user_id, "groupId": group_id}
    return message if traits is None else {**message, "traits": traits}


def test_a_company_keeps_a_200_character_name_and_gathers_its_traits_across_batches(workspace):
    long_name = "N" * 250
    send(workspace, group("g-1", "u-1", "acme", {"name": long_name, "tier": "gold"}))
    send(workspace, group("g-2", "u-2", "acme", {"seats": 5, "tier": "platinum"}))
    send(workspace, group("g-3", "u-3", "acme"), group("g-4", "u-3", "beta", {"name": ""}))

    acme, beta = Account.objects.order_by("group_id")
    assert (acme.group_id, acme.name) == ("acme", "N" * 200)
    assert acme.traits == {"name": long_name, "tier": "platinum", "seats": 5}
    assert (beta.group_id, beta.name, beta.traits) == ("beta", "", {"name": ""})
    accounts = dict(
        Contact.objects.values_list("identities__value", "account__group_id").filter(
            identities__kind="user_id"
        )
    )
    assert accounts == {"u-1": "acme", "u-2": "acme", "u-3": "beta"}
