"""The broadcast pages in a real Chromium: a subject test made through the form (a refusal
shown beside its field first), stored as entered; the report with revenue after click,
the delivery chart and its table, with no sideways scrolling on a phone. Screenshots at
390 and 1440 px."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from pacer.messaging import actions
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Broadcast, Message, MessageEvent
from pacer.messaging.tracking import click_url
from pacer.people.models import Order
from tests.messaging.conftest import person
from tests.messaging.pages import at_each_width, looked_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_subject_test_through_the_form_and_its_report(
    browser, live_server, workspace, admin, now, smtp, client
):
    contacts = [person(workspace, f"p{i}@x.test", f"P{i}") for i in range(8)]
    template = actions.save_template(workspace, name="Spring", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/messages/broadcasts/new/")
        page.fill("#field-name", f"Spring {width}")
        page.select_option("#field-template_id", str(template.pk))
        page.select_option("#field-sender_id", str(sender.pk))
        page.fill("#field-audience", "all")
        page.fill("#field-variant_a", "Spring sale")
        page.fill("#field-variant_b", "Spring sale ")
        page.fill("#field-test_percent", "50")
        page.fill("#field-test_wait_hours", "2")
        page.select_option("#field-test_metric", "click")
        page.click("#broadcast-form button.primary[type=submit]")
        page.wait_for_selector("#field-variant_b-error")
        assert "each variant must differ" in page.inner_text("#field-variant_b-error")
        looked_at(page, f"messaging-broadcast-form-{width}")
        page.fill("#field-variant_b", "40% off ends Sunday")
        page.click("#broadcast-form button.primary[type=submit]")
        page.wait_for_selector("#subject-test")
        # the draft says its sender has no DKIM key before anything is sent
        assert "news@acme.test has no DKIM key" in page.inner_text("#sender-unsigned")
        looked_at(page, f"messaging-broadcast-draft-{width}")
    stored = Broadcast.objects.order_by("id").values_list(
        "name", "subject_variants", "test_percent", "test_wait_hours", "test_metric"
    )
    assert list(stored) == [
        (f"Spring {width}", ["Spring sale", "40% off ends Sunday"], 50, 2, "click")
        for width in (1440, 390)
    ]

    broadcast = Broadcast.objects.order_by("id").first()
    now["at"] = SENT
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    by_id = {c.pk: c for c in contacts}
    for hours, message in enumerate(Message.objects.filter(broadcast=broadcast, status="sent")):
        now["at"] = SENT + timedelta(hours=hours + 1)
        link = click_url(workspace.pk, message.pk, "https://shop.test/")
        assert client.get(link.removeprefix(settings.BASE_URL)).status_code == 302
        MessageEvent.objects.create(workspace=workspace, message=message, kind="open", at=now["at"])
        Order.objects.create(
            workspace=workspace,
            external_id=f"o{message.pk}",
            contact=by_id[message.contact_id],
            placed_at=now["at"] + timedelta(days=1),
            total=Decimal("42.50"),
        )
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/messages/broadcasts/{broadcast.pk}/")
        page.wait_for_selector("#chart-delivery")
        assert page.inner_text("#kpi-orders .kpi-value") == "4"
        assert page.inner_text("#kpi-revenue .kpi-value") == "$170"
        assert page.inner_text("#kpi-held .kpi-value") == "4"
        looked_at(page, f"messaging-broadcast-report-{width}")
        page.goto(f"{live_server.url}/messages/settings/")
        assert "/m/events/ses/" in page.inner_text("#provider-events")
        looked_at(page, f"messaging-settings-{width}")
