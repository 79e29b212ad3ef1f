"""The per-recipient outcome tables and the per-template report in a real Chromium: an
email broadcast's messages narrowed to the bounced ones, an SMS broadcast's texts to the
undelivered ones with the error code's name, the SMS deliverability warning on the SMS
list and the sending rules, the per-template report (with its SMS section) reached from
the templates list; no sideways scrolling on a phone. Screenshots at 390 and 1440 px."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.messaging import actions, sms_broadcasts
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Message, MessageEvent, SmsMessage
from tests.messaging.conftest import person
from tests.messaging.pages import at_each_width, looked_at
from tests.messaging.test_sms_broadcasts import phone_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_outcome_tables_and_the_template_report(browser, live_server, workspace, admin, now, smtp):
    for name in ("ada", "bob", "cy"):
        person(workspace, f"{name}@x.test", name.title())
    smtp.refuse["cy@x.test"] = "550 no such user"
    template = actions.save_template(workspace, name="Spring", subject="Hi", html="<p>x</p>")
    actions.save_template(workspace, name="Winter", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="Spring",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
    )
    now["at"] = SENT
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    ada, bob = (Message.objects.get(email=f"{n}@x.test") for n in ("ada", "bob"))
    MessageEvent.objects.create(
        workspace=workspace, message=ada, kind="open", at=SENT + timedelta(minutes=4)
    )
    MessageEvent.objects.create(
        workspace=workspace,
        message=bob,
        kind="bounce",
        key="bounce",
        at=SENT + timedelta(hours=2),
        detail="550 5.1.1 mailbox unknown",
    )
    people = [phone_person(workspace, f"p{n}@x.test", f"+1555010010{n}", f"P{n}") for n in range(3)]
    texts = sms_broadcasts.create_sms_broadcast(
        workspace,
        name="Flash",
        text="Hi {{ contact.first_name }}",
        audience={"contacts": [p.pk for p in people]},
    )
    sms_broadcasts.queue_sms_broadcast(workspace, texts.pk)
    for text, (status, delivery, code) in zip(
        SmsMessage.objects.filter(broadcast=texts).order_by("contact_id"),
        [("sent", "delivered", ""), ("failed", "undelivered", "30007"), ("sent", "", "")],
        strict=True,
    ):
        reason = f"the provider reported it undelivered (error {code})" if code else ""
        SmsMessage.objects.filter(pk=text.pk).update(
            status=status, delivery=delivery, error_code=code, sent_at=SENT, reason=reason
        )
    now["at"] = SENT + timedelta(hours=12)
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/messages/broadcasts/{broadcast.pk}/")
        page.select_option("#message-filters select[name=outcome]", "bounced")
        page.wait_for_url("**outcome=bounced**")
        rows = page.inner_text("#broadcast-messages tbody")
        assert "bob@x.test" in rows and "cy@x.test" in rows and "ada@x.test" not in rows
        assert "550 5.1.1 mailbox unknown" in rows
        looked_at(page, f"messaging-outcomes-{width}")

        page.goto(f"{live_server.url}/messages/sms/{texts.pk}/?delivery=not_delivered")
        rows = page.inner_text("#sms-texts tbody")
        assert "30007" in rows and "P1" in rows and "P0" not in rows
        looked_at(page, f"messaging-sms-outcomes-{width}")

        page.goto(f"{live_server.url}/messages/sms/")
        warning = page.inner_text("#sms-deliverability")
        assert "failed with error 30007 (blocked as spam by the carrier)" in warning
        looked_at(page, f"messaging-sms-list-{width}")
        page.goto(f"{live_server.url}/messages/settings/#sms-provider")
        assert "error 30007" in page.inner_text("#sms-provider #sms-deliverability")
        looked_at(page, f"messaging-settings-sms-{width}")

        page.goto(f"{live_server.url}/messages/")
        page.click("#template-report-link a")
        page.wait_for_selector("#template-report")
        page.click("text=Last 7 days")
        page.wait_for_url("**range=last_7**")
        rows = page.inner_text("#template-report tbody")
        assert "Spring" in rows and "Winter" in rows
        # SMS has no templates: its broadcasts are a section of their own below
        sms_rows = page.inner_text("#sms-report tbody")
        assert "Flash" in sms_rows and "Spring" not in sms_rows
        looked_at(page, f"messaging-template-report-{width}")
