"""A sender's page and a broadcast's attributed revenue in a real Chromium: the key is
rotated through the form and its DNS record shown, deletion is refused with the reason
while a broadcast uses the sender, the attribution model is chosen from the report's
filter; no sideways scrolling on a phone. Screenshots at 390 and 1440 px."""

from datetime import timedelta
from decimal import Decimal

import pytest

from pacer.messaging.models import Click, Sender
from pacer.people.models import Order
from pacer.warehouse.sync import sync
from tests.messaging.pages import SHOTS, at_each_width, fits, looked_at
from tests.messaging.test_recipient_outcomes import SENT, make_broadcast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sender_page_and_the_attributed_revenue(
    browser, live_server, workspace, admin, now, smtp
):
    broadcast, sent = make_broadcast(workspace, now, smtp, ["ada"])
    ada, sender = sent["ada"].contact_id, broadcast.sender
    Click.objects.create(
        workspace=workspace, contact_id=ada, channel="email", broadcast=broadcast, at=SENT
    )
    Order.objects.create(
        workspace=workspace,
        external_id="o-1",
        contact_id=ada,
        placed_at=SENT + timedelta(days=1),
        total=Decimal("120.00"),
        currency="USD",
    )
    sync()
    for width, page in at_each_width(browser, live_server.url):
        page.goto(f"{live_server.url}/messages/senders/{sender.pk}/")
        if width == 1440:
            page.fill("#field-rotate-dkim_selector", "s2026")
            page.click("#rotate-key")
            page.wait_for_selector("#dkim-record-value")
        record = page.inner_text("#dkim-record-value")
        assert record.startswith("v=DKIM1; k=rsa; p=")
        assert "s2026._domainkey.acme.test" in page.inner_text("#dkim-record")
        assert "was sent with it" in page.inner_text("#delete-refused")
        looked_at(page, f"sender-{width}")

        page.goto(f"{live_server.url}/messages/broadcasts/{broadcast.pk}/#attributed")
        assert page.inner_text("#kpi-attributed-revenue .kpi-value") == "$120"
        page.select_option("#attribution-filters select[name=model]", "shapley")
        page.wait_for_url("**model=shapley**")
        assert page.inner_text("#kpi-attributed-revenue .kpi-value") == "$120"
        assert "Shapley model" in page.inner_text("#attributed-note")
        assert fits(page), f"the broadcast page scrolls sideways at {width} px"
        page.locator("#attributed").screenshot(path=str(SHOTS / f"attributed-{width}.png"))
    assert Sender.objects.get().dkim_selector == "s2026"
