"""An SMS broadcast's delivered count, from the Twilio-compatible provider's signed status
callbacks: in the report, the API and the broadcast's page (KPI cards and each text's
delivery time), with replays and late statuses counted once."""

import re
from datetime import timedelta

import pytest

from pacer.messaging import sms, sms_broadcasts
from pacer.messaging.models import SmsBroadcast, SmsMessage
from tests.messaging.test_api import bearer
from tests.messaging.test_sms_broadcasts import phone_person
from tests.messaging.test_twilio import account, broadcast_to, post_signed, server
from tests.messaging.twilio_server import ACCOUNT_SID

pytestmark = pytest.mark.django_db
__all__ = ["account", "server"]  # fixtures

NUMBERS = ["+15550100101", "+15550100102", "+15550100103", "+15550100104"]


def callback(client, workspace, text: SmsMessage, status: str, **extra) -> dict:
    params = {"AccountSid": ACCOUNT_SID, "MessageSid": text.provider_id, "MessageStatus": status}
    answer = post_signed(client, workspace, "status", {**params, **extra})
    assert answer.status_code == 200
    return answer.json()


def test_delivered_texts_are_counted_once_in_the_report_the_api_and_the_page(
    client, workspace, admin, server, account, now
):
    people = [
        phone_person(workspace, f"p{n}@x.test", number, f"P{n}") for n, number in enumerate(NUMBERS)
    ]
    ada, bob, cy, dee = broadcast_to(workspace, *people)
    assert sms.deliver_sms() == 4
    ada, bob, cy, dee = (SmsMessage.objects.get(pk=t.pk) for t in (ada, bob, cy, dee))
    broadcast = SmsBroadcast.objects.get()

    for status in ("sent", "delivered"):
        callback(client, workspace, ada, status)
    assert callback(client, workspace, ada, "delivered")["recorded"] is False  # a replay
    assert callback(client, workspace, ada, "sent")["recorded"] is False  # late
    callback(client, workspace, bob, "delivered")
    callback(client, workspace, bob, "read")
    callback(client, workspace, cy, "undelivered", ErrorCode="30005")
    assert callback(client, workspace, cy, "delivered")["recorded"] is False
    # dee: the provider has not reported yet

    report = sms_broadcasts.report(broadcast)
    assert {name: report[name] for name in ("total", "sent", "failed", "delivered")} == {
        "total": 4,
        "sent": 3,
        "failed": 1,
        "delivered": 2,
    }
    assert (report["not_delivered"], report["delivery_rate"]) == (1, 0.5)
    assert report["reasons"] == [("the provider reported it undelivered (error 30005)", 1)]

    read = client.get(
        f"/api/messaging/sms/broadcasts/{broadcast.pk}", **bearer(workspace, "marketer")
    ).json()
    assert (read["delivered"], read["not_delivered"], read["delivery_rate"]) == (2, 1, 0.5)

    client.force_login(admin)
    page = client.get(f"/messages/sms/{broadcast.pk}/").content.decode()

    def kpi(html_id: str) -> str:
        found = re.search(rf'id="{html_id}".*?class="kpi-value"[^>]*>([^<]*)<', page, re.S)
        return found.group(1)

    assert (kpi("kpi-sent"), kpi("kpi-delivered"), kpi("kpi-delivery-rate")) == (
        "3",
        "2",
        "50.0%",
    )
    assert page.count(now["at"].strftime("%Y-%m-%d %H:%M")) >= 2 + 4  # delivered + sent times
    assert 'id="chart-sms-delivery"' in page


def test_the_delivery_chart_counts_texts_sent_and_delivered_per_hour(
    client, workspace, server, account, now
):
    people = [phone_person(workspace, f"p{n}@x.test", n_, f"P{n}") for n, n_ in enumerate(NUMBERS)]
    texts = broadcast_to(workspace, *people)
    broadcast = SmsBroadcast.objects.get()
    assert sms_broadcasts.delivery_over_time(broadcast) == {
        "unit": "hour",
        "periods": [],
        "series": {"sent": [], "delivered": []},
    }
    start = now["at"]
    assert sms.deliver_sms() == 4
    texts = [SmsMessage.objects.get(pk=t.pk) for t in texts]
    assert sms_broadcasts.report(broadcast)["delivery_rate"] is None  # no report yet
    now["at"] = start + timedelta(minutes=20)
    callback(client, workspace, texts[0], "delivered")
    now["at"] = start + timedelta(hours=2, minutes=5)
    callback(client, workspace, texts[1], "delivered")
    callback(client, workspace, texts[2], "undelivered")

    assert sms_broadcasts.delivery_over_time(broadcast) == {
        "unit": "hour",
        "periods": [start, start + timedelta(hours=1), start + timedelta(hours=2)],
        "series": {"sent": [4, 0, 0], "delivered": [1, 0, 1]},
    }


def test_before_a_delivery_report_the_delivery_rate_is_blank(client, workspace, admin, account):
    broadcast_to(workspace, phone_person(workspace, "p@x.test", NUMBERS[0], "P"))
    broadcast = SmsBroadcast.objects.get()
    report = sms_broadcasts.report(broadcast)
    assert (report["queued"], report["delivered"], report["delivery_rate"]) == (1, 0, None)
    client.force_login(admin)
    page = client.get(f"/messages/sms/{broadcast.pk}/").content.decode()
    assert 'id="kpi-delivery-rate-blank">no delivery report yet<' in page
