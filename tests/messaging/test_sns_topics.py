"""SNS posts are taken only from the topics allowed for the workspace (issue 13): the
endpoint URL's token names the workspace, but any AWS account can sign its own topic's
messages, so a signed ``SubscriptionConfirmation`` or ``Notification`` from a topic not
on the list is refused (403 naming ``TopicArn``), logged, and writes and fetches nothing:
no subscription confirmed, no certificate fetched, no bounce recorded. The list is set
over REST and on the sending-rules page, each ARN checked; topics confirmed before the
list existed are kept on it by the migration."""

import json
import logging

import pytest
from django.apps import apps

from pacer.messaging import provider_auth
from pacer.messaging.models import ProviderCredentials, SnsCertificate, SnsSubscription
from tests.messaging.providers import SNS_HOST, TOPIC, sns_sign, subscription_confirmation
from tests.messaging.test_api import bearer
from tests.messaging.test_pages import text
from tests.messaging.test_provider_auth import amazon, nothing_recorded, post_raw  # noqa: F401
from tests.messaging.test_provider_events import proofs, sendgrid, sent, ses_bounce  # noqa: F401

pytestmark = pytest.mark.django_db
OTHER = "arn:aws:sns:us-east-1:999999999999:someone-elses-topic"
URL = "/api/messaging/settings/providers"


def from_topic(envelope: dict, topic: str) -> dict:
    return {**envelope, "TopicArn": topic}


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "Notification"])
@pytest.mark.parametrize("allowed", [[], [TOPIC]], ids=["none allowed", "another allowed"])
def test_a_signed_post_from_a_topic_not_allowed_is_refused_logged_and_writes_nothing(
    client,
    workspace,
    sent,  # noqa: F811
    amazon,  # noqa: F811
    caplog,
    kind,
    allowed,
):
    provider_auth.save_credentials(workspace, sns_topic_arns=allowed)
    SnsCertificate.objects.all().delete()  # a fetch would show in Amazon's log
    subscribe = f"https://{SNS_HOST}/?Action=ConfirmSubscription&TopicArn={OTHER}&Token=1"
    if kind == "SubscriptionConfirmation":
        envelope = from_topic(subscription_confirmation(subscribe), OTHER)
    else:
        envelope = from_topic(ses_bounce(sent["ada"]), OTHER)
    body = json.dumps(sns_sign(envelope))  # signed as Amazon signs: only the topic is wrong

    with caplog.at_level(logging.WARNING, logger="pacer.messaging.provider_auth"):
        response = post_raw(client, workspace, "ses", body)

    assert response.status_code == 403, response.content
    reason = response.json()["errors"]["TopicArn"]
    if allowed:
        assert reason == (
            f"{OTHER} is not one of the SNS topics allowed in "
            "Messages > Sending rules > Provider verification"
        )
    else:
        assert reason.startswith("no SNS topic is allowed for this workspace yet: add the")
    assert nothing_recorded()
    assert not SnsSubscription.objects.exists() and not SnsCertificate.objects.exists()
    assert amazon.requests == []  # neither the certificate nor the SubscribeURL fetched
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pacer")] == [
        f"SNS {kind} refused for workspace {workspace.pk}: topic '{OTHER}' is not allowed"
    ]
    assert ProviderCredentials.objects.get().sns_topic_arns == allowed


def test_a_post_without_a_topic_is_refused(client, workspace, sent):  # noqa: F811
    envelope = {k: v for k, v in ses_bounce(sent["ada"]).items() if k != "TopicArn"}
    response = post_raw(client, workspace, "ses", json.dumps(sns_sign(envelope)))
    assert response.status_code == 403
    assert response.json()["errors"] == {
        "TopicArn": "missing: SNS names the topic of every message"
    }
    assert nothing_recorded()


def test_an_allowed_topic_is_confirmed_and_its_notifications_recorded(
    client,
    workspace,
    sent,  # noqa: F811
    amazon,  # noqa: F811
):
    provider_auth.save_credentials(workspace, sns_topic_arns=[OTHER, TOPIC])
    subscribe = f"https://{SNS_HOST}/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=2"
    confirmed = post_raw(
        client, workspace, "ses", json.dumps(sns_sign(subscription_confirmation(subscribe)))
    )
    assert confirmed.json()["subscription"]["status"] == "confirmed"
    bounce = post_raw(client, workspace, "ses", json.dumps(sns_sign(ses_bounce(sent["ada"]))))
    assert bounce.json() == {"results": [{"status": "recorded", "message_id": sent["ada"].pk}]}


def test_allowed_topics_are_set_over_rest_each_arn_checked(client, workspace, now):
    marketer, analyst = bearer(workspace, "marketer"), bearer(workspace, "analyst")
    before = client.get(URL, **marketer).json()
    assert (before["ses"], before["sns_topic_arns"]) == (
        "refused until an SNS topic is allowed",
        [],
    )
    wrong = client.put(
        URL,
        {"sns_topic_arns": [TOPIC, "arn:aws:sqs:us-east-1:1:queue"]},
        "application/json",
        **marketer,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == {
        "sns_topic_arns": "topic 2 ('arn:aws:sqs:us-east-1:1:queue') is not an SNS topic ARN: "
        "arn:aws:sns:<region>:<12-digit account>:<topic name>"
    }
    too_many = [f"arn:aws:sns:eu-west-1:123456789012:t{n}" for n in range(21)]
    refused = client.put(URL, {"sns_topic_arns": too_many}, "application/json", **marketer)
    assert refused.status_code == 422 and "sns_topic_arns" in json.dumps(refused.json())
    denied = client.put(URL, {"sns_topic_arns": [TOPIC]}, "application/json", **analyst)
    assert denied.status_code == 403
    assert not ProviderCredentials.objects.exists()  # nothing written by any of them

    body = {"sns_topic_arns": [f" {TOPIC} ", TOPIC, "arn:aws:sns:eu-west-1:123456789012:b.fifo"]}
    saved = client.put(URL, body, "application/json", **marketer).json()
    assert saved["sns_topic_arns"] == [TOPIC, "arn:aws:sns:eu-west-1:123456789012:b.fifo"]
    assert saved["ses"] == "verified by Amazon SNS message signatures, from the allowed topics only"
    kept = client.put(URL, {"postmark_username": None}, "application/json", **marketer).json()
    assert len(kept["sns_topic_arns"]) == 2  # absent or null: kept
    cleared = client.put(URL, {"sns_topic_arns": []}, "application/json", **marketer).json()
    assert cleared["sns_topic_arns"] == []


def test_the_settings_page_sets_the_allowed_topics_with_inline_errors(
    client, admin, workspace, now
):
    client.login(username="ada", password="correct-horse-1")
    page = text(client.get("/messages/settings/"))
    assert "Amazon SES (SNS) : refused until the SNS topic's ARN is allowed below" in page

    wrong = client.post(
        "/messages/settings/", {"form": "providers", "sns_topic_arns": f"{TOPIC}\nnot-an-arn"}
    )
    assert wrong.status_code == 422
    assert (
        "Allowed SNS topics (Amazon SES): topic 2 ('not-an-arn') is not an SNS topic ARN"
        in text(wrong)
    )
    assert f"{TOPIC}\nnot-an-arn" in wrong.content.decode()  # what was typed is kept
    assert not ProviderCredentials.objects.exists()

    saved = client.post("/messages/settings/", {"form": "providers", "sns_topic_arns": TOPIC})
    assert saved.status_code == 302
    html = client.get("/messages/settings/").content.decode()
    assert f">\n{TOPIC}</textarea>" in html
    page = text(client.get("/messages/settings/"))
    assert (
        "Amazon SES (SNS) : verified by Amazon's SNS message signatures, from the 1 allowed" in page
    )
    client.post("/messages/settings/", {"form": "providers", "postmark_username": ""})
    assert ProviderCredentials.objects.get().sns_topic_arns == [TOPIC]  # a form without it


def test_the_migration_keeps_the_topics_already_confirmed(workspace, now):
    migration = __import__(
        "pacer.messaging.migrations.0009_sns_topic_pinning", fromlist=["pin_confirmed_topics"]
    )
    for topic, status in ((TOPIC, "confirmed"), (OTHER, "failed")):
        SnsSubscription.objects.create(
            workspace=workspace, topic_arn=topic, status=status, at=now["at"]
        )
    migration.pin_confirmed_topics(apps, None)
    assert ProviderCredentials.objects.get(workspace=workspace).sns_topic_arns == [TOPIC]
