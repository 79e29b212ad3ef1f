"""A provider's event post is recorded only with the provider's proof, secure by default:
SNS messages signed by the key of the certificate at an Amazon SNS URL (fetched through
the SSRF guard from a local HTTPS server standing in for Amazon, or seeded in the cache),
SendGrid's ECDSA signature over a recent timestamp and the body, Postmark's basic-auth
credentials. Every refusal names the reason and records nothing. SNS subscriptions are
confirmed and their outcome shown; SendGrid's key and Postmark's credentials are set on
the sending-rules page and over REST, and never shown back."""

import json
import socket
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pacer.core import clock
from pacer.messaging import provider_auth
from pacer.messaging.models import (
    InboundMail,
    MessageEvent,
    ProviderCredentials,
    SnsCertificate,
    SnsSubscription,
    SuppressedAddress,
)
from pacer.messaging.provider_events import endpoint_token
from tests.messaging.providers import (
    CERT_URL,
    SNS_HOST,
    TOPIC,
    FakeAmazon,
    SendGrid,
    basic_auth,
    seed_certificate,
    sns_sign,
    subscription_confirmation,
)
from tests.messaging.test_api import bearer
from tests.messaging.test_pages import text
from tests.messaging.test_provider_events import sent, ses_bounce  # noqa: F401

pytestmark = pytest.mark.django_db


def nothing_recorded() -> bool:
    return not (
        InboundMail.objects.exists()
        or SuppressedAddress.objects.exists()
        or MessageEvent.objects.exists()
    )


def post_raw(client, workspace, provider, data: str, **headers):
    url = f"/m/events/{provider}/{endpoint_token(workspace.pk)}/"
    return client.post(url, data, content_type="application/json", **headers)


@pytest.fixture
def proofs(workspace):
    """As in test_provider_events, but without the SNS certificate: each test says where
    Pacer finds it."""
    account = SendGrid()
    provider_auth.save_credentials(
        workspace,
        sendgrid_public_key=account.public_key,
        postmark_username="pm",
        postmark_password="s3cret",
        sns_topic_arns=[TOPIC],
    )
    return account


@pytest.fixture
def amazon(tmp_path, monkeypatch, settings):
    """Amazon's SNS host served by a local HTTPS server (trusted CA, loopback allowed)."""
    server = FakeAmazon(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    monkeypatch.setattr(socket, "getaddrinfo", server.resolve(socket.getaddrinfo))
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    yield server
    server.stop()


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_sns_notification_is_recorded(client, workspace, sent, version):  # noqa: F811
    seed_certificate()
    body = json.dumps(sns_sign(ses_bounce(sent["ada"]), version=version))

    response = post_raw(client, workspace, "ses", body)

    assert response.status_code == 200, response.content
    assert response.json() == {"results": [{"status": "recorded", "message_id": sent["ada"].pk}]}
    assert dict(SuppressedAddress.objects.values_list("email", "reason")) == {
        "ada@x.test": "hard_bounce"
    }


def _tampered(envelope):
    inner = json.loads(envelope["Message"])
    inner["bounce"]["bouncedRecipients"][0]["emailAddress"] = "bob@x.test"
    return {**envelope, "Message": json.dumps(inner)}


def _other_key(envelope):
    unsigned = {k: v for k, v in envelope.items() if k not in ("Signature", "SignatureVersion")}
    return sns_sign(unsigned, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))


REFUSALS = {
    "a tampered body": (_tampered, "Signature", "does not match the message"),
    "a wrong signature": (_other_key, "Signature", "does not match the message"),
    "a missing signature": (
        lambda e: {k: v for k, v in e.items() if k != "Signature"},
        "Signature",
        "missing",
    ),
    "an unknown signature version": (
        lambda e: {**e, "SignatureVersion": "3"},
        "SignatureVersion",
        "must be 1 (SHA1withRSA) or 2",
    ),
    "a foreign certificate host": (
        lambda e: {**e, "SigningCertURL": f"https://{SNS_HOST}.evil.test/c.pem"},
        "SigningCertURL",
        "must be https://sns.<region>.amazonaws.com",
    ),
    "a plain-http certificate URL": (
        lambda e: {**e, "SigningCertURL": CERT_URL.replace("https:", "http:")},
        "SigningCertURL",
        "must be https://sns.<region>.amazonaws.com",
    ),
    "a certificate URL with a port": (
        lambda e: {**e, "SigningCertURL": CERT_URL.replace(SNS_HOST, SNS_HOST + ":8443")},
        "SigningCertURL",
        "must be https://sns.<region>.amazonaws.com",
    ),
    "a signed field missing": (
        lambda e: {k: v for k, v in e.items() if k != "Timestamp"},
        "Timestamp",
        "missing",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_an_sns_post_without_amazons_signature_is_refused_and_records_nothing(
    client,
    workspace,
    sent,  # noqa: F811
    amazon,
    case,
):
    """The certificate is cached under the real-looking URL; the fake Amazon also answers
    for the foreign hosts, so a fetch it should never make would show in its log."""
    seed_certificate()
    amazon.hosts.add(f"{SNS_HOST}.evil.test")
    change, field, reason = REFUSALS[case]
    body = change(sns_sign(ses_bounce(sent["ada"])))

    response = post_raw(client, workspace, "ses", json.dumps(body))

    assert response.status_code == 403, response.content
    assert list(response.json()["errors"]) == [field]
    assert reason in response.json()["errors"][field]
    assert nothing_recorded()
    assert amazon.requests == []  # nothing fetched
    assert list(SnsCertificate.objects.values_list("url", flat=True)) == [CERT_URL]


def test_the_certificate_is_fetched_from_amazon_through_the_guard_once(
    client,
    workspace,
    sent,  # noqa: F811
    amazon,
    settings,
):
    first = sns_sign(ses_bounce(sent["ada"]))
    second = sns_sign(ses_bounce(sent["bob"], feedback="fb-2"))

    answers = [post_raw(client, workspace, "ses", json.dumps(body)) for body in (first, second)]

    assert [a.json()["results"][0]["status"] for a in answers] == ["recorded", "recorded"]
    assert amazon.requests == [CERT_URL.removeprefix(f"https://{SNS_HOST}")]  # kept after
    assert SnsCertificate.objects.get().url == CERT_URL

    SnsCertificate.objects.all().delete()
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # the guard: loopback is not public
    third = sns_sign(ses_bounce(sent["cy"], feedback="fb-3"))
    refused = post_raw(client, workspace, "ses", json.dumps(third))
    assert refused.status_code == 403
    reason = refused.json()["errors"]["SigningCertURL"]
    assert reason.startswith("could not fetch the certificate: url:") and "not public" in reason
    assert not SnsCertificate.objects.exists() and len(amazon.requests) == 1
    assert MessageEvent.objects.filter(message=sent["cy"]).count() == 0


def test_a_verified_subscription_confirmation_is_confirmed_and_shown(
    client, admin, workspace, amazon
):
    provider_auth.save_credentials(workspace, sns_topic_arns=[TOPIC])
    subscribe = f"https://{SNS_HOST}/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=2336"
    body = sns_sign(subscription_confirmation(subscribe), version="2")

    response = post_raw(client, workspace, "ses", json.dumps(body))

    assert response.status_code == 200, response.content
    assert response.json()["subscription"] == {
        "topic_arn": TOPIC,
        "status": "confirmed",
        "detail": f"subscribed as {TOPIC}:1f2e",
    }
    assert amazon.requests[-1] == subscribe.removeprefix(f"https://{SNS_HOST}")
    client.login(username="ada", password="correct-horse-1")
    page = text(client.get("/messages/settings/"))
    assert f"{TOPIC} : confirmed on" in page and f"subscribed as {TOPIC}:1f2e" in page

    goodbye = sns_sign({**subscription_confirmation(subscribe), "Type": "UnsubscribeConfirmation"})
    fetched = len(amazon.requests)
    answer = post_raw(client, workspace, "ses", json.dumps(goodbye)).json()["subscription"]
    assert answer["status"] == "unsubscribed" and len(amazon.requests) == fetched
    assert SnsSubscription.objects.get().status == "unsubscribed"


@pytest.mark.parametrize("failure", ["amazon refuses", "foreign host", "unreachable"])
def test_a_failed_confirmation_is_recorded_and_shown_not_a_500(
    client, admin, workspace, amazon, failure, monkeypatch
):
    provider_auth.save_credentials(workspace, sns_topic_arns=[TOPIC])
    subscribe = f"https://{SNS_HOST}/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=1"
    expected = "SubscribeURL: Amazon answered 403"
    if failure == "amazon refuses":
        amazon.confirm_status = 403
    elif failure == "foreign host":
        subscribe = "https://evil.test/?Action=ConfirmSubscription"
        amazon.hosts.add("evil.test")  # were it fetched, the server would see it
        expected = "SubscribeURL: must be https://sns.<region>.amazonaws.com/..."
    else:
        amazon.stop()  # nothing listens on the address any more
        expected = "SubscribeURL: ConnectionRefusedError"
    seed_certificate()
    body = sns_sign(subscription_confirmation(subscribe))
    before = list(amazon.requests)

    response = post_raw(client, workspace, "ses", json.dumps(body))

    assert response.status_code == 200, response.content
    subscription = response.json()["subscription"]
    assert subscription["status"] == "failed" and subscription["detail"].startswith(expected)
    assert SnsSubscription.objects.get().status == "failed"
    if failure != "amazon refuses":
        assert amazon.requests == before  # no request to a foreign host or a dead one
    client.login(username="ada", password="correct-horse-1")
    assert f"{TOPIC} : failed on" in text(client.get("/messages/settings/"))


def test_an_unsigned_subscription_confirmation_is_not_followed(client, workspace, amazon):
    provider_auth.save_credentials(workspace, sns_topic_arns=[TOPIC])
    subscribe = f"https://{SNS_HOST}/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=1"
    body = {**subscription_confirmation(subscribe), "SignatureVersion": "1"}
    body["SigningCertURL"], body["Signature"] = CERT_URL, "bm90IGEgc2lnbmF0dXJl"
    seed_certificate()

    response = post_raw(client, workspace, "ses", json.dumps(body))

    assert response.status_code == 403 and "Signature" in response.json()["errors"]
    assert amazon.requests == [] and not SnsSubscription.objects.exists()


def _sendgrid_batch() -> bytes:
    event = {"email": "ada@x.test", "event": "bounce", "type": "bounce", "sg_event_id": "e1"}
    return json.dumps([{**event, "status": "5.1.1", "timestamp": 1772442000}]).encode()


def test_a_signed_sendgrid_batch_is_recorded(client, workspace, sent, proofs):  # noqa: F811
    body = _sendgrid_batch()

    response = post_raw(client, workspace, "sendgrid", body, **proofs.headers(body, clock.now()))

    assert response.json() == {"results": [{"status": "recorded", "message_id": sent["ada"].pk}]}


SENDGRID_REFUSALS = {
    "a tampered body": ("tampered", "X-Twilio-Email-Event-Webhook-Signature", "does not match"),
    "another key's signature": ("other key", "X-Twilio-Email-Event-Webhook-Signature", "match"),
    "a timestamp 11 minutes old": (
        "old",
        "X-Twilio-Email-Event-Webhook-Timestamp",
        "more than 10 minutes from now",
    ),
    "no signature": ("unsigned", "X-Twilio-Email-Event-Webhook-Signature", "missing"),
}


@pytest.mark.parametrize("case", list(SENDGRID_REFUSALS))
def test_a_sendgrid_post_without_a_valid_signature_is_refused(
    client,
    workspace,
    sent,  # noqa: F811
    proofs,
    case,
):
    how, field, reason = SENDGRID_REFUSALS[case]
    body, at, signer = _sendgrid_batch(), clock.now(), proofs
    if how == "old":
        at -= timedelta(minutes=11)
    if how == "other key":
        signer = SendGrid()
    headers = signer.headers(body, at)
    if how == "tampered":
        body = body.replace(b"ada@x.test", b"bob@x.test")
    if how == "unsigned":
        del headers["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"]

    response = post_raw(client, workspace, "sendgrid", body, **headers)

    assert response.status_code == 403
    assert list(response.json()["errors"]) == [field]
    assert reason in response.json()["errors"][field]
    assert nothing_recorded()


def test_postmark_needs_its_basic_auth_credentials(client, workspace, sent, proofs):  # noqa: F811
    body = json.dumps(
        {"RecordType": "Bounce", "ID": 5, "Type": "HardBounce", "Email": "ada@x.test"}
    )

    missing = post_raw(client, workspace, "postmark", body)
    wrong = post_raw(client, workspace, "postmark", body, **basic_auth("pm", "guess"))
    other_user = post_raw(client, workspace, "postmark", body, **basic_auth("px", "s3cret"))
    assert [r.status_code for r in (missing, wrong, other_user)] == [401, 401, 401]
    assert missing["WWW-Authenticate"].startswith("Basic")
    assert wrong.json()["errors"] == {"Authorization": "the user name or password is wrong"}
    assert nothing_recorded()

    right = post_raw(client, workspace, "postmark", body, **basic_auth("pm", "s3cret"))
    assert right.json()["results"][0]["status"] == "recorded"


@pytest.mark.parametrize(
    ("provider", "field", "says"),
    [
        ("sendgrid", "sendgrid_public_key", "paste its verification key in Messages"),
        ("postmark", "postmark_username", "set a user name and password in Messages"),
    ],
)
def test_an_unconfigured_provider_is_refused_saying_what_to_configure(
    client,
    workspace,
    sent,  # noqa: F811
    provider,
    field,
    says,
):
    ProviderCredentials.objects.all().delete()
    events = [{"email": "ada@x.test", "event": "spamreport", "sg_event_id": "e9"}]
    record = {"RecordType": "SpamComplaint", "ID": 3, "Type": "SpamComplaint", "Email": "a@x"}
    body = json.dumps(events if provider == "sendgrid" else record)
    signed = SendGrid().headers(body.encode(), clock.now())

    response = post_raw(client, workspace, provider, body, **signed, **basic_auth("pm", "x"))

    assert response.status_code == 403
    assert says in response.json()["errors"][field]
    assert nothing_recorded()


KEY_FIELD = "sendgrid_public_key"


def test_credentials_are_set_over_rest_and_never_shown_back(client, workspace, now):
    url = "/api/messaging/settings/providers"
    marketer, analyst = bearer(workspace, "marketer"), bearer(workspace, "analyst")
    account = SendGrid()
    assert client.get(url, **marketer).json() == {
        "sendgrid_key_set_at": None,
        "postmark_credentials_set_at": None,
        "ses": "refused until an SNS topic is allowed",
        "sns_topic_arns": [],
        "sns_subscriptions": [],
    }
    refused = [
        client.put(url, body, "application/json", **marketer)
        for body in (
            {KEY_FIELD: "bm90IGEga2V5"},
            {KEY_FIELD: account.public_key, "postmark_username": "pm"},
            {"postmark_password": "only"},
        )
    ]
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert [list(r.json()["errors"]) for r in refused] == [
        [KEY_FIELD],
        ["postmark_password"],
        ["postmark_username"],
    ]
    assert not ProviderCredentials.objects.exists()  # nothing half-written
    denied = client.put(url, {KEY_FIELD: account.public_key}, "application/json", **analyst)
    assert denied.status_code == 403 and not ProviderCredentials.objects.exists()

    body = {KEY_FIELD: account.public_key, "postmark_username": "pm", "postmark_password": "pw1"}
    saved = client.put(url, body, "application/json", **marketer)

    assert saved.status_code == 200, saved.content
    shown = saved.content.decode() + client.get(url, **marketer).content.decode()
    assert account.public_key not in shown and "pw1" not in shown
    assert saved.json()["sendgrid_key_set_at"] == "2026-03-02T09:00:00Z"
    stored = ProviderCredentials.objects.get()
    assert stored.postmark_username == "pm" and "pw1" not in stored.postmark_password_digest

    kept = client.put(url, {"clear_postmark": True}, "application/json", **marketer).json()
    assert kept["sendgrid_key_set_at"] == "2026-03-02T09:00:00Z"
    assert kept["postmark_credentials_set_at"] is None


def test_the_settings_page_sets_credentials_and_shows_only_when(client, admin, workspace, now):
    client.login(username="ada", password="correct-horse-1")
    account = SendGrid()
    wrong = client.post(
        "/messages/settings/",
        {"form": "providers", KEY_FIELD: "-----BEGIN PUBLIC KEY-----x", "postmark_username": "pm"},
    )
    assert wrong.status_code == 422
    page = text(wrong)
    assert "SendGrid verification key: must be SendGrid's verification key" in page
    assert "Postmark password: the user name and the password are set together" in page
    assert not ProviderCredentials.objects.exists()

    saved = client.post(
        "/messages/settings/",
        {
            "form": "providers",
            KEY_FIELD: account.public_key,
            "postmark_username": "pm",
            "postmark_password": "correct-battery",
        },
    )
    assert saved.status_code == 302

    html = client.get("/messages/settings/").content.decode()
    assert account.public_key not in html and "correct-battery" not in html
    page = text(client.get("/messages/settings/"))
    assert "SendGrid : verified, Signed Event Webhook key set on 2026-03-02 09:00" in page
    assert "Postmark : verified, basic-auth credentials set on 2026-03-02 09:00" in page
    body = json.dumps([{"email": "a@x.test", "event": "delivered", "sg_event_id": "d1"}])
    posted = post_raw(
        client, workspace, "sendgrid", body, **account.headers(body.encode(), now["at"])
    )
    assert posted.json() == {"results": [{"status": "ignored", "message_id": None}]}
    client.post("/messages/settings/", {"form": "providers", "clear_sendgrid": "1"})
    assert "refused until its verification key is set below" in text(
        client.get("/messages/settings/")
    )
    again = post_raw(
        client, workspace, "sendgrid", body, **account.headers(body.encode(), now["at"])
    )
    assert again.status_code == 403 and InboundMail.objects.count() == 1
