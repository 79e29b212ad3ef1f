"""The per-template report: each email template's messages sent in the chosen period
(UTC days) and what recipients did, summed over its broadcasts, with rates blank (not
0 %) when nothing was sent; the same figures on the page (reached from the templates
list) and in ``GET /api/messaging/templates/report``."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from pacer.messaging import actions
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Message, MessageEvent
from pacer.messaging.template_report import template_report
from tests.messaging.conftest import person
from tests.messaging.test_api import bearer

pytestmark = pytest.mark.django_db

MARCH_2 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH_9 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def send(workspace, now, template, sender, emails, at) -> dict[str, Message]:
    ids = [person(workspace, email, email[:3].title()).pk for email in emails]
    broadcast = actions.create_broadcast(
        workspace,
        name=f"{template.name} {at:%d}",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"contacts": ids},
    )
    now["at"] = at
    actions.queue_broadcast(workspace, broadcast.pk)
    deliver()
    return {m.email: m for m in Message.objects.filter(broadcast=broadcast)}


def event(message, kind, key=""):
    MessageEvent.objects.create(
        workspace_id=message.workspace_id,
        message=message,
        kind=kind,
        key=key or kind,
        at=message.sent_at + timedelta(hours=1),
    )


@pytest.fixture
def story(workspace, now, smtp):
    """Spring: five sent on March 2 (a sixth refused by the relay) with opens, clicks, a
    bounce, a complaint and an unsubscribe, and one more sent on March 9; Autumn: two
    sent on March 9; Winter: never sent."""
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    html = '<p><a href="https://shop.test/">Shop</a></p>'
    spring, autumn, _ = (
        actions.save_template(workspace, name=name, subject="Hi", html=html)
        for name in ("Spring", "Autumn", "Winter")
    )
    smtp.refuse["fay@x.test"] = "550 no such user"
    first = send(
        workspace,
        now,
        spring,
        sender,
        ["ada@x.test", "bob@x.test", "cy@x.test", "dee@x.test", "eve@x.test", "fay@x.test"],
        MARCH_2,
    )
    for email in ("ada@x.test", "bob@x.test", "cy@x.test"):
        event(first[email], "open")
    event(first["bob@x.test"], "open", "second")  # a second open counts once
    event(first["ada@x.test"], "click")
    event(first["dee@x.test"], "bounce")
    event(first["eve@x.test"], "complaint")
    event(first["cy@x.test"], "unsubscribe")
    later = send(workspace, now, spring, sender, ["gus@x.test"], MARCH_9)
    event(later["gus@x.test"], "open")
    send(workspace, now, autumn, sender, ["hal@x.test", "ivy@x.test"], MARCH_9)
    return spring


def test_each_template_sums_its_broadcasts_in_the_period(workspace, story):
    rows = {
        row.pop("name"): row
        for row in template_report(workspace, date(2026, 3, 1), date(2026, 3, 7))
    }
    assert list(rows) == ["Autumn", "Spring", "Winter"]
    spring = rows["Spring"]
    assert {k: v for k, v in spring.items() if k != "template_id"} == {
        "attempted": 6,
        "sent": 5,
        "delivered": 4,
        "opened": 3,
        "clicked": 1,
        "bounced": 2,
        "complained": 1,
        "unsubscribed": 1,
        "delivery_rate": 4 / 6,
        "open_rate": 3 / 5,
        "click_rate": 1 / 5,
        "bounce_rate": 2 / 6,
        "complaint_rate": 1 / 5,
        "unsubscribe_rate": 1 / 5,
        "orders_after_click": 0,  # tests/messaging/test_click_revenue.py counts them
        "revenue_after_click": Decimal("0.00"),
        "other_currency_orders": 0,
    }
    for name in ("Autumn", "Winter"):  # nothing sent in the period: blank rates
        assert rows[name]["sent"] == 0
        assert {k: v for k, v in rows[name].items() if k.endswith("_rate")} == dict.fromkeys(
            (
                "delivery_rate",
                "open_rate",
                "click_rate",
                "bounce_rate",
                "complaint_rate",
                "unsubscribe_rate",
            ),
            None,
        )


def test_the_period_is_whole_utc_days_and_open_ended_without_dates(workspace, story):
    def sent(start, end):
        return {row["name"]: row["sent"] for row in template_report(workspace, start, end)}

    assert sent(date(2026, 3, 9), date(2026, 3, 9)) == {"Autumn": 2, "Spring": 1, "Winter": 0}
    assert sent(None, None) == {"Autumn": 2, "Spring": 6, "Winter": 0}
    assert sent(date(2026, 3, 3), date(2026, 3, 8)) == {"Autumn": 0, "Spring": 0, "Winter": 0}


def test_the_api_gives_the_same_figures_and_refuses_a_backwards_period(client, workspace, story):
    token = bearer(workspace, "marketer")
    answer = client.get(
        "/api/messaging/templates/report?start=2026-03-01&end=2026-03-07",
        **token,
    )
    assert answer.status_code == 200
    spring = next(row for row in answer.json() if row["name"] == "Spring")
    assert (spring["template_id"], spring["sent"], spring["bounced"]) == (story.pk, 5, 2)
    assert spring["open_rate"] == 0.6
    winter = next(row for row in answer.json() if row["name"] == "Winter")
    assert (winter["sent"], winter["open_rate"], winter["delivery_rate"]) == (0, None, None)
    refused = client.get(
        "/api/messaging/templates/report?start=2026-03-07&end=2026-03-01",
        **token,
    )
    assert refused.status_code == 422
    assert "end" in refused.content.decode()


def test_the_page_is_reached_from_the_templates_list_and_shows_blank_rates(
    client, admin, workspace, story, now
):
    now["at"] = MARCH_9
    client.force_login(admin)
    overview = client.get("/messages/").content.decode()
    assert 'href="/messages/templates/report/"' in overview
    page = client.get("/messages/templates/report/?start=2026-03-01&end=2026-03-07")
    assert page.status_code == 200
    html = page.content.decode()
    table = html[html.index('id="template-report"') :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    cells = {
        re.sub(r"<[^>]+>", "", row.split("</t", 1)[0]).strip(): [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    }
    spring = next(v for k, v in cells.items() if "Spring" in k)
    winter = next(v for k, v in cells.items() if "Winter" in k)
    assert spring == ["Spring", "5", "66.7%", "60.0%", "20.0%", "33.3%", "20.0%", "20.0%", "$0"]
    assert winter[:2] == ["Winter", "0"]
    assert "%" not in " ".join(winter)  # every rate blank, none 0 %
    bad = client.get("/messages/templates/report/?start=2026-03-07&end=2026-03-01")
    assert "must be on or after the start date" in bad.content.decode()
