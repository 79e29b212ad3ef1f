"""A workspace's texts through a Twilio-compatible provider, against a local HTTPS server
that answers as Twilio's Messages API does (``tests/messaging/twilio_server.py``): the
form fields and basic auth of each post, the message SID kept, signed status callbacks
(delivered; a wrong signature refused with nothing written), a 400's reason failing the
text for good, a 429 retried after its Retry-After, inbound texts feeding the STOP
keyword, the auth token kept encrypted and revocable, set on the API behind the gate."""

import json
import socket
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from pacer.core.errors import ValidationFailed
from pacer.messaging import sealing, sms, sms_broadcasts, sms_providers, twilio
from pacer.messaging.models import InboundSms, SmsMessage, SmsProviderAccount, SuppressedNumber
from tests.messaging.test_api import bearer
from tests.messaging.test_sms import NUMBER, texter
from tests.messaging.test_sms_broadcasts import BOB, phone_person
from tests.messaging.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    INVALID_TO,
    FakeTwilio,
    twilio_signature,
)

pytestmark = pytest.mark.django_db

SENDER = "+15005550006"
ADA = "+15550100100"


@pytest.fixture
def server(tmp_path, monkeypatch, settings):
    """Twilio's API host served by a local HTTPS server (trusted CA, loopback allowed)."""
    fake = FakeTwilio(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_file))
    monkeypatch.setattr(socket, "getaddrinfo", fake.resolve(socket.getaddrinfo))
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.BASE_URL = "https://pacer.example.com"
    yield fake
    fake.stop()


@pytest.fixture
def account(workspace, server):
    return sms_providers.save_sms_provider(
        workspace,
        kind="twilio",
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=SENDER,
    )


def broadcast_to(workspace, *people) -> list[SmsMessage]:
    broadcast = sms_broadcasts.create_sms_broadcast(
        workspace,
        name="Spring",
        text="Hi {{ contact.first_name }}, 20% off today.",
        audience={"contacts": [person.pk for person in people]},
    )
    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    return list(SmsMessage.objects.filter(broadcast=broadcast).order_by("contact_id"))


def post_signed(client, workspace, kind: str, params: dict, token: str = AUTH_TOKEN):
    url = sms_providers.callback_url(workspace.pk, kind)
    path = url.removeprefix("https://pacer.example.com")
    return client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(token, url, params),
    )


def test_the_signature_matches_twilios_published_examples():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert twilio.signature("12345", url, params.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678")]
    repeated += [("Digits", "1234"), ("Digits", "1234")]
    assert twilio.signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert not twilio.signed_by(
        "12345", url + "&x=1", params.items(), "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


def test_a_broadcasts_texts_are_posted_with_the_form_fields_and_basic_auth_and_sids_kept(
    workspace, server, account
):
    ada = phone_person(workspace, "ada@x.test", ADA, "Ada")
    bob = phone_person(workspace, "bob@x.test", BOB, "Bob")
    broadcast_to(workspace, ada, bob)

    assert sms.deliver_sms() == 2

    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    callback = sms_providers.callback_url(workspace.pk, "status")
    assert callback.startswith("https://pacer.example.com/m/sms/twilio/")
    assert [(p, f) for p, _, f in server.requests] == [
        (
            path,
            {
                "To": ADA,
                "From": SENDER,
                "Body": "Hi Ada, 20% off today.",
                "StatusCallback": callback,
            },
        ),
        (
            path,
            {
                "To": BOB,
                "From": SENDER,
                "Body": "Hi Bob, 20% off today.",
                "StatusCallback": callback,
            },
        ),
    ]
    for _, headers, _ in server.requests:
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    texts = SmsMessage.objects.order_by("contact_id")
    assert [(t.status, t.provider_id, t.attempts) for t in texts] == [
        ("sent", server.sids[0], 1),
        ("sent", server.sids[1], 1),
    ]


def test_a_messaging_service_is_sent_instead_of_a_from_number(workspace, server, account):
    sms_providers.save_sms_provider(
        workspace, kind="twilio", from_number="", messaging_service_sid="MG" + "ab" * 16
    )
    broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    assert sms.deliver_sms() == 1
    fields = server.requests[0][2]
    assert fields["MessagingServiceSid"] == "MG" + "ab" * 16 and "From" not in fields


def test_a_signed_status_callback_moves_the_text_to_delivered_and_a_wrong_one_is_refused(
    client, workspace, server, account, now
):
    broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    sms.deliver_sms()
    text = SmsMessage.objects.get()
    params = {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": text.provider_id,
        "SmsSid": text.provider_id,
        "MessageStatus": "delivered",
        "To": ADA,
        "From": SENDER,
        "ApiVersion": "2010-04-01",
    }

    forged = post_signed(client, workspace, "status", params, token="not-the-token")
    missing = client.post(
        sms_providers.callback_url(workspace.pk, "status").removeprefix(
            "https://pacer.example.com"
        ),
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
    )
    assert forged.status_code == 403 and missing.status_code == 403
    assert "does not match" in forged.json()["errors"]["X-Twilio-Signature"]
    text.refresh_from_db()
    assert (text.status, text.delivery, text.delivered_at) == ("sent", "", None)

    accepted = post_signed(client, workspace, "status", {**params, "MessageStatus": "sent"})
    delivered = post_signed(client, workspace, "status", params)
    late = post_signed(client, workspace, "status", {**params, "MessageStatus": "sent"})

    assert [r.status_code for r in (accepted, delivered, late)] == [200, 200, 200]
    assert late.json()["recorded"] is False
    text.refresh_from_db()
    assert (text.status, text.delivery, text.delivered_at) == ("sent", "delivered", now["at"])


def test_an_undelivered_callback_fails_the_text_with_the_error_code(
    client, workspace, server, account
):
    broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    sms.deliver_sms()
    text = SmsMessage.objects.get()
    params = {"MessageSid": text.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert post_signed(client, workspace, "status", params).status_code == 200
    text.refresh_from_db()
    assert (text.status, text.delivery, text.reason) == (
        "failed",
        "undelivered",
        "the provider reported it undelivered (error 30003)",
    )


def test_a_400_fails_the_text_with_the_providers_reason_and_it_is_not_retried(
    workspace, server, account
):
    broadcast_to(workspace, phone_person(workspace, "ada@x.test", INVALID_TO, "Ada"))

    assert sms.deliver_sms() == 0
    assert sms.deliver_sms() == 0

    text = SmsMessage.objects.get()
    assert (text.status, text.attempts, text.provider_id) == ("failed", 1, "")
    assert text.reason == (
        "the provider answered 400: error 21211: "
        f"The 'To' number {INVALID_TO} is not a valid phone number."
    )
    assert len(server.requests) == 1


def test_a_429_is_retried_after_its_retry_after(workspace, server, account, now):
    broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    busy = FakeTwilio.error(429, 20429, "Too Many Requests")
    server.script.append((429, busy, {"Retry-After": "60"}))

    assert sms.deliver_sms() == 0
    text = SmsMessage.objects.get()
    assert (text.status, text.attempts) == ("queued", 1)
    assert text.reason == "the provider answered 429: error 20429: Too Many Requests"
    assert text.claimed_until == now["at"] + timedelta(seconds=60)
    assert sms.deliver_sms() == 0 and len(server.requests) == 1  # not before Retry-After

    now["at"] += timedelta(seconds=61)
    assert sms.deliver_sms() == 1
    text.refresh_from_db()
    assert (text.status, text.attempts, text.provider_id) == ("sent", 2, server.sids[0])
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("retry_after", "waited"),
    [
        ({"Retry-After": "120"}, 120),
        ({"Retry-After": "Mon, 02 Mar 2026 09:05:00 GMT"}, 300),  # an HTTP date
        ({"Retry-After": "86400"}, 600),  # at most 10 minutes
        ({}, 15),  # not said: the first of the backoff's waits
    ],
)
def test_a_5xx_is_retried_after_its_retry_after_or_a_backoff(
    workspace, server, account, now, retry_after, waited
):
    broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    server.script.append((503, FakeTwilio.error(503, 20500, "Service Unavailable"), retry_after))

    assert sms.deliver_sms() == 0
    text = SmsMessage.objects.get()
    assert (text.status, text.claimed_until) == ("queued", now["at"] + timedelta(seconds=waited))
    now["at"] += timedelta(seconds=waited - 1)
    assert sms.deliver_sms() == 0 and len(server.requests) == 1  # not before

    now["at"] += timedelta(seconds=2)
    assert sms.deliver_sms() == 1
    assert SmsMessage.objects.get().status == "sent" and len(server.requests) == 2


def test_an_outage_backs_off_longer_each_time_before_the_text_fails(
    workspace, server, account, now
):
    broadcast_to(workspace, phone_person(workspace, "ada@x.test", ADA, "Ada"))
    down = FakeTwilio.error(500, 20500, "Internal Server Error")
    server.script.extend([(500, down, {})] * sms.MAX_ATTEMPTS)
    waits = []
    for _ in range(sms.MAX_ATTEMPTS - 1):
        assert sms.deliver_sms() == 0
        due = SmsMessage.objects.get().claimed_until
        waits.append(int((due - now["at"]).total_seconds()))
        now["at"] = due + timedelta(seconds=1)
    assert waits == [15, 60, 240, 600]
    assert sms.deliver_sms() == 0
    text = SmsMessage.objects.get()
    assert (text.status, text.attempts) == ("failed", sms.MAX_ATTEMPTS)
    assert text.reason.startswith(f"gave up after {sms.MAX_ATTEMPTS}: the provider answered 500")
    assert len(server.requests) == sms.MAX_ATTEMPTS


def test_a_signed_inbound_stop_stops_the_number_and_the_confirmation_goes_through_twilio(
    client, workspace, server, account
):
    ada = texter(workspace)
    params = {"MessageSid": "SM" + "1" * 32, "From": NUMBER, "To": SENDER, "Body": " stop "}

    forged = post_signed(client, workspace, "inbound", params, token="wrong")
    assert forged.status_code == 403
    assert not InboundSms.objects.exists() and not SuppressedNumber.objects.exists()

    answer = post_signed(client, workspace, "inbound", params)
    again = post_signed(client, workspace, "inbound", params)

    assert answer.status_code == 200 and answer["Content-Type"] == "text/xml"
    assert answer.content.decode().endswith("<Response></Response>")
    assert again.status_code == 200
    inbound = InboundSms.objects.get()
    assert (inbound.keyword, inbound.contact_id, inbound.provider_id) == (
        "stop",
        ada.pk,
        params["MessageSid"],
    )
    assert SuppressedNumber.objects.filter(workspace=workspace, number=NUMBER).exists()
    assert sms.deliver_sms() == 1  # the confirmation (sent on commit, or by the loop)
    reply = SmsMessage.objects.get(key=f"reply:{inbound.pk}")
    assert (reply.status, reply.provider_id) == ("sent", server.sids[0])
    assert [(f["To"], f["From"]) for _, _, f in server.requests] == [(NUMBER, SENDER)]


def test_posts_are_refused_while_no_twilio_account_is_set_or_after_it_is_cleared(
    client, workspace, server, account
):
    params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    sms_providers.save_sms_provider(workspace, kind="install", clear_twilio=True)
    refused = post_signed(client, workspace, "status", params)
    assert refused.status_code == 403
    assert "no Twilio-compatible provider" in refused.json()["errors"]["X-Twilio-Signature"]
    found = SmsProviderAccount.objects.get()
    assert (found.kind, found.account_sid, found.auth_token_sealed) == ("install", "", "")
    bad_token = client.post("/m/sms/twilio/1-nope/status/", data={})
    assert bad_token.status_code == 404


def test_the_auth_token_is_kept_encrypted_and_never_shown(workspace, server, account):
    sealed = SmsProviderAccount.objects.get().auth_token_sealed
    assert AUTH_TOKEN not in sealed and sealed.startswith("v2:")
    bound = f"workspace:{workspace.pk}"
    assert sealing.open_sealed(sms_providers.TOKEN_PURPOSE, sealed, bound_to=bound) == AUTH_TOKEN
    with pytest.raises(sealing.Unreadable):
        sealing.open_sealed("another purpose", sealed, bound_to=bound)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"account_sid": ""}, "account_sid"),
        ({"account_sid": "AC 12"}, "account_sid"),
        ({"auth_token": ""}, "auth_token"),
        ({"from_number": ""}, "from_number"),
        ({"from_number": "12"}, "from_number"),
        ({"api_base": "http://api.twilio.com"}, "api_base"),
        ({"api_base": "https://user:pw@api.twilio.com"}, "api_base"),
        ({"kind": "carrier-pigeon"}, "kind"),
    ],
)
def test_a_bad_account_is_refused_naming_the_field_and_nothing_is_saved(workspace, change, field):
    values = {
        "kind": "twilio",
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": SENDER,
    }
    with pytest.raises(ValidationFailed) as refused:
        sms_providers.save_sms_provider(workspace, **{**values, **change})
    assert field in refused.value.errors
    assert not SmsProviderAccount.objects.exists()


def test_the_api_sets_reads_and_clears_the_provider_behind_the_gate(client, workspace, server):
    payload = {
        "kind": "twilio",
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": SENDER,
    }
    url = "/api/messaging/settings/sms-provider"
    anonymous = client.put(url, data=json.dumps(payload), content_type="application/json")
    assert anonymous.status_code == 401 and not SmsProviderAccount.objects.exists()
    viewer = bearer(workspace, "analyst")
    assert (
        client.put(
            url, data=json.dumps(payload), content_type="application/json", **viewer
        ).status_code
        == 403
    )

    headers = bearer(workspace, "marketer")
    saved = client.put(url, data=json.dumps(payload), content_type="application/json", **headers)
    assert saved.status_code == 200
    body = saved.json()
    assert AUTH_TOKEN not in json.dumps(body)
    assert (body["kind"], body["account_sid"], body["auth_token_set"]) == (
        "twilio",
        ACCOUNT_SID,
        True,
    )
    assert body["inbound_url"] == sms_providers.callback_url(workspace.pk, "inbound")

    bad = client.put(
        url,
        data=json.dumps({"kind": "twilio", "from_number": "x"}),
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422 and "from_number" in bad.json()["errors"]
    assert SmsProviderAccount.objects.get().from_number == SENDER

    cleared = client.put(
        url,
        data=json.dumps({"kind": "install", "clear_twilio": True}),
        content_type="application/json",
        **headers,
    )
    assert cleared.json()["auth_token_set"] is False and cleared.json()["kind"] == "install"


def test_the_sending_rules_page_sets_and_clears_the_sms_provider(client, workspace, admin, server):
    client.force_login(admin)
    form = {
        "form": "sms-provider",
        "kind": "twilio",
        "api_base": "https://api.twilio.com",
        "account_sid": ACCOUNT_SID,
        "auth_token": "",
        "from_number": SENDER,
        "messaging_service_sid": "",
    }
    refused = client.post("/messages/settings/", form)
    assert refused.status_code == 422
    assert "is required for a Twilio-compatible provider" in refused.content.decode()
    assert not SmsProviderAccount.objects.exists()

    saved = client.post("/messages/settings/", {**form, "auth_token": AUTH_TOKEN})
    assert saved.status_code == 302 and saved["Location"].endswith("#sms-provider")
    page = client.get("/messages/settings/").content.decode()
    assert AUTH_TOKEN not in page and ACCOUNT_SID in page
    assert sms_providers.callback_url(workspace.pk, "inbound") in page
    assert SmsProviderAccount.objects.get().kind == "twilio"

    client.post("/messages/settings/", {**form, "kind": "install", "clear_twilio": "1"})
    found = SmsProviderAccount.objects.get()
    assert (found.kind, found.auth_token_sealed) == ("install", "")
