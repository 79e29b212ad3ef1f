"""The Segment-compatible HTTP API, driven with real Segment-spec payloads."""

import gzip
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest

from pacer.ingest.models import Event
from pacer.people.models import Consent, Contact, Identity, Order, OrderLine

pytestmark = pytest.mark.django_db

PAGE = {
    "type": "page",
    "messageId": "ajs-page-1",
    "anonymousId": "anon-1",
    "name": "Home",
    "properties": {
        "title": "Home",
        "url": "https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=brand",
    },
    "context": {
        "page": {
            "url": "https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=brand",
            "referrer": "https://www.google.com/",
        },
        "library": {"name": "analytics.js", "version": "2.11.1"},
    },
    "timestamp": "2026-03-01T10:00:00.000Z",
}
IDENTIFY = {
    "type": "identify",
    "messageId": "ajs-identify-1",
    "anonymousId": "anon-1",
    "userId": "u-42",
    "traits": {
        "email": "Ada@Example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "plan": "gold",
    },
    "timestamp": "2026-03-01T10:05:00.000Z",
}
ORDER = {
    "type": "track",
    "messageId": "ajs-order-1",
    "userId": "u-42",
    "event": "Order Completed",
    "properties": {
        "order_id": "50314b8e",
        "total": 27.50,
        "currency": "USD",
        "products": [
            {
                "product_id": "507f1f77",
                "sku": "45790-32",
                "name": "Monopoly",
                "price": 19.0,
                "quantity": 1,
            },
            {
                "product_id": "505bd76785",
                "sku": "46493-32",
                "name": "Uno",
                "price": 3.75,
                "quantity": 2,
            },
        ],
    },
    "timestamp": "2026-03-02T09:00:00.000Z",
}


def test_batch_of_every_call_type_is_stored_and_resolved_to_one_person(tracker):
    messages = [
        PAGE,
        IDENTIFY,
        ORDER,
        {"type": "screen", "messageId": "m-screen", "userId": "u-42", "name": "Cart"},
        {
            "type": "group",
            "messageId": "m-group",
            "userId": "u-42",
            "groupId": "acct-9",
            "traits": {"name": "Analytical Engines Ltd", "employees": 12},
        },
        {"type": "alias", "messageId": "m-alias", "previousId": "anon-old", "userId": "u-42"},
    ]
    response = tracker.batch(messages)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 6 and body["rejected"] == 0 and body["duplicate"] == 0
    assert [r["status"] for r in body["results"]] == ["accepted"] * 6

    assert Contact.objects.count() == 1
    ada = Contact.objects.get()
    assert ada.email == "ada@example.com" and ada.first_name == "Ada"
    assert ada.traits == {"plan": "gold"}
    assert ada.lifecycle_stage == "customer"
    assert ada.order_count == 1 and ada.revenue == Decimal("27.50")
    assert ada.acquisition_channel == "paid_search" and ada.acquisition_campaign == "brand"
    assert ada.first_seen_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert ada.lead_at == datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    assert ada.customer_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert ada.account.group_id == "acct-9" and ada.account.name == "Analytical Engines Ltd"
    assert set(Identity.objects.values_list("kind", "value")) == {
        ("anonymous_id", "anon-1"),
        ("user_id", "u-42"),
        ("email", "ada@example.com"),
        ("anonymous_id", "anon-old"),
    }
    assert set(Event.objects.values_list("contact_id", flat=True)) == {ada.pk}
    order = Order.objects.get()
    assert order.external_id == "50314b8e" and order.total == Decimal("27.50")
    assert sorted(OrderLine.objects.values_list("sku", "quantity")) == [
        ("45790-32", 1),
        ("46493-32", 2),
    ]
    page = Event.objects.get(message_id="ajs-page-1")
    assert (page.channel, page.utm_source, page.utm_medium) == ("paid_search", "google", "cpc")


def test_single_call_endpoints_accept_segment_payloads(tracker):
    for path, payload in (("/v1/page", PAGE), ("/v1/identify", IDENTIFY), ("/v1/track", ORDER)):
        response = tracker.post(path, {k: v for k, v in payload.items() if k != "type"})
        assert response.status_code == 200, response.content
    assert Event.objects.count() == 3
    assert list(Event.objects.order_by("id").values_list("type", flat=True)) == [
        "page",
        "identify",
        "track",
    ]


def test_redelivered_messages_are_reported_duplicate_and_not_stored_twice(tracker):
    tracker.batch([PAGE, ORDER])
    response = tracker.batch([PAGE, ORDER, {**PAGE, "messageId": "ajs-page-2"}])
    assert [r["status"] for r in response.json()["results"]] == [
        "duplicate",
        "duplicate",
        "accepted",
    ]
    assert Event.objects.count() == 3
    assert Order.objects.count() == 1


def test_clock_skew_is_corrected_from_sent_at_and_original_timestamp(tracker):
    message = {
        "type": "track",
        "event": "Viewed",
        "messageId": "skew",
        "anonymousId": "a",
        "originalTimestamp": "2026-03-01T10:00:00Z",
        "sentAt": "2026-03-01T10:00:30Z",
    }
    before = datetime.now(UTC)
    tracker.batch([message])
    after = datetime.now(UTC)
    event = Event.objects.get(message_id="skew")
    # timestamp = receivedAt - (sentAt - originalTimestamp) = receivedAt - 30 s
    assert (event.received_at - event.timestamp).total_seconds() == pytest.approx(30, abs=1e-3)
    assert before <= event.received_at <= after


def test_batch_level_sent_at_applies_to_messages_without_their_own(tracker):
    message = {
        "type": "track",
        "event": "Viewed",
        "messageId": "skew2",
        "anonymousId": "a",
        "originalTimestamp": "2026-03-01T10:00:00Z",
    }
    tracker.batch([message], sentAt="2026-03-01T10:01:00Z")
    event = Event.objects.get(message_id="skew2")
    assert (event.received_at - event.timestamp).total_seconds() == pytest.approx(60, abs=1e-3)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"type": "track", "messageId": "x1", "userId": "u"}, "event: is required for track"),
        (
            {"type": "track", "messageId": "x2", "event": "E"},
            "userId: either userId or anonymousId",
        ),
        ({"type": "launch", "messageId": "x3", "userId": "u"}, "type: must be one of"),
        ({"type": "alias", "messageId": "x4", "userId": "u"}, "previousId: is required"),
        ({"type": "group", "messageId": "x5", "userId": "u"}, "groupId: is required"),
        (
            {"type": "page", "messageId": "x6", "userId": "u", "timestamp": "yesterday"},
            "timestamp: 'yesterday' is not",
        ),
        (
            {"type": "identify", "messageId": "x7", "userId": "u", "traits": ["a"]},
            "traits: must be a JSON object",
        ),
        (
            {
                "type": "track",
                "messageId": "x8",
                "userId": "u",
                "event": "Order Completed",
                "properties": {"order_id": "o", "total": -5},
            },
            "properties.total: must be a finite number",
        ),
        (
            {
                "type": "track",
                "messageId": "x9",
                "userId": "u",
                "event": "Consent Updated",
                "properties": {"channel": "email", "purpose": "marketing", "granted": "yes"},
            },
            "properties.granted: must be true or false",
        ),
    ],
)
def test_malformed_message_is_rejected_with_field_and_reason_and_writes_nothing(
    tracker, message, reason
):
    response = tracker.batch([message, {**PAGE, "messageId": "good"}])
    results = response.json()["results"]
    assert response.status_code == 200
    assert results[0]["status"] == "rejected" and results[0]["error"].startswith(reason)
    assert results[1]["status"] == "accepted"
    assert list(Event.objects.values_list("message_id", flat=True)) == ["good"]
    assert Order.objects.count() == 0 and Consent.objects.count() == 0
    assert set(Identity.objects.values_list("value", flat=True)) == {"anon-1"}


def test_single_call_with_bad_message_answers_400_with_reason(tracker):
    response = tracker.post("/v1/track", {"messageId": "y", "userId": "u"})
    assert response.status_code == 400
    assert response.json()["results"][0]["error"].startswith("event:")
    assert Event.objects.count() == 0


def test_batch_over_500kb_is_refused_with_413_and_nothing_stored(tracker):
    big = [{**PAGE, "messageId": f"m{i}", "properties": {"pad": "x" * 20_000}} for i in range(30)]
    response = tracker.batch(big)
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "body"
    assert "limit is 512000 bytes" in response.json()["error"]["reason"]
    assert Event.objects.count() == 0


def test_event_over_32kb_is_rejected_alone(tracker):
    oversized = {**PAGE, "messageId": "huge", "properties": {"pad": "x" * 40_000}}
    response = tracker.batch([oversized, PAGE])
    results = response.json()["results"]
    assert results[0] == {
        "messageId": "huge",
        "status": "rejected",
        "error": "message: larger than 32 KB",
    }
    assert results[1]["status"] == "accepted"
    assert list(Event.objects.values_list("message_id", flat=True)) == ["ajs-page-1"]


def test_single_event_over_32kb_gets_413(tracker):
    response = tracker.post("/v1/track", {**ORDER, "properties": {"pad": "x" * 40_000}})
    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_unknown_or_missing_write_key_is_401_and_nothing_stored(db, client, workspace):
    response = client.post(
        "/v1/batch", orjson.dumps({"batch": [PAGE]}), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["field"] == "Authorization"
    bad = client.post(
        "/v1/batch",
        orjson.dumps({"batch": [PAGE]}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic d3Jvbmc6",
    )  # "wrong:"
    assert bad.status_code == 401 and "unknown or revoked" in bad.json()["error"]["reason"]
    assert Event.objects.count() == 0


def test_write_key_in_body_works_like_basic_auth(db, client, write_key):
    response = client.post(
        "/v1/batch",
        orjson.dumps({"writeKey": write_key, "batch": [PAGE]}),
        content_type="application/json",
    )
    assert response.status_code == 200 and Event.objects.count() == 1


def test_revoked_write_key_stops_working(workspace, tracker):
    from pacer.core.actions import revoke_api_key
    from pacer.core.models import ApiKey

    revoke_api_key(ApiKey.objects.get(workspace=workspace, kind="write"))
    assert tracker.batch([PAGE]).status_code == 401
    assert Event.objects.count() == 0


def test_invalid_json_and_wrong_shapes_are_400(tracker):
    assert tracker.post("/v1/batch", b"{not json").json()["error"]["field"] == "body"
    assert tracker.post("/v1/batch", {"batch": {}}).json()["error"] == {
        "field": "batch",
        "reason": "must be a list of messages",
    }
    assert tracker.post("/v1/batch", {"batch": []}).status_code == 400
    assert Event.objects.count() == 0


def test_gzip_body_is_accepted(tracker):
    body = gzip.compress(orjson.dumps({"batch": [PAGE]}))
    response = tracker.post("/v1/batch", body, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200 and Event.objects.count() == 1


def test_anonymous_history_is_kept_when_the_visitor_identifies(tracker):
    tracker.batch([PAGE, {**PAGE, "messageId": "p2", "timestamp": "2026-03-01T10:01:00Z"}])
    anonymous = Contact.objects.get()
    tracker.batch([IDENTIFY])
    assert Contact.objects.count() == 1
    assert Contact.objects.get().pk == anonymous.pk
    assert Event.objects.filter(contact=anonymous).count() == 3


def test_alias_merges_two_known_people_and_moves_their_history(tracker):
    tracker.batch(
        [
            {**PAGE, "anonymousId": "device-a", "messageId": "a1"},
            {**ORDER, "userId": "u-7", "messageId": "o1"},
        ]
    )
    assert Contact.objects.count() == 2
    older, newer = Contact.objects.order_by("id")
    tracker.batch([{"type": "alias", "messageId": "al", "previousId": "device-a", "userId": "u-7"}])
    survivor = Contact.objects.get(pk=older.pk)
    assert Contact.objects.get(pk=newer.pk).merged_into_id == survivor.pk
    assert survivor.order_count == 1 and survivor.acquisition_channel == "paid_search"
    assert set(Event.objects.values_list("contact_id", flat=True)) == {survivor.pk}
    assert Order.objects.get().contact_id == survivor.pk
    assert survivor.identities.filter(kind="user_id", value="u-7").exists()
    from pacer.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="contact.merge", object_id=str(survivor.pk)).exists()


def test_two_different_user_ids_are_never_merged(tracker):
    tracker.batch(
        [
            {
                **IDENTIFY,
                "messageId": "i1",
                "userId": "u-1",
                "anonymousId": "shared-device",
                "traits": {"email": "one@example.com"},
            },
            {
                **IDENTIFY,
                "messageId": "i2",
                "userId": "u-2",
                "anonymousId": "shared-device",
                "traits": {"email": "two@example.com"},
            },
        ]
    )
    assert Contact.objects.count() == 2
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "one@example.com",
        "two@example.com",
    ]


def test_consent_is_recorded_with_channel_purpose_source_and_wording(tracker):
    tracker.batch(
        [
            IDENTIFY,
            {
                "type": "track",
                "messageId": "c1",
                "userId": "u-42",
                "event": "Consent Updated",
                "timestamp": "2026-03-01T11:00:00Z",
                "properties": {
                    "channel": "email",
                    "purpose": "marketing",
                    "granted": True,
                    "source": "signup_form",
                    "wording": "Send me offers",
                },
            },
        ]
    )
    consent = Consent.objects.get()
    assert (consent.channel, consent.purpose, consent.granted, consent.source, consent.wording) == (
        "email",
        "marketing",
        True,
        "signup_form",
        "Send me offers",
    )
    assert consent.recorded_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert consent.contact.email == "ada@example.com"


def test_rudderstack_short_paths_work(tracker):
    assert tracker.post("/v1/t", {k: v for k, v in ORDER.items() if k != "type"}).status_code == 200
    assert Event.objects.get().event == "Order Completed"


def test_workspaces_are_isolated(db, tracker):
    from pacer.core.actions import create_workspace, issue_api_key
    from tests.conftest import Tracker

    other = create_workspace("Other", slug="other")
    _, secret = issue_api_key(other, "write", "site")
    tracker.batch([PAGE])
    response = Tracker(secret).batch([PAGE])
    assert response.json()["accepted"] == 1  # same messageId, other workspace: not a duplicate
    assert Event.objects.filter(workspace=other).count() == 1
    assert Contact.objects.filter(workspace=other).count() == 1
    assert Contact.objects.count() == 2


def test_order_redelivered_under_a_new_message_id_is_recorded_once(tracker):
    order = {
        "type": "track",
        "userId": "u-9",
        "event": "Order Completed",
        "properties": {"orderId": "camel-1", "total": 12},
    }
    first = tracker.batch([{**order, "messageId": "first"}])
    again = tracker.batch([{**order, "messageId": "again"}])
    assert first.status_code == again.status_code == 200
    assert again.json()["accepted"] == 1
    assert list(Order.objects.values_list("external_id", flat=True)) == ["camel-1"]
    assert Contact.objects.get().order_count == 1
