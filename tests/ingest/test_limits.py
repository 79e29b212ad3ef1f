"""Messages that storage cannot hold are refused one by one, with the field and the reason.

Each case posts one hostile message beside a good one: the hostile one is rejected and
writes nothing, the good one is accepted, processed, and the contact pages still answer.
"""

from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from django.test import Client

from pacer.ingest.models import Event
from pacer.people.models import Contact, Order, Product
from tests.ingest.test_tracking_api import ORDER, PAGE

pytestmark = pytest.mark.django_db
GOOD = {**PAGE, "messageId": "good"}


def _order(**properties):
    return {**ORDER, "messageId": "hostile", "properties": {**ORDER["properties"], **properties}}


def _post_raw(tracker, body: bytes):
    return tracker.post("/v1/batch", body)


def _assert_only_good_stored(response, reason_start: str):
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["status"] == "rejected", results
    assert results[0]["error"].startswith(reason_start), results[0]["error"]
    assert results[1] == {"messageId": "good", "status": "accepted"}
    assert list(Event.objects.values_list("message_id", "pending")) == [("good", False)]
    assert Order.objects.count() == 0 and Product.objects.count() == 0


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (_order(total=1_000_000_000_000), "properties.total: must be at most 9,999,999,999.99"),
        (_order(total=1e30), "properties.total: must be at most"),
        (_order(total="1e999999999"), "properties.total: must be at most"),
        (_order(total="NaN"), "properties.total: must be a finite number"),
        (_order(discount=1e13), "properties.discount: must be at most"),
        (
            _order(products=[{"sku": "s", "price": 1e300}]),
            "properties.products[0].price: must be at most",
        ),
        (
            _order(total=None, products=[{"sku": "s", "price": 9e9, "quantity": 2}]),
            "properties.products: add up to more than 9,999,999,999.99",
        ),
        (
            _order(products=[{"sku": "s", "price": 1, "quantity": 2**40}]),
            "properties.products[0].quantity: must be a whole number from 1 to 1,000,000",
        ),
        (_order(total={"a": 1}), "properties.total: must be a number"),
        (
            {**PAGE, "messageId": "hostile", "name": "Ho\x00me"},
            "name: contains a NUL character",
        ),
        (
            {**PAGE, "messageId": "hostile", "userId": "u\x00"},
            "userId: contains a NUL character",
        ),
        (
            {**PAGE, "messageId": "hostile", "properties": {"title": {"deep": ["a", "b\x00"]}}},
            "properties.title.deep[1]: contains a NUL character",
        ),
        (
            {**PAGE, "messageId": "hostile", "context": {"page": {"ti\x00tle": "x"}}},
            "context.page.ti\\x00tle: is a key that contains a NUL character",
        ),
        (
            {"type": "identify", "messageId": "hostile", "userId": "u", "traits": {"a": "\x00"}},
            "traits.a: contains a NUL character",
        ),
        (
            {**PAGE, "messageId": "hostile", "timestamp": "0001-01-01T00:00:00Z"},
            "timestamp: must fall between 1970-01-01 and 2100-01-01",
        ),
        (
            {**PAGE, "messageId": "hostile", "timestamp": "9999-12-31T23:59:59-01:00"},
            "timestamp: '9999-12-31T23:59:59-01:00' is out of range",
        ),
        (
            {
                **PAGE,
                "messageId": "hostile",
                "timestamp": None,
                "sentAt": "0001-01-01T00:00:00Z",
                "originalTimestamp": "9999-12-31T23:59:59Z",
            },
            "sentAt: with originalTimestamp, puts the event outside",
        ),
        (
            {**PAGE, "messageId": "hostile", "timestamp": None, "originalTimestamp": "1969-07-20"},
            "originalTimestamp: must fall between",
        ),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else None,
)
def test_a_message_storage_cannot_hold_is_rejected_alone(tracker, message, reason):
    response = tracker.batch([message, GOOD])
    _assert_only_good_stored(response, reason)


def _nested(depth: int):
    value = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def test_nesting_is_refused_past_64_levels_and_accepted_up_to_it(tracker):
    # properties itself is level 1
    deep = {**PAGE, "messageId": "hostile", "properties": _nested(65)}
    response = tracker.batch([deep, GOOD])
    _assert_only_good_stored(response, "properties.k.k.k")
    assert "is nested more than 64 levels deep" in response.json()["results"][0]["error"]
    fine = {**PAGE, "messageId": "fine", "properties": _nested(64)}
    assert tracker.batch([fine]).json()["accepted"] == 1


@pytest.mark.parametrize(
    ("raw_message", "reason"),
    [
        # orjson refuses these for the whole body; each is refused alone instead
        (b'"name": "Caf\\ud800"', "name: contains an unpaired UTF-16 surrogate"),
        (b'"properties": {"x": "\\udc00"}', "properties.x: contains an unpaired UTF-16 surrogate"),
        (b'"properties": {"x": NaN}', "properties.x: must be a finite number"),
        (b'"properties": {"x": -Infinity}', "properties.x: must be a finite number"),
        (b'"properties": {"x": 1e400}', "properties.x: must be a finite number"),
        (b'"properties": {"x": ' + b"9" * 5000 + b"}", "properties.x: is an integer outside"),
        (b'"properties": {"x": "\xff\xfe"}', "properties.x: contains an unpaired UTF-16"),
        (b'"userId": "u\\ud800", "name": "\\u0000"', "userId: contains an unpaired UTF-16"),
    ],
)
def test_invalid_unicode_and_numbers_reject_only_their_message(tracker, raw_message, reason):
    hostile = b'{"type": "page", "anonymousId": "a", "messageId": "hostile", ' + raw_message + b"}"
    body = b'{"batch": [' + hostile + b", " + orjson.dumps(GOOD) + b"]}"
    response = _post_raw(tracker, body)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["error"].startswith(reason), results
    assert results[1]["status"] == "accepted"
    assert list(Event.objects.values_list("message_id", flat=True)) == ["good"]


def test_a_rejected_message_id_that_is_not_valid_unicode_is_echoed_safely(tracker):
    body = b'{"batch": [{"type": "page", "messageId": "m\\ud800", "anonymousId": "a\\u0000"}]}'
    response = _post_raw(tracker, body)
    assert response.status_code == 200
    assert response.json()["results"][0]["messageId"] == "m?"


def test_a_bad_batch_sent_at_rejects_only_the_messages_that_need_it(tracker):
    needs_it = {**PAGE, "messageId": "skewed", "timestamp": None, "originalTimestamp": "2026-03-01"}
    response = tracker.batch([needs_it, GOOD], sentAt="yesterday")
    results = response.json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["error"].startswith("sentAt:")
    assert results[1]["status"] == "accepted"


def test_an_explicit_timestamp_is_kept_when_sent_at_and_original_timestamp_come_too(tracker):
    backfill = {
        **PAGE,
        "messageId": "backfill",
        "timestamp": "2025-06-01T12:00:00Z",
        "originalTimestamp": "2026-03-01T10:00:00Z",
        "sentAt": "2026-03-01T10:00:30Z",
    }
    tracker.batch([backfill])
    event = Event.objects.get(message_id="backfill")
    assert event.timestamp == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert Contact.objects.get().first_seen_at == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_profile_values_are_cut_to_their_columns_after_normalising(tracker):
    tracker.batch(
        [
            {
                "type": "identify",
                "messageId": "long",
                "userId": "u",
                "traits": {"email": "\u0130" * 254, "phone": "1" * 100, "firstName": "x" * 300},
            },
            {
                "type": "track",
                "messageId": "eszett",
                "userId": "u",
                "event": "Order Completed",
                "properties": {"order_id": "o", "total": 1, "currency": "ßßß"},
            },
        ]
    )
    contact = Contact.objects.get()
    # "İ".lower() is two characters: lower-casing first, then cutting, keeps it in 254
    assert len(contact.email) == 254 and len(contact.phone) == 40
    assert len(contact.first_name) == 100
    assert Order.objects.get().currency == "SSS"
    assert not Event.objects.filter(pending=True).exists()


def test_the_largest_order_accepted_is_stored_and_read_back_exactly(tracker, admin):
    order = _order(total="9999999999.99", products=[{"sku": "s", "price": "9999999999.99"}])
    assert tracker.batch([order]).json()["accepted"] == 1
    assert Order.objects.get().total == Decimal("9999999999.99")
    assert Contact.objects.get().revenue == Decimal("9999999999.99")
    _assert_contact_surfaces_answer(admin)


def _assert_contact_surfaces_answer(admin) -> None:
    """The contacts page, the contacts API and the CSV export all answer 200."""
    from pacer.core.actions import issue_api_key

    client = Client()
    client.force_login(admin)
    assert client.get("/contacts/").status_code == 200
    export = client.get("/contacts/export.csv")
    assert export.status_code == 200
    b"".join(export.streaming_content)
    workspace = admin.memberships.get().workspace
    _, token = issue_api_key(workspace, "personal", "t", user=admin)
    api = client.get("/api/people/contacts?limit=500", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200, api.content


def test_content_length_that_is_not_a_number_is_refused(tracker):
    auth = tracker.auth
    response = Client().generic(
        "POST",
        "/v1/batch",
        orjson.dumps({"batch": [GOOD]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        CONTENT_LENGTH="12abc",
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Content-Length"
    assert Event.objects.count() == 0


def test_write_key_that_is_not_text_is_refused_as_unknown(db, client, workspace):
    good = orjson.dumps(GOOD)
    for key in (b'{"a": 1}', b'"' + b"k" * 500 + b'"', b'"\\ud800"', b'"k\\u0000"'):
        body = b'{"writeKey": ' + key + b', "batch": [' + good + b"]}"
        response = client.post("/v1/batch", body, content_type="application/json")
        assert response.status_code == 401, (key, response.content)
    assert Event.objects.count() == 0
