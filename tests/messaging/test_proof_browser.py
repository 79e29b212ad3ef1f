"""The pages a sender checks before sending, in a real Chromium at 390 and 1440 px: the
SMS provider form on the sending-rules page (and its notice when the kept token cannot be
read), an e-mail template's preview as a chosen contact and its test-send form (a refusal
beside its field, then a test over real SMTP), and an SMS broadcast's preview as a
contact; no sideways scrolling. Screenshots in ``$PACER_SCREENSHOTS``."""

import pytest

from pacer.messaging import actions, sms, sms_broadcasts, sms_providers
from pacer.messaging.models import Message, SmsProviderAccount
from tests.messaging.pages import SHOTS, fits, signed_in
from tests.messaging.test_sms_broadcasts import phone_person
from tests.messaging.twilio_server import ACCOUNT_SID, AUTH_TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1440])
def test_the_sms_provider_form_and_its_unreadable_token_notice(
    browser, live_server, workspace, admin, width
):
    context, page = signed_in(browser, live_server.url, width)
    page.goto(f"{live_server.url}/messages/settings/#sms-provider")
    page.select_option("#field-kind", "twilio")
    page.fill("#field-account_sid", ACCOUNT_SID)
    page.fill("#field-from_number", "+15005550006")
    page.click("#sms-provider-form button[type=submit]")
    page.wait_for_selector("#field-auth_token-error")  # the token is required
    assert not SmsProviderAccount.objects.exists() and fits(page)
    page.locator("#sms-provider").screenshot(
        path=str(SHOTS / f"messaging-sms-provider-{width}.png")
    )

    page.fill("#field-auth_token", AUTH_TOKEN)
    page.click("#sms-provider-form button[type=submit]")
    page.wait_for_selector("#sms-provider-status >> text=Twilio-compatible API")
    assert sms_providers.auth_token_problem(SmsProviderAccount.objects.get()) == ""
    assert sms_providers.callback_url(workspace.pk, "inbound") in page.inner_text("#sms-provider")
    assert fits(page)

    SmsProviderAccount.objects.update(auth_token_sealed="v2:" + "A" * 40)  # unreadable
    page.reload()
    assert "cannot be decrypted" in page.inner_text("#sms-token-problem") and fits(page)
    page.locator("#sms-provider").screenshot(
        path=str(SHOTS / f"messaging-sms-provider-unreadable-{width}.png")
    )
    context.close()


@pytest.mark.parametrize("width", [390, 1440])
def test_a_template_previews_as_a_contact_and_test_sends_and_an_sms_previews(
    browser, live_server, workspace, admin, smtp, settings, tmp_path, width
):
    settings.LEAD_SMS_URL, settings.LEAD_SMS_OUTBOX = "", tmp_path / "sms"
    phone_person(workspace, "ada@x.test", "+15550100100", "Ada")
    phone_person(workspace, "bob@x.test", "+15550100200", "Bob")
    template = actions.save_template(
        workspace,
        name="Spring",
        subject="Hi {{ contact.first_name }}",
        html="<p>Hello {{ contact.first_name }}, spring is here.</p>",
    )
    actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    context, page = signed_in(browser, live_server.url, width)

    page.goto(f"{live_server.url}/messages/templates/{template.pk}/?contact=bob@x.test#preview")
    assert page.inner_text("#preview-subject") == "Hi Bob"
    page.fill("#test-send-form #field-to", "not-an-address")
    page.click("#test-send-form button[type=submit]")
    page.wait_for_selector("#test-send-form #field-to-error")
    assert smtp.messages == [] and fits(page)
    page.locator("#preview").screenshot(path=str(SHOTS / f"messaging-preview-{width}.png"))
    page.locator("#test-send").screenshot(path=str(SHOTS / f"messaging-test-send-{width}.png"))

    page.fill("#test-send-form #field-to", "me@acme.test")
    page.click("#test-send-form button[type=submit]")
    page.wait_for_selector("text=Test sent to me@acme.test as bob@x.test")
    assert len(smtp.messages) == 1 and not Message.objects.exists()
    assert fits(page)

    broadcast = sms_broadcasts.create_sms_broadcast(
        workspace, name="Sale", text="Hi {{ contact.first_name }}: 20% off", audience={"all": True}
    )
    page.goto(f"{live_server.url}/messages/sms/{broadcast.pk}/")
    page.fill("#sms-preview-contact", "ada@x.test")
    page.click("#sms-preview-form button[type=submit]")
    page.wait_for_selector("#sms-preview >> text=Hi Ada: 20% off")
    assert fits(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"messaging-sms-preview-{width}.png"), full_page=True)

    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)  # through the outbox folder
    assert sms.deliver_sms() == 2
    page.goto(f"{live_server.url}/messages/sms/{broadcast.pk}/")
    page.wait_for_selector("#chart-sms-delivery")
    assert page.inner_text("#kpi-sent").split()[-1] == "2" and fits(page)
    page.screenshot(path=str(SHOTS / f"messaging-sms-report-{width}.png"), full_page=True)
    context.close()
