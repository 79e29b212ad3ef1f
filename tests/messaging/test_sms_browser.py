"""The SMS broadcast pages in a real Chromium at 390 px (and 1440): a broadcast to a
segment made through the form (a refusal shown beside its field first), queued from its
page (Send now again from an older tab: refused on the page, 422), which then lists each
recipient's text with the reason a skipped one was not sent; no sideways scrolling.
Screenshots in ``$PACER_SCREENSHOTS``."""

from datetime import UTC, datetime

import pytest

from pacer.messaging.models import SmsBroadcast, SmsMessage, SuppressedNumber
from pacer.segments import actions as segments
from tests.messaging.pages import SHOTS, fits, looked_at, signed_in
from tests.messaging.test_sms_broadcasts import BOB, CY, phone_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADA = "+15550100100"


@pytest.mark.parametrize("width", [390, 1440])
def test_an_sms_broadcast_to_a_segment_made_queued_and_its_recipients_shown(
    browser, live_server, workspace, admin, settings, tmp_path, width
):
    settings.LEAD_SMS_URL, settings.LEAD_SMS_OUTBOX = "", tmp_path / "sms"
    ada = phone_person(workspace, "ada@x.test", ADA, "Ada")
    bob = phone_person(workspace, "bob@x.test", BOB, "Bob", consent=False)
    cy = phone_person(workspace, "cy@x.test", CY, "Cy")
    phone_person(workspace, "dee@x.test", "+15550100400", "Dee")  # not in the segment
    SuppressedNumber.objects.create(
        workspace=workspace, number=CY, created_at=datetime(2026, 1, 2, tzinfo=UTC)
    )
    regulars = segments.create_segment(workspace, name="Regulars", kind="static")
    segments.add_members(workspace, regulars, [ada.pk, bob.pk, cy.pk])

    context, page = signed_in(browser, live_server.url, width)
    page.goto(f"{live_server.url}/messages/sms/new/")
    page.fill("#field-name", "Weekend sale")
    page.fill("#field-text", "")
    page.select_option("#field-segment_id", str(regulars.pk))
    page.click("#sms-form button.primary[type=submit]")
    page.wait_for_selector("#field-text-error")  # refused, said beside the field
    assert not SmsBroadcast.objects.exists()
    looked_at(page, f"messaging-sms-form-{width}")
    page.fill("#field-text", "Hi {{ contact.first_name }}: 20% off this weekend. STOP to opt out")
    page.click("#sms-form button.primary[type=submit]")
    page.wait_for_selector("#send-now")
    second_tab = context.new_page()
    second_tab.goto(page.url)
    page.click("#send-now")
    page.wait_for_selector("#sms-texts")
    # Send now again from a tab opened before: the page says why, nothing queued twice
    with second_tab.expect_navigation() as refused:
        second_tab.click("#send-now")
    assert refused.value.status == 422
    assert "already queued" in second_tab.inner_text("#queue-refused")
    assert fits(second_tab)
    second_tab.screenshot(path=str(SHOTS / f"messaging-sms-refused-{width}.png"), full_page=True)
    second_tab.close()

    broadcast = SmsBroadcast.objects.get()
    assert broadcast.audience == {"segment": regulars.pk}
    assert page.inner_text("#kpi-queued").split()[-1] == "1"
    assert page.inner_text("#kpi-skipped").split()[-1] == "2"
    rows = page.locator("#sms-texts tbody tr")
    cells = [rows.nth(n).inner_text().split("\t") for n in range(rows.count())]
    # number, status, delivery (nothing reported: no provider yet), why
    shown = sorted([c[1], c[2], c[3].strip(), c[4]] for c in cells)
    assert shown == [
        [ADA, "Queued", "", ""],
        [BOB, "Skipped", "", "no SMS consent for marketing"],
        [CY, "Skipped", "", "the number texted STOP"],
    ]
    reasons = page.inner_text("#reasons")
    assert "no SMS consent for marketing: 1" in reasons and "the number texted STOP: 1" in reasons
    assert "Members of segment Regulars when queued" in page.inner_text("main")
    looked_at(page, f"messaging-sms-broadcast-{width}")
    context.close()
    assert SmsMessage.objects.count() == 3
