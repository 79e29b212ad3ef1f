"""Bounces and complaints posted as JSON by Amazon SES (SNS), SendGrid and Postmark (the
payloads written from the providers' documented fields, each post carrying the
provider's proof, made with keys the tests generate): a hard bounce and a complaint
suppress the address, a soft one does not; each is recorded once however often it is
posted; a notice names its exact message by the provider header Pacer put on it, and
only a notice without one is matched by its address; a wrong token or a malformed body
is refused naming the field, writing nothing."""

import doctest
import email
import json
from email import policy

import pytest

from pacer.core import clock
from pacer.messaging import actions, provider_auth, reports
from pacer.messaging.bounces import return_path
from pacer.messaging.delivery import deliver
from pacer.messaging.models import InboundMail, Message, MessageEvent, SuppressedAddress
from pacer.messaging.provider_events import endpoint_token
from tests.messaging.conftest import person
from tests.messaging.providers import (
    TOPIC,
    SendGrid,
    basic_auth,
    seed_certificate,
    sns_notification,
    sns_sign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sendgrid(workspace):
    account = SendGrid()
    provider_auth.save_credentials(workspace, sendgrid_public_key=account.public_key)
    return account


@pytest.fixture
def proofs(workspace, sendgrid):
    """Each provider's proof configured: SNS's certificate cached and its topic allowed,
    SendGrid's key and Postmark's credentials set."""
    seed_certificate()
    provider_auth.save_credentials(
        workspace, postmark_username="pm", postmark_password="s3cret", sns_topic_arns=[TOPIC]
    )
    return sendgrid


@pytest.fixture
def sent(workspace, now, smtp, proofs):
    for name in ("ada", "bob", "cy", "dee"):
        person(workspace, f"{name}@x.test", name.title())
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace, name="B", template_id=template.pk, sender_id=sender.pk, audience={"all": True}
    )
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 4
    return {m.email.split("@")[0]: m for m in Message.objects.select_related("broadcast__sender")}


def post(client, workspace, provider, body, token=None, sendgrid=None):
    """Post ``body`` as the provider does, with its proof (SNS: signed; SendGrid: signed
    with ``sendgrid``'s key now; Postmark: the basic-auth credentials of ``proofs``)."""
    url = f"/m/events/{provider}/{token or endpoint_token(workspace.pk)}/"
    headers = {}
    if provider == "ses" and isinstance(body, dict):
        body = sns_sign(body)
    data = body if isinstance(body, str) else json.dumps(body)
    if provider == "sendgrid" and sendgrid is not None:
        headers = sendgrid.headers(data.encode(), clock.now())
    if provider == "postmark":
        headers = basic_auth("pm", "s3cret")
    return client.post(url, data, content_type="application/json", **headers)


def sns(inner: dict) -> dict:
    return sns_notification(inner)


def ses_bounce(message, bounce_type="Permanent", status="5.1.1", feedback="fb-1"):
    return sns(
        {
            "notificationType": "Bounce",
            "bounce": {
                "bounceType": bounce_type,
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": message.email,
                        "action": "failed",
                        "status": status,
                        "diagnosticCode": f"smtp; 550 {status} user unknown",
                    }
                ],
                "timestamp": "2026-03-02T10:00:00.000Z",
                "feedbackId": feedback,
                "reportingMTA": "dsn; a4-8.smtp-out.amazonses.com",
            },
            "mail": {
                "timestamp": "2026-03-02T09:00:00.000Z",
                "source": return_path(message),
                "messageId": "0102015fd91a5ca3",
                "destination": [message.email],
            },
        }
    )


def suppressed(workspace) -> dict[str, str]:
    rows = SuppressedAddress.objects.filter(workspace=workspace)
    return dict(rows.values_list("email", "reason"))


def events(workspace) -> list[tuple[str, str]]:
    rows = MessageEvent.objects.filter(workspace=workspace).order_by("id")
    return [(e.message.email, e.kind) for e in rows]


def test_ses_hard_bounce_suppresses_once_and_a_transient_one_does_not(client, workspace, sent):
    hard = post(client, workspace, "ses", ses_bounce(sent["ada"]))
    again = post(client, workspace, "ses", ses_bounce(sent["ada"]))
    soft = post(client, workspace, "ses", ses_bounce(sent["bob"], "Transient", "4.4.7", "fb-2"))

    assert hard.json() == {"results": [{"status": "recorded", "message_id": sent["ada"].pk}]}
    assert again.json() == {"results": [{"status": "duplicate", "message_id": None}]}
    assert soft.json()["results"][0]["status"] == "recorded"
    assert suppressed(workspace) == {"ada@x.test": "hard_bounce"}
    assert events(workspace) == [("ada@x.test", "bounce"), ("bob@x.test", "soft_bounce")]
    assert InboundMail.objects.count() == 2


def test_ses_complaint_matched_by_the_x_pacer_id_header_suppresses(client, workspace, sent):
    message = sent["cy"]
    inner = {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": message.email}],
            "timestamp": "2026-03-02T11:00:00.000Z",
            "feedbackId": "fb-3",
            "complaintFeedbackType": "abuse",
        },
        "mail": {
            "source": "news@acme.test",
            "headers": [{"name": "X-Pacer-Id", "value": reports.token(message.pk, workspace.pk)}],
            "destination": [message.email],
        },
    }

    response = post(client, workspace, "ses", sns(inner))

    assert response.json() == {"results": [{"status": "recorded", "message_id": message.pk}]}
    assert suppressed(workspace) == {"cy@x.test": "complaint"}


def test_sendgrid_events_map_to_bounces_and_complaints_by_address(
    client, workspace, sent, sendgrid
):
    def event(name, email, event_id, **extra):
        return {
            "email": email,
            "timestamp": 1772442000,
            "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
            "event": name,
            "category": "spring",
            "sg_event_id": event_id,
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001",
            **extra,
        }

    batch = [
        event("delivered", "ada@x.test", "e1", response="250 OK"),
        event(
            "bounce",
            "bob@x.test",
            "e2",
            reason="500 unknown recipient",
            status="5.0.0",
            type="bounce",
        ),
        event("deferred", "cy@x.test", "e3", response="400 try again later", attempt="5"),
        event("spamreport", "dee@x.test", "e4"),
        event("bounce", "nobody@x.test", "e5", status="5.0.0", type="bounce"),
    ]

    response = post(client, workspace, "sendgrid", batch, sendgrid=sendgrid)

    assert [r["status"] for r in response.json()["results"]] == [
        "ignored",
        "recorded",
        "recorded",
        "recorded",
        "unmatched",
    ]
    assert suppressed(workspace) == {"bob@x.test": "hard_bounce", "dee@x.test": "complaint"}
    assert events(workspace) == [
        ("bob@x.test", "bounce"),
        ("cy@x.test", "soft_bounce"),
        ("dee@x.test", "complaint"),
    ]


def test_postmark_bounces_and_spam_complaints(client, workspace, sent):
    def record(record_type, kind, message, record_id, **extra):
        return {
            "RecordType": record_type,
            "ID": record_id,
            "Type": kind,
            "TypeCode": {"HardBounce": 1, "Transient": 2, "SpamComplaint": 512}[kind],
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
            "Description": "The server was unable to deliver your message",
            "Details": "smtp;550 5.1.1 user unknown",
            "Email": message.email,
            "From": "news@acme.test",
            "BouncedAt": "2026-03-02T10:00:00Z",
            "Inactive": kind != "Transient",
            "MessageStream": "broadcast",
            **extra,
        }

    pacer_id = reports.token(sent["ada"].pk, workspace.pk)
    hard = record(
        "Bounce",
        "HardBounce",
        sent["ada"],
        4323372036854775807,
        Metadata={"pacer-message": pacer_id},
    )
    results = [
        post(client, workspace, "postmark", body).json()["results"][0]["status"]
        for body in (
            hard,
            record("Bounce", "Transient", sent["bob"], 2),
            record("SpamComplaint", "SpamComplaint", sent["cy"], 3),
        )
    ]

    assert results == ["recorded", "recorded", "recorded"]
    assert suppressed(workspace) == {"ada@x.test": "hard_bounce", "cy@x.test": "complaint"}
    assert events(workspace) == [
        ("ada@x.test", "bounce"),
        ("bob@x.test", "soft_bounce"),
        ("cy@x.test", "complaint"),
    ]


@pytest.mark.parametrize(
    ("provider", "body", "status", "field"),
    [
        ("ses", "not json", 422, "body"),
        ("ses", {**sns_notification({}), "Message": "{"}, 422, "Message"),
        ("ses", sns_notification({"mail": {}}), 422, "Message.notificationType"),
        ("sendgrid", {"event": "bounce"}, 422, "body"),
        ("sendgrid", [{"event": "bounce", "sg_event_id": "x"}], 422, "[0].email"),
        ("postmark", {"RecordType": "Bounce", "Email": "a@x.test", "ID": "7"}, 422, "ID"),
        ("mailgun", {}, 404, "provider"),
    ],
)
def test_malformed_input_is_refused_naming_the_field(
    client, workspace, sent, sendgrid, provider, body, status, field
):
    response = post(client, workspace, provider, body, sendgrid=sendgrid)

    assert response.status_code == status
    assert list(response.json()["errors"]) == [field]
    assert not InboundMail.objects.exists() and not SuppressedAddress.objects.exists()


def test_a_wrong_token_is_refused_and_writes_nothing(client, workspace, sent):
    forged = f"{workspace.pk}-{'0' * 24}"
    response = post(client, workspace, "ses", ses_bounce(sent["ada"]), token=forged)

    assert response.status_code == 404
    assert response.json()["errors"] == {"token": "not a provider-events token of this install"}
    assert not InboundMail.objects.exists() and not SuppressedAddress.objects.exists()
    assert client.get(f"/m/events/ses/{endpoint_token(workspace.pk)}/").status_code == 405


def test_the_sending_rules_page_shows_each_providers_address(client, admin, workspace, sent):
    client.login(username="ada", password="correct-horse-1")
    page = client.get("/messages/settings/").content.decode()
    token = endpoint_token(workspace.pk)
    for provider in ("ses", "sendgrid", "postmark"):
        assert f"/m/events/{provider}/{token}/</code>" in page
    shown = f"/m/events/postmark/{token}/"
    body = {"RecordType": "Bounce", "ID": 9, "Type": "HardBounce", "Email": "dee@x.test"}
    posted = client.post(
        shown, json.dumps(body), content_type="application/json", **basic_auth("pm", "s3cret")
    )
    assert posted.json() == {"results": [{"status": "recorded", "message_id": sent["dee"].pk}]}


def _headers_sent_to(smtp, address: str) -> list:
    mails = [content for _, to, content in smtp.messages if to == [address]]
    return [email.message_from_bytes(content, policy=policy.default) for content in mails]


def test_each_provider_header_names_the_exact_message_not_the_latest_to_the_address(
    client, workspace, sent, sendgrid, smtp, now
):
    """Two broadcasts reach the same people; a provider's notice about the first names
    it through the header Pacer put on it at send, however many came later."""
    template = actions.save_template(workspace, name="T2", subject="Again", html="<p>y</p>")
    later = actions.create_broadcast(
        workspace,
        name="Later",
        template_id=template.pk,
        sender_id=sent["ada"].broadcast.sender_id,
        audience={"all": True},
    )
    now["at"] = now["at"].replace(hour=11)
    actions.queue_broadcast(workspace, later.pk)
    assert deliver() == 4
    first = sent
    latest = {m.email.split("@")[0]: m for m in Message.objects.filter(broadcast=later)}
    mail = {name: _headers_sent_to(smtp, f"{name}@x.test")[0] for name in first}
    token = {name: reports.token(first[name].pk, workspace.pk) for name in first}
    assert json.loads(mail["ada"]["X-SMTPAPI"]) == {"unique_args": {"pacer-message": token["ada"]}}
    assert mail["bob"]["X-SES-MESSAGE-TAGS"] == f"pacer-message={token['bob']}"
    assert mail["cy"]["X-PM-Metadata-pacer-message"] == token["cy"]

    unique_args = json.loads(mail["ada"]["X-SMTPAPI"])["unique_args"]
    grid = [
        {
            "email": "ada@x.test",
            "event": "bounce",
            "type": "bounce",
            "status": "5.1.1",
            "sg_event_id": "sg-ada",
            **unique_args,  # SendGrid hands unique arguments back as event fields
        }
    ]
    ses_tag, ses_value = mail["bob"]["X-SES-MESSAGE-TAGS"].split("=")
    inner = json.loads(ses_bounce(first["bob"], feedback="fb-bob")["Message"])
    inner["mail"]["source"] = "news@acme.test"  # no VERP address: the tag names it
    inner["mail"]["tags"] = {ses_tag: [ses_value], "ses:configuration-set": ["bounces"]}
    postmark = {
        "RecordType": "Bounce",
        "ID": 77,
        "Type": "HardBounce",
        "Email": "cy@x.test",
        # Postmark hands X-PM-Metadata-<name> headers back as Metadata fields
        "Metadata": {"pacer-message": str(mail["cy"]["X-PM-Metadata-pacer-message"])},
    }
    by_address = {"RecordType": "Bounce", "ID": 78, "Type": "HardBounce", "Email": "dee@x.test"}

    results = [
        post(client, workspace, "sendgrid", grid, sendgrid=sendgrid).json(),
        post(client, workspace, "ses", sns(inner)).json(),
        post(client, workspace, "postmark", postmark).json(),
        post(client, workspace, "postmark", by_address).json(),
    ]

    assert [r["results"][0]["message_id"] for r in results] == [
        first["ada"].pk,
        first["bob"].pk,
        first["cy"].pk,
        latest["dee"].pk,  # no header handed back: the latest message to the address
    ]
    bounced = MessageEvent.objects.filter(kind="bounce").values_list("message_id", flat=True)
    assert sorted(bounced) == sorted(
        [first["ada"].pk, first["bob"].pk, first["cy"].pk, latest["dee"].pk]
    )


@pytest.mark.parametrize(
    "forged",
    [
        "another workspace's message",
        "a token this install did not sign",
    ],
)
def test_a_message_token_that_is_not_this_workspaces_matches_nothing(
    client, workspace, sent, sendgrid, forged
):
    message = sent["ada"]
    if forged == "another workspace's message":
        value = reports.token(message.pk, workspace.pk + 1)  # signed, but not this workspace
    else:
        value = f"{message.pk}-{workspace.pk}-{'0' * 16}"
    event = {"email": "ada@x.test", "event": "spamreport", "sg_event_id": "sg-forged"}

    response = post(
        client, workspace, "sendgrid", [{**event, "pacer-message": value}], sendgrid=sendgrid
    )

    assert response.json() == {"results": [{"status": "unmatched", "message_id": None}]}
    assert not SuppressedAddress.objects.exists() and not MessageEvent.objects.exists()


def test_the_provider_header_example_holds():
    assert doctest.testmod(reports).failed == 0
