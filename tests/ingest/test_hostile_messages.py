"""Property tests: arbitrary and hostile Segment messages never break a workspace.

Hypothesis generates batches that mix good messages with hostile ones (NUL characters,
unpaired surrogates, invalid UTF-8, NaN and infinities, integers past 64 bits, absurd
amounts and quantities, dates from year 1 to 9999, deep nesting, wrong types) and posts
them over HTTP exactly as an SDK would, encoded by a JSON writer that dares to write all
of that. For every batch: no 5xx; every good message is accepted (or a duplicate);
every accepted message is stored exactly once and nothing rejected is stored; after
processing no event is left pending (each is processed or quarantined with a reason);
and the contacts page, the contacts API and the CSV export still answer 200.

The run is bounded by ``max_examples`` (``PACER_HYPOTHESIS_EXAMPLES`` raises it);
``deadline`` is off because on a shared 2-core machine one example's time says nothing.
"""

import base64
import gzip
import json
import os
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.core.actions import issue_api_key
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending

pytestmark = pytest.mark.django_db

settings.register_profile(
    "ingest-hostile",
    max_examples=int(os.environ.get("PACER_HYPOTHESIS_EXAMPLES", "50")),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one workspace gathers every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
HOSTILE = settings.get_profile("ingest-hostile")
BAD_BYTES = "\ue000BAD-BYTES\ue000"  # replaced by invalid UTF-8 in the body

SPECIALS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "x\udc80y",
    "\ud83d\ude00",
    "İ" * 300,
    "ß" * 3,
    BAD_BYTES,
]
specials = st.sampled_from(SPECIALS)
hostile_text = st.one_of(
    specials,
    st.tuples(st.text(max_size=5), specials).map("".join),
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Lu", "Ll"]), max_size=8),
    st.text(min_size=190, max_size=260),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from([0, -1, 1e12, 1e30, 1e300, 9999999999.99, 10**20, "1e999999999", "NaN"]),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
times = st.one_of(
    st.none(),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "9999-12-31",
            "1969-12-31T23:59:59Z",
            "2026-03-01T10:00:00.000Z",
            "yesterday",
        ]
    ),
    numbers,
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


def _deep(depth: int):
    value = "leaf"
    for _ in range(depth):
        value = [value]
    return value


properties = st.one_of(
    st.dictionaries(hostile_text, json_values, max_size=5),
    st.fixed_dictionaries(
        {},
        optional={
            "order_id": hostile_text | numbers,
            "total": numbers,
            "revenue": numbers,
            "discount": numbers,
            "currency": hostile_text,
            "products": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "sku": hostile_text,
                        "price": numbers,
                        "quantity": numbers,
                        "name": hostile_text,
                    },
                ),
                max_size=3,
            )
            | json_values,
            "channel": st.sampled_from(["email", "sms"]) | hostile_text,
            "purpose": hostile_text,
            "granted": st.booleans() | json_values,
        },
    ),
    st.integers(60, 70).map(lambda depth: {"deep": _deep(depth)}),
    json_values,
)
identifiers = st.none() | hostile_text | numbers | json_values
wild_fields = {
    "type": st.sampled_from(["identify", "track", "page", "screen", "group", "alias"])
    | hostile_text,
    "messageId": identifiers,
    "userId": identifiers,
    "anonymousId": identifiers,
    "previousId": identifiers,
    "groupId": identifiers,
    "event": st.sampled_from(["Order Completed", "Consent Updated", "Signed Up"])
    | hostile_text
    | json_values,
    "name": hostile_text | json_values,
    "timestamp": times,
    "originalTimestamp": times,
    "sentAt": times,
    "properties": properties,
    "traits": st.fixed_dictionaries(
        {}, optional={"email": hostile_text, "phone": hostile_text, "firstName": hostile_text}
    )
    | json_values,
    "context": st.fixed_dictionaries(
        {},
        optional={
            "page": st.fixed_dictionaries(
                {}, optional={"url": hostile_text, "referrer": hostile_text}
            ),
            "campaign": st.dictionaries(hostile_text, json_values, max_size=3),
            "traits": json_values,
        },
    )
    | json_values,
}
HAZARDS = st.one_of(
    specials,
    st.tuples(st.text(max_size=5), specials).map("".join),
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            -float("inf"),
            2**64,
            -(2**63) - 1,
            10**30,
            _deep(70),
            {"a": _deep(64)},
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            1e300,
        ]
    ),
)


@st.composite
def one_hazard(draw):
    """A well-formed message with one hazard in one place: each check must hold alone,
    not only behind another that rejects the message first."""
    message = {
        "type": draw(st.sampled_from(["page", "screen", "track", "identify", "group"])),
        "messageId": str(draw(st.uuids())),
        "anonymousId": "anon-1",
        "userId": draw(st.sampled_from(["u-1", "u-2"])),
        "event": "Signed Up",
        "groupId": "g-1",
        "name": "Home",
        "timestamp": "2026-03-01T10:00:00Z",
        "properties": {"plan": "pro"},
        "traits": {"plan": "pro"},
        "context": {"page": {"url": "https://shop.test/"}},
    }
    hazard = draw(HAZARDS)
    place = draw(
        st.sampled_from(
            ["name", "event", "userId", "property", "key", "trait", "context", "time", "total"]
        )
    )
    if place == "key" and isinstance(hazard, str):
        message["properties"] = {hazard: 1}
    elif place in ("name", "event", "userId"):
        message[place] = hazard
    elif place == "trait":
        message["traits"] = {draw(st.sampled_from(["email", "firstName", "phone", "x"])): hazard}
    elif place == "context":
        message["context"] = {"page": {"url": hazard, "referrer": "https://a.test/"}}
    elif place == "time":
        message[draw(st.sampled_from(["timestamp", "originalTimestamp", "sentAt"]))] = hazard
    elif place == "total":
        message.update(type="track", event="Order Completed", properties={"total": hazard})
    else:
        message["properties"] = {"x": hazard}
    return message


hostile_messages = one_hazard() | st.fixed_dictionaries({}, optional=wild_fields) | json_values
safe_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=50)


@st.composite
def good_messages(draw):
    """Messages that must be accepted: valid ids, a known type, sane values."""
    kind = draw(st.sampled_from(["page", "identify", "track", "order"]))
    message = {
        "messageId": f"good-{uuid.uuid4()}",
        "anonymousId": draw(st.sampled_from(["anon-1", "anon-2", "anon-3"])),
        "timestamp": draw(st.sampled_from([None, "2026-03-01T10:00:00Z", "2025-12-31"])),
        "properties": draw(st.dictionaries(safe_text, safe_text, max_size=3)),
    }
    if kind == "page":
        message.update(type="page", name=draw(safe_text))
    elif kind == "identify":
        email = draw(st.emails())
        message.update(type="identify", userId=f"u-{email}"[:200], traits={"email": email})
    elif kind == "track":
        message.update(type="track", event=draw(safe_text.filter(str.strip)))
    else:
        total = draw(st.decimals(min_value=0, max_value=10_000, places=2))
        order = {"order_id": str(uuid.uuid4()), "total": str(total)}
        message.update(type="track", event="Order Completed", properties=order)
    return message


def encode(payload) -> bytes:
    """JSON as a careless client writes it: NaN, infinities, unpaired surrogates and
    integers of any size, then invalid UTF-8 bytes where a string asked for them."""
    text = json.dumps(payload, ensure_ascii=True, allow_nan=True)
    return text.encode().replace(b"\\ue000BAD-BYTES\\ue000", b"\xff\xfe\xc3")


@pytest.fixture
def tracking(write_key, admin, workspace):
    client = Client()
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    _, token = issue_api_key(workspace, "personal", "hypothesis", user=admin)
    staff = Client()
    staff.force_login(admin)
    return client, auth, staff, token


def assert_workspace_answers(staff: Client, token: str) -> None:
    assert staff.get("/contacts/").status_code == 200
    export = staff.get("/contacts/export.csv")
    assert export.status_code == 200
    b"".join(export.streaming_content)
    api = staff.get("/api/people/contacts?limit=500", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200, api.content[:500]
    assert staff.get("/settings/ingestion/").status_code == 200


def post_and_check(tracking, path: str, body: bytes, good_ids: list[str], **headers):
    client, auth, staff, token = tracking
    before = set(Event.objects.values_list("id", flat=True))
    response = client.post(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=auth, **headers
    )
    assert response.status_code < 500, response.content[:500]
    added = Event.objects.exclude(id__in=before)
    if response.status_code in (200, 400) and "results" in response.json():
        results = response.json()["results"]
        by_id = {r["messageId"]: r["status"] for r in results}
        for good in good_ids:
            assert by_id.get(good) in ("accepted", "duplicate"), (good, results)
        accepted = [r["messageId"] for r in results if r["status"] == "accepted"]
        assert sorted(added.values_list("message_id", flat=True)) == sorted(accepted)
    else:
        assert not good_ids and not added.exists(), response.content[:500]
    process_pending()
    assert not Event.objects.filter(pending=True).exists()
    assert not Event.objects.filter(quarantined_at__isnull=False, quarantine_reason="").exists()
    assert_workspace_answers(staff, token)


@HOSTILE
@given(
    batch=st.lists(st.one_of(hostile_messages, good_messages()), min_size=1, max_size=8),
    sent_at=times,
    gzipped=st.booleans(),
)
def test_hostile_batches_never_break_the_workspace(tracking, batch, sent_at, gzipped):
    good_ids = [
        m["messageId"]
        for m in batch
        if isinstance(m, dict) and str(m.get("messageId")).startswith("good-")
    ]
    body = encode({"batch": batch, "sentAt": sent_at})
    headers = {}
    if gzipped:
        body, headers = gzip.compress(body), {"HTTP_CONTENT_ENCODING": "gzip"}
    post_and_check(tracking, "/v1/batch", body, good_ids, **headers)


@HOSTILE
@given(
    message=st.one_of(hostile_messages, good_messages()),
    path=st.sampled_from(["/v1/track", "/v1/page", "/v1/identify", "/v1/t", "/v1/alias"]),
)
def test_hostile_single_calls_never_break_the_workspace(tracking, message, path):
    post_and_check(tracking, path, encode(message), [])


@HOSTILE
@given(body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_as_a_body_are_refused_or_accepted_never_a_server_error(tracking, body):
    post_and_check(tracking, "/v1/batch", body, [])
