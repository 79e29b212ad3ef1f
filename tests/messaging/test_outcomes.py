"""What a broadcast led to: orders within 7 days after a click count once, in the
workspace's currency (an order before the click, after the window, without a click, or
in another currency does not); delivery per hour sums to the report, on the page (chart
and table), in its CSV and in the REST report."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from pacer.messaging import actions, outcomes
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Message, MessageEvent
from pacer.messaging.tracking import click_url, open_url
from pacer.people.models import Order
from tests.messaging.conftest import person
from tests.messaging.pages import broadcast_page
from tests.messaging.test_api import bearer
from tests.messaging.test_pages import text

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLICKED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def follow(client, message, now, at, url="https://shop.test/spring"):
    now["at"] = at
    response = client.get(
        click_url(message.workspace_id, message.pk, url).removeprefix(settings.BASE_URL)
    )
    assert response.status_code == 302


def kpi(response, html_id: str) -> str:
    found = re.search(
        rf'id="{html_id}".*?class="kpi-value"[^>]*>([^<]*)<', response.content.decode(), re.S
    )
    return found.group(1)


def order(contact, placed_at, total, currency="USD"):
    Order.objects.create(
        workspace=contact.workspace,
        external_id=f"o-{contact.pk}-{placed_at:%d%H%M}-{currency}",
        contact=contact,
        placed_at=placed_at,
        total=Decimal(total),
        currency=currency,
    )


@pytest.fixture
def story(workspace, now, smtp, client):
    """Five recipients sent at 09:00 (a sixth refused by the relay), clicks at 10:00 and
    11:00, an open, an unsubscribe and a hard-bounce DSN, and orders around them."""
    names = ["ada", "bob", "cy", "dee", "eve", "fay"]
    people = {name: person(workspace, f"{name}@x.test", name.title()) for name in names}
    smtp.refuse["fay@x.test"] = "550 no such user"
    template = actions.save_template(
        workspace, name="T", subject="Hi", html='<p><a href="https://shop.test/">Shop</a></p>'
    )
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
    assert deliver() == 5  # fay refused
    message = {m.email.split("@")[0]: m for m in Message.objects.filter(broadcast=broadcast)}
    for name in ("ada", "bob", "dee", "eve"):
        follow(client, message[name], now, CLICKED)
    follow(client, message["dee"], now, CLICKED + timedelta(hours=1))  # a second click
    now["at"] = CLICKED + timedelta(minutes=5)
    assert client.get(open_url(workspace.pk, message["ada"].pk)).status_code == 200
    now["at"] = CLICKED + timedelta(hours=1, minutes=30)
    MessageEvent.objects.create(
        workspace=workspace, message=message["eve"], kind="unsubscribe", at=now["at"]
    )
    MessageEvent.objects.create(
        workspace=workspace,
        message=message["bob"],
        kind="bounce",
        key="bounce",
        at=datetime(2026, 3, 2, 12, 15, tzinfo=UTC),
    )
    order(people["ada"], CLICKED + timedelta(days=3), "100.00")  # inside the window
    order(people["bob"], CLICKED - timedelta(minutes=30), "40.00")  # before the click
    order(people["bob"], CLICKED + timedelta(days=7, minutes=1), "50.00")  # after it
    order(people["cy"], CLICKED + timedelta(days=1), "30.00")  # no click
    order(people["dee"], CLICKED + timedelta(days=2), "25.50")  # two clicks: once
    order(people["eve"], CLICKED + timedelta(days=7), "12.25")  # the window's last moment
    order(people["eve"], CLICKED + timedelta(days=1), "99.00", currency="EUR")
    return broadcast


def test_orders_within_seven_days_after_a_click_count_once(workspace, story):
    found = outcomes.revenue_after_click(workspace, story)

    assert found == {
        "window_days": 7,
        "currency": "USD",
        "orders": 3,
        "revenue": Decimal("137.75"),
        "other_currency_orders": 1,
        "variants": [],
    }


def test_delivery_per_hour_sums_to_the_report(workspace, story):
    found = outcomes.delivery_over_time(workspace, story)

    assert found["unit"] == "hour"
    assert found["periods"] == [SENT + timedelta(hours=h) for h in range(4)]
    assert found["series"] == {
        "sent": [5, 0, 0, 0],
        "delivered": [4, 0, 0, 0],  # bob's DSN came back
        "opened": [0, 1, 0, 0],
        "clicked": [0, 4, 0, 0],  # dee's second click is not another message
        "bounced": [1, 0, 0, 1],  # fay refused at 09:00, bob's DSN at 12:15
        "unsubscribed": [0, 0, 1, 0],
    }


def test_the_report_page_csv_and_api_show_the_same_figures(client, admin, workspace, story):
    response = broadcast_page(client, admin, story.pk)
    page = text(response)
    assert (kpi(response, "kpi-orders"), kpi(response, "kpi-revenue")) == ("3", "$138")
    assert (
        "3 orders totalling $138." in page
        and "Orders within 7 days of a click on this broadcast count" in page
        and "1 order in another currency" in page
    )
    assert 'id="delivery-config"' in response.content.decode()
    chart = response.context["delivery_chart"]
    assert chart["data"]["labels"] == [f"2026-03-02 {h:02}:00" for h in range(9, 13)]
    assert [(d["label"], d["data"]) for d in chart["data"]["datasets"]][:2] == [
        ("Sent", [5, 0, 0, 0]),
        ("Delivered", [4, 0, 0, 0]),
    ]

    csv = b"".join(client.get(f"/messages/broadcasts/{story.pk}/delivery.csv").streaming_content)
    assert csv.decode().splitlines() == [
        "period,sent,delivered,opened,clicked,bounced,unsubscribed",
        "2026-03-02T09:00:00+00:00,5,4,0,0,1,0",
        "2026-03-02T10:00:00+00:00,0,0,1,4,0,0",
        "2026-03-02T11:00:00+00:00,0,0,0,0,0,1",
        "2026-03-02T12:00:00+00:00,0,0,0,0,1,0",
    ]

    report_url = f"/api/messaging/broadcasts/{story.pk}/report"
    assert client.get(report_url, **bearer(workspace, "analyst")).status_code == 403
    got = client.get(report_url, **bearer(workspace, "marketer"))
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["revenue_after_click"] == {
        "window_days": 7,
        "currency": "USD",
        "orders": 3,
        "revenue": "137.75",
        "other_currency_orders": 1,
        "variants": [],
    }
    assert (body["sent"], body["bounced"], body["clicked"], body["unit"]) == (5, 2, 4, "hour")
    assert (body["delivered"], body["delivery_rate"]) == (4, 4 / 6)  # as the series sums
    assert body["delivery"][1] == {
        "start": "2026-03-02T10:00:00Z",
        "sent": 0,
        "delivered": 0,
        "opened": 1,
        "clicked": 4,
        "bounced": 0,
        "unsubscribed": 0,
    }


def test_revenue_is_split_by_subject_variant(workspace, now, smtp, client):
    contacts = [person(workspace, f"p{i}@x.test", f"P{i}") for i in range(4)]
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="Test",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        subject_variants=["One", "Two"],
        test_percent=50,
    )
    now["at"] = SENT
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    tested = Message.objects.filter(broadcast=broadcast, variant__isnull=False).order_by("variant")
    assert [m.variant for m in tested] == [0, 1]
    by_id = {c.pk: c for c in contacts}
    for message, total in zip(tested, ("10.00", "32.50"), strict=True):
        follow(client, message, now, CLICKED)
        order(by_id[message.contact_id], CLICKED + timedelta(hours=2), total)

    found = outcomes.revenue_after_click(workspace, broadcast)

    assert (found["orders"], found["revenue"]) == (2, Decimal("42.50"))
    assert found["variants"] == [
        {"variant": "A", "orders": 1, "revenue": Decimal("10.00")},
        {"variant": "B", "orders": 1, "revenue": Decimal("32.50")},
    ]


def test_the_workspace_attribution_window_sets_revenue_after_click(client, admin, workspace, story):
    """Set through the REST settings (1-90 days, else 422 naming the field and nothing
    changed) and through the sending-rules page, used by the report page and the API."""
    marketer = bearer(workspace, "marketer")
    url = "/api/messaging/settings"
    body = {"time_zone": "UTC", "attribution_days": 3}
    for wrong in (0, 91):
        refused = client.put(
            url, {**body, "attribution_days": wrong}, "application/json", **marketer
        )
        assert refused.status_code == 422
        assert "attribution_days" in refused.json()["detail"], refused.content
    assert client.get(url, **marketer).json()["attribution_days"] == 7
    saved = client.put(url, body, "application/json", **marketer)
    assert saved.status_code == 200 and saved.json()["attribution_days"] == 3

    report = client.get(f"/api/messaging/broadcasts/{story.pk}/report", **marketer).json()
    # ada's order 3 days after her click (the window's last moment) and dee's after 2
    assert report["revenue_after_click"] == {
        "window_days": 3,
        "currency": "USD",
        "orders": 2,
        "revenue": "125.50",
        "other_currency_orders": 1,
        "variants": [],
    }
    page = text(broadcast_page(client, admin, story.pk))
    assert "2 orders totalling $126. Orders within 3 days of a click on this broadcast" in page

    form = {"time_zone": "UTC", "cap_count": "0", "cap_days": "7", "soft_bounce_limit": "3"}
    form |= {"soft_bounce_days": "7"}
    wrong = client.post("/messages/settings/", {**form, "attribution_days": "120"})
    assert wrong.status_code == 422
    assert "Revenue attribution window (days): must be a whole number from 1 to 90" in text(wrong)
    assert outcomes.revenue_after_click(workspace, story)["window_days"] == 3
    assert client.post("/messages/settings/", {**form, "attribution_days": "1"}).status_code == 302
    found = outcomes.revenue_after_click(workspace, story)
    assert (found["window_days"], found["orders"], found["other_currency_orders"]) == (1, 0, 1)
    assert client.post("/messages/settings/", form).status_code == 302  # absent: kept
    assert outcomes.revenue_after_click(workspace, story)["window_days"] == 1
