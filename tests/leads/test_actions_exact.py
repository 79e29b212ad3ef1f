"""Lead capture checked exactly (``pacer.leads.actions``' ``messages_for``, ``capture``,
``capture_rows`` and the consent and coordinate checks): the whole Segment messages of a
submission, every refusal's field and words with nothing accepted, each length bound at
its limit and one past it, and the content-made submission ids of a CSV file."""

import hashlib
import json
from datetime import UTC, datetime

import pytest

from pacer.core.errors import ValidationFailed
from pacer.ingest.models import Event
from pacer.leads import actions
from pacer.people.models import Contact

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CONSENT = {"purpose": "marketing", "channel": "email", "granted": True, "wording": "Offers"}


def messages(workspace, data, source="form"):
    return actions.messages_for(workspace, data, source=source, received_at=NOW)


def refusal(workspace, data, source="form") -> dict:
    with pytest.raises(ValidationFailed) as refused:
        actions.capture(workspace, data, source=source, received_at=NOW)
    assert not Event.objects.exists() and not Contact.objects.exists()
    return refused.value.errors


def test_a_full_submission_makes_exactly_these_messages(workspace, north):
    data = {
        "email": " Mia@Example.COM ",
        "phone": "+1 555 010 0199",
        "first_name": "Mia",
        "last_name": "Lind",
        "postal_code": "N1 9GU",
        "product": "boiler",
        "form": "spring-offer",
        "location": "north",
        "page_url": "https://shop.test/offer",
        "referrer": "http://search.test/",
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
        "utm_content": "banner",
        "utm_term": "boilers",
        "submission_id": " s-1 ",
        "latitude": "51.5",
        "longitude": -0.25,
        "consents": [CONSENT, {"purpose": "calls", "channel": "phone", "granted": False}],
    }
    context = {
        "page": {"url": "https://shop.test/offer", "referrer": "http://search.test/"},
        "campaign": {
            "source": "google",
            "medium": "cpc",
            "name": "spring",
            "content": "banner",
            "term": "boilers",
        },
    }
    stamp = NOW.isoformat()
    assert messages(workspace, data) == (
        "s-1",
        [
            {
                "type": "identify",
                "messageId": "lead:s-1:identify",
                "traits": {
                    "email": "mia@example.com",
                    "phone": "+1 555 010 0199",
                    "firstName": "Mia",
                    "lastName": "Lind",
                    "postalCode": "N1 9GU",
                },
                "timestamp": stamp,
                "context": context,
                "anonymousId": "lead-s-1",
            },
            {
                "type": "track",
                "event": "Lead Created",
                "messageId": "lead:s-1:lead",
                "properties": {
                    "form": "spring-offer",
                    "source": "form",
                    "location": "north",
                    "postal_code": "N1 9GU",
                    "product": "boiler",
                    "latitude": 51.5,
                    "longitude": -0.25,
                },
                "timestamp": stamp,
                "context": context,
                "anonymousId": "lead-s-1",
            },
            {
                "type": "track",
                "event": "Consent Updated",
                "messageId": "lead:s-1:consent:0",
                "properties": CONSENT | {"source": "spring-offer"},
                "timestamp": stamp,
                "anonymousId": "lead-s-1",
            },
            {
                "type": "track",
                "event": "Consent Updated",
                "messageId": "lead:s-1:consent:1",
                "properties": {
                    "purpose": "calls",
                    "channel": "phone",
                    "wording": "",
                    "granted": False,
                    "source": "spring-offer",
                },
                "timestamp": stamp,
                "anonymousId": "lead-s-1",
            },
        ],
    )


def test_a_bare_submission_leaves_empty_values_out_and_gets_a_fresh_id(workspace):
    data = {"phone": "0161 496 0000", "anonymous_id": "anon-7", "consents": [CONSENT]}
    submission_id, made = messages(workspace, data, source="api")
    assert len(submission_id) == 32 and int(submission_id, 16) >= 0
    assert submission_id != messages(workspace, data, source="api")[0]
    empty = {"page": {}, "campaign": {}}
    assert [(m["messageId"], m.get("context"), m["anonymousId"]) for m in made] == [
        (f"lead:{submission_id}:identify", empty, "anon-7"),
        (f"lead:{submission_id}:lead", empty, "anon-7"),
        (f"lead:{submission_id}:consent:0", None, "anon-7"),
    ]
    assert made[0]["traits"] == {"phone": "0161 496 0000"}
    assert made[1]["properties"] == {"source": "api"}
    assert made[2]["properties"] == CONSENT | {"source": "api"}  # no form: the source


def test_capture_says_accepted_then_duplicate_for_the_same_submission(workspace):
    first = actions.capture(workspace, {"email": "a@b.test", "submission_id": "s1"}, **_form())
    again = actions.capture(workspace, {"email": "a@b.test", "submission_id": "s1"}, **_form())
    assert (first, again) == (
        actions.Captured("s1", "accepted"),
        actions.Captured("s1", "duplicate"),
    )


def _form():
    return {"source": "form", "received_at": NOW}


def test_an_unknown_source_is_refused_before_anything_else(workspace):
    assert refusal(workspace, {"email": "bad"}, source="fax") == {
        "source": "must be one of form, api, segment, csv"
    }


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"email": "a b@c.test"}, {"email": "is not an email address"}),
        ({"email": "a@b"}, {"email": "is not an email address"}),
        ({"email": 5}, {"email": "must be text"}),
        ({"email": "", "phone": 123456}, {"phone": "must be text"}),
        ({"phone": "12345abc"}, {"phone": "needs at least 6 digits"}),
        ({"email": "  ", "phone": " "}, {"email": "give an email or a phone number"}),
        (
            {"email": "a@b.test", "location": "l" * 61},
            {"location": f"no location '{'l' * 60}' in this workspace"},
        ),  # noqa: E501
        (
            {"email": "a@b.test", "page_url": "ftp://x.test/"},
            {"page_url": "must be an http(s) URL"},
        ),
        ({"email": "a@b.test", "referrer": "x.test"}, {"referrer": "must be an http(s) URL"}),
        (
            {"email": "a@b.test", "submission_id": "s" * 101},
            {"submission_id": "must be at most 100 characters"},
        ),
        (
            {"email": "a@b.test", "submission_id": "a/b"},
            {"submission_id": "must be 1-100 letters, digits or . _ : -"},
        ),
    ],
)
def test_each_bad_field_is_named_with_its_reason(workspace, north, data, errors):
    assert refusal(workspace, data) == errors


BOUNDS = {
    "phone": 40,
    "first_name": 100,
    "last_name": 100,
    "form": 100,
    "postal_code": 20,
    "product": 100,
    **{field: 200 for field in actions.UTM_FIELDS},
    "anonymous_id": 200,
}


def test_every_text_is_taken_at_its_limit_and_refused_one_past_it(workspace):
    at_limit = {field: "7" * limit for field, limit in BOUNDS.items()}
    at_limit |= {
        "email": "m" * 244 + "@mail.test",
        "page_url": "https://" + "p" * 1992,
        "referrer": "http://" + "r" * 1993,
        "submission_id": "s" * 100,
    }
    assert len(at_limit["email"]) == 254 and len(at_limit["page_url"]) == 2000
    submission_id, made = messages(workspace, at_limit)
    assert submission_id == "s" * 100
    assert made[0]["traits"]["phone"] == "7" * 40
    assert made[1]["properties"]["postal_code"] == "7" * 20
    past = {field: value + "8" for field, value in at_limit.items()}
    past["email"] = "m" + at_limit["email"]
    errors = {field: f"must be at most {limit} characters" for field, limit in BOUNDS.items()}
    errors |= {
        "email": "must be at most 254 characters",
        "page_url": "must be at most 2000 characters",
        "referrer": "must be at most 2000 characters",
        "submission_id": "must be at most 100 characters",
    }
    assert refusal(workspace, past) == errors


def test_six_digits_make_a_phone_number(workspace):
    assert messages(workspace, {"phone": "12-34-56"})[1][0]["traits"] == {"phone": "12-34-56"}
    assert refusal(workspace, {"phone": "12-34-5"}) == {"phone": "needs at least 6 digits"}


@pytest.mark.parametrize(
    ("consents", "errors"),
    [
        ("yes", {"consents": "must be a list of at most 10 consents"}),
        ([CONSENT] * 11, {"consents": "must be a list of at most 10 consents"}),
        (
            ["x", {**CONSENT, "granted": "yes"}],
            {
                "consents[0]": "must be an object with purpose, channel, granted and wording",
                "consents[1].granted": "must be true or false",
            },
        ),
        (
            [{"granted": False}],
            {"consents[0].purpose": "is required", "consents[0].channel": "is required"},
        ),
        (
            [CONSENT, {**CONSENT, "wording": "w" * 2001}],
            {"consents[1].wording": "must be at most 2000 characters"},
        ),
        (
            [{**CONSENT, "wording": " "}],
            {"consents[0].wording": "is required: record what the person agreed to"},
        ),
        ([{**CONSENT, "wording": 7}], {"consents[0].wording": "must be text"}),
    ],
)
def test_each_bad_consent_is_named_at_its_index(workspace, consents, errors):
    assert refusal(workspace, {"email": "a@b.test", "consents": consents}) == errors


def test_a_purpose_or_channel_too_long_or_not_text_is_refused(workspace):
    consents = [{**CONSENT, "purpose": 5, "channel": "c" * 21}, {**CONSENT, "purpose": "p" * 61}]
    assert refusal(workspace, {"email": "a@b.test", "consents": consents}) == {
        "consents[0].purpose": "must be text",
        "consents[0].channel": "must be at most 20 characters",
        "consents[1].purpose": "must be at most 60 characters",
    }


def test_ten_consents_at_their_limits_are_taken(workspace):
    consent = {"purpose": "p" * 60, "channel": "c" * 20, "granted": True, "wording": "w" * 2000}
    _, made = messages(workspace, {"email": "a@b.test", "consents": [consent] * 10})
    assert [m["properties"] for m in made[2:]] == [consent | {"source": "form"}] * 10
    assert messages(workspace, {"email": "a@b.test", "consents": []})[1][2:] == []


@pytest.mark.parametrize(
    ("place", "errors"),
    [
        (
            {"latitude": 10},
            {"longitude": "must be a number of degrees (give latitude and longitude together)"},
        ),
        (
            {"latitude": "north", "longitude": True},
            {
                "latitude": "must be a number of degrees (give latitude and longitude together)",
                "longitude": "must be a number of degrees (give latitude and longitude together)",
            },
        ),
        (
            {"latitude": 90.5, "longitude": "-180.5"},
            {
                "latitude": "must be between -90 and 90 degrees",
                "longitude": "must be between -180 and 180 degrees",
            },
        ),
        (
            {"latitude": -91, "longitude": 181},
            {
                "latitude": "must be between -90 and 90 degrees",
                "longitude": "must be between -180 and 180 degrees",
            },
        ),
    ],
)
def test_bad_coordinates_are_named(workspace, place, errors):
    assert refusal(workspace, {"email": "a@b.test", **place}) == errors


def test_coordinates_at_their_bounds_are_taken_as_numbers(workspace):
    for lat, lon in ((90, "-180"), ("-90", 180.0)):
        properties = messages(workspace, {"email": "a@b.test", "latitude": lat, "longitude": lon})
        assert properties[1][1]["properties"] == {
            "source": "form",
            "latitude": float(lat),
            "longitude": float(lon),
        }
        assert type(properties[1][1]["properties"]["latitude"]) is float
    bare = messages(workspace, {"email": "a@b.test", "latitude": None, "longitude": None})
    assert bare[1][1]["properties"] == {"source": "form"}


def _csv_id(row: dict) -> str:
    content = json.dumps(sorted(row.items()), default=str)
    return "csv:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def test_csv_rows_get_ids_from_their_content_and_a_second_import_makes_nothing(workspace):
    rows = [{"email": "a@b.test", "first_name": "Al"}, {"email": "c@d.test", "submission_id": "x1"}]
    made = actions.capture_rows(workspace, rows, source="csv", received_at=NOW)
    assert made == [
        actions.Captured(_csv_id(rows[0]), "accepted"),
        actions.Captured("x1", "accepted"),
    ]
    assert len(made[0].submission_id) == 44
    again = actions.capture_rows(workspace, rows, source="csv", received_at=NOW)
    assert [c.status for c in again] == ["duplicate", "duplicate"]
    assert [c.submission_id for c in again] == [c.submission_id for c in made]
    assert Event.objects.filter(event="Lead Created").count() == 2


def test_csv_refusals_name_every_bad_row_and_nothing_is_accepted(workspace):
    rows = [{"email": "nope"}, {"email": "a@b.test"}, {"phone": "1", "form": "f" * 101}]
    with pytest.raises(ValidationFailed) as refused:
        actions.capture_rows(workspace, rows, source="csv", received_at=NOW)
    assert refused.value.errors == {
        "rows[0].email": "is not an email address",
        "rows[2].phone": "needs at least 6 digits",
        "rows[2].form": "must be at most 100 characters",
    }
    assert not Event.objects.exists() and not Contact.objects.exists()


CHANNELS = "must be one of direct_mail, email, phone, push, sms, whatsapp"


def test_a_consent_that_ingestion_refuses_is_named_at_its_consent(workspace):
    consents = [CONSENT, {**CONSENT, "channel": "pigeon"}]  # one refused message
    with pytest.raises(ValidationFailed) as refused:
        actions.capture(workspace, {"email": "a@b.test", "consents": consents}, **_form())
    assert refused.value.errors == {"consents[1].channel": CHANNELS}


def test_a_csv_row_that_ingestion_refuses_refuses_the_file_and_stores_no_row(workspace):
    rows = [
        {"email": "a@b.test", "consents": [CONSENT]},
        {"email": "c@d.test", "consents": [CONSENT, {**CONSENT, "channel": "pigeon"}]},
    ]
    with pytest.raises(ValidationFailed) as refused:
        actions.capture_rows(workspace, rows, source="csv", received_at=NOW)
    assert refused.value.errors == {"rows[1].consents[1].channel": CHANNELS}
    assert not Event.objects.exists() and not Contact.objects.exists()


def test_a_submission_that_ingestion_refuses_writes_nothing(workspace):
    consents = [CONSENT, {**CONSENT, "channel": "pigeon"}]
    with pytest.raises(ValidationFailed):
        actions.capture(workspace, {"email": "a@b.test", "consents": consents}, **_form())
    assert list(Event.objects.values_list("message_id", flat=True)) == []


def test_a_place_on_the_equator_and_the_meridian_keeps_its_coordinates(workspace):
    _, made = messages(workspace, {"email": "a@b.test", "latitude": 0, "longitude": "0.0"})
    assert made[1]["properties"] == {"source": "form", "latitude": 0.0, "longitude": 0.0}
