"""Provider verification on the sending-rules page in a real Chromium: a key that is not
SendGrid's refused beside its field, then SendGrid's key and Postmark's credentials saved
and shown only as "set on"; an SNS subscription's outcome listed; the attribution window
field; no sideways scrolling on a phone. Screenshots at 390 and 1440 px."""

from datetime import UTC, datetime

import pytest

from pacer.messaging.models import ProviderCredentials, SnsSubscription
from tests.messaging.pages import SHOTS, at_each_width, fits, looked_at
from tests.messaging.providers import TOPIC, SendGrid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_provider_verification_through_the_sending_rules_page(
    browser, live_server, workspace, admin
):
    SnsSubscription.objects.create(
        workspace=workspace,
        topic_arn=TOPIC,
        status="failed",
        detail="SubscribeURL: url: the host 'sns.us-east-1.amazonaws.com' does not resolve",
        at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    )
    account = SendGrid()
    for width, page in at_each_width(browser, live_server.url):
        ProviderCredentials.objects.all().delete()
        page.goto(f"{live_server.url}/messages/settings/#provider-events")
        assert "refused until its verification key is set below" in page.inner_text(
            "#provider-status"
        )
        assert "failed" in page.inner_text("#sns-subscriptions")
        page.fill("#field-sendgrid_public_key", "not a key")
        page.click("#provider-form button[type=submit]")
        page.wait_for_selector("#field-sendgrid_public_key-error")
        assert "ECDSA P-256" in page.inner_text("#field-sendgrid_public_key-error")
        assert fits(page)
        page.locator("#provider-events").screenshot(
            path=str(SHOTS / f"messaging-provider-verification-error-{width}.png")
        )
        page.fill("#field-sendgrid_public_key", account.public_key)
        page.fill("#field-postmark_username", "postmark-hooks")
        page.fill("#field-postmark_password", "correct-battery-staple")
        page.click("#provider-form button[type=submit]")
        page.wait_for_selector("#provider-status")
        status = page.inner_text("#provider-status")
        assert "Signed Event Webhook key set on" in status
        assert "basic-auth credentials set on" in status
        assert account.public_key not in page.content()
        assert page.input_value("#field-sendgrid_public_key") == ""
        assert page.input_value("#field-attribution_days") == "7"
        looked_at(page, f"messaging-sending-rules-{width}")
    assert ProviderCredentials.objects.get().postmark_username == "postmark-hooks"
