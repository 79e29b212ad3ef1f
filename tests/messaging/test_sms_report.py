"""The SMS section of the per-template report (SMS broadcasts have no templates): per SMS
broadcast with texts sent in the period, sent, delivered, clicked, opted out and revenue
after click, exactly the figures of the broadcast's own page and API, on the report page
and in ``GET /api/messaging/sms/report``. An opt-out counts for the last broadcast text
the number got before its STOP, when it came within four hours of that text."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from pacer.messaging import click_revenue, sms, sms_broadcasts, sms_links, sms_status
from pacer.messaging.models import SmsMessage
from pacer.messaging.sms_report import opted_out, sms_report
from tests.messaging.test_api import bearer
from tests.messaging.test_outcomes import kpi, order
from tests.messaging.test_sms_broadcasts import phone_person

pytestmark = pytest.mark.django_db

SPRING_SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUMMER_SENT = SPRING_SENT + timedelta(days=3)
NAMES = ("ada", "bob", "cy", "dee", "eve")
FIGURES = ("sent", "not_delivered", "delivered", "delivery_rate", "clicked", "click_rate")
FIGURES += ("opted_out", "opt_out_rate")


@pytest.fixture
def outbox(settings, tmp_path):
    settings.LEAD_SMS_URL = ""
    settings.LEAD_SMS_OUTBOX = tmp_path / "sms"


def _send(workspace, name, at, now) -> dict:
    broadcast = sms_broadcasts.create_sms_broadcast(
        workspace, name=name, text="Sale: https://shop.test/sale", audience={"all": True}
    )
    now["at"] = at
    sms_broadcasts.queue_sms_broadcast(workspace, broadcast.pk)
    sms.deliver_sms()
    texts = SmsMessage.objects.filter(broadcast=broadcast, status="sent")
    # the provider's message ids, as its API answers them (the install's gateway has none)
    for text in texts:
        SmsMessage.objects.filter(pk=text.pk).update(provider_id=f"SM{text.pk}")
    return broadcast, {text.to_number: text.pk for text in texts}


def _click(client, workspace, text_id, now, at):
    now["at"] = at
    link = sms_links.short_link(workspace.pk, text_id, 0)
    assert client.get(link.removeprefix(settings.BASE_URL)).status_code == 302


def _status(workspace, text_id, status, now, at):
    now["at"] = at
    sms_status.record_status(workspace, {"MessageSid": f"SM{text_id}", "MessageStatus": status})


def _text_back(workspace, number, body, now, at):
    now["at"] = at
    sms.receive_sms(
        workspace,
        provider_id=f"in-{number}-{at:%d%H}",
        from_number=number,
        to_number="+15550109999",
        body=body,
    )


@pytest.fixture
def story(workspace, outbox, client, now):
    """Spring (day 1) and Summer (day 4) to everyone with a phone. Spring: ada delivered,
    bob delivered then read, cy undelivered; dee and eve click; bob texts STOP an hour
    later (Spring's opt-out); eve texts HELP (not an opt-out). Summer goes to the four
    who did not stop; ada clicks it; dee texts STOP after it (Summer's, not Spring's,
    though dee got Spring too). Orders: dee's 50.00 a day after her Spring click, eve's
    in EUR, ada's 30.00 after her Summer click."""
    people = {
        name: phone_person(workspace, f"{name}@x.test", f"+1555010020{i}", name.title())
        for i, name in enumerate(NAMES)
    }
    number = {name: people[name].phone for name in NAMES}
    spring, texts = _send(workspace, "Spring texts", SPRING_SENT, now)
    hour = timedelta(hours=1)
    _status(workspace, texts[number["ada"]], "delivered", now, SPRING_SENT + hour)
    _status(workspace, texts[number["bob"]], "delivered", now, SPRING_SENT + hour)
    _status(workspace, texts[number["bob"]], "read", now, SPRING_SENT + 2 * hour)
    _status(workspace, texts[number["cy"]], "undelivered", now, SPRING_SENT + hour)
    _click(client, workspace, texts[number["dee"]], now, SPRING_SENT + 2 * hour)
    _click(client, workspace, texts[number["eve"]], now, SPRING_SENT + 3 * hour)
    _text_back(workspace, number["bob"], "STOP", now, SPRING_SENT + hour)
    _text_back(workspace, number["eve"], "HELP", now, SPRING_SENT + 4 * hour)
    summer, later = _send(workspace, "Summer texts", SUMMER_SENT, now)
    assert sorted(later) == sorted(number[n] for n in ("ada", "cy", "dee", "eve"))
    _click(client, workspace, later[number["ada"]], now, SUMMER_SENT + hour)
    _text_back(workspace, number["dee"], "stop", now, SUMMER_SENT + 3 * hour)
    order(people["dee"], SPRING_SENT + timedelta(days=1), "50.00")
    order(people["eve"], SPRING_SENT + timedelta(days=1), "9.00", currency="EUR")
    order(people["ada"], SUMMER_SENT + 2 * hour, "30.00")
    return spring, summer


SPRING = {
    "sent": 4,
    "not_delivered": 1,
    "delivered": 2,
    "delivery_rate": 0.4,
    "clicked": 2,
    "click_rate": 0.4,
    "opted_out": 1,
    "opt_out_rate": 0.25,
    "orders_after_click": 1,
    "revenue_after_click": Decimal("50.00"),
    "other_currency_orders": 1,
}
SUMMER = {
    "sent": 4,
    "not_delivered": 0,
    "delivered": 0,
    "delivery_rate": None,  # the provider reported on none of its texts
    "clicked": 1,
    "click_rate": 0.25,
    "opted_out": 1,
    "opt_out_rate": 0.25,
    "orders_after_click": 1,
    "revenue_after_click": Decimal("30.00"),
    "other_currency_orders": 0,
}


def _own_page_figures(workspace, broadcast) -> dict:
    """What the broadcast's own page counts (its report and revenue after click)."""
    report = sms_broadcasts.report(broadcast)
    revenue = click_revenue.sms_revenue_after_click(workspace, broadcast)
    return {
        **{name: report[name] for name in FIGURES},
        "orders_after_click": revenue["orders"],
        "revenue_after_click": revenue["revenue"],
        "other_currency_orders": revenue["other_currency_orders"],
    }


@pytest.mark.both_databases
def test_each_sms_broadcast_has_its_own_pages_figures_in_the_report(workspace, story):
    spring, summer = story
    rows = sms_report(workspace)
    assert [(row["sms_broadcast_id"], row["name"]) for row in rows] == [
        (spring.pk, "Spring texts"),
        (summer.pk, "Summer texts"),
    ]
    found = [
        {k: v for k, v in row.items() if k not in ("sms_broadcast_id", "name")} for row in rows
    ]
    assert found == [SPRING, SUMMER]
    assert found == [_own_page_figures(workspace, spring), _own_page_figures(workspace, summer)]
    # the period: texts the provider took on those UTC days
    assert [row["name"] for row in sms_report(workspace, date(2026, 3, 3), None)] == [
        "Summer texts"
    ]
    assert sms_report(workspace, date(2026, 3, 3), date(2026, 3, 4)) == []
    assert sms_report(workspace, None, date(2026, 3, 2))[0]["sent"] == 4


def test_the_report_page_and_the_api_show_the_sms_section(client, admin, workspace, story, now):
    spring, summer = story
    now["at"] = SUMMER_SENT + timedelta(days=1)
    marketer = bearer(workspace, "marketer")
    answer = client.get("/api/messaging/sms/report?start=2026-03-01", **marketer)
    assert answer.status_code == 200
    rows = answer.json()
    assert [row["name"] for row in rows] == ["Spring texts", "Summer texts"]
    assert {k: rows[0][k] for k in ("opted_out", "revenue_after_click", "delivery_rate")} == {
        "opted_out": 1,
        "revenue_after_click": "50.00",
        "delivery_rate": 0.4,
    }
    own = client.get(f"/api/messaging/sms/broadcasts/{spring.pk}", **marketer).json()
    assert {k: own[k] for k in FIGURES} == {k: rows[0][k] for k in FIGURES}
    bad = client.get("/api/messaging/sms/report?start=2026-03-07&end=2026-03-01", **marketer)
    assert bad.status_code == 422 and "end" in bad.content.decode()

    client.force_login(admin)
    page = client.get(f"/messages/sms/{spring.pk}/")
    assert (kpi(page, "kpi-opted-out"), kpi(page, "kpi-opt-out-rate")) == ("1", "25.0%")
    html = client.get("/messages/templates/report/?start=2026-03-01").content.decode()
    section = html[html.index('id="sms-report"') :]
    cells = [
        [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)
    ]
    # name, sent, delivered, clicked, opted out, revenue after click (the columns shown)
    assert [row for row in cells if row] == [
        ["Spring texts", "4", "2", "2", "1", "$50.00"],
        ["Summer texts", "4", "0", "1", "1", "$30.00"],
    ]
    assert f'href="/messages/sms/{spring.pk}/"' in section


@pytest.mark.both_databases
def test_a_stop_counts_for_the_last_text_within_four_hours(workspace, outbox, now):
    """ann's STOP comes 4 hours after the broadcast's text to the second (counted); ben's a
    second later (not: too late to put down to it); col asks for HELP, gets its answer,
    then stops (counted: an answer is no text he was sent); dan gets a text for a purpose
    (``send_sms``) after the broadcast's and stops after it (not: it answers that text)."""
    names = ("ann", "ben", "col", "dan")
    people = {
        name: phone_person(workspace, f"{name}@x.test", f"+1555010030{i}", name.title())
        for i, name in enumerate(names)
    }
    number = {name: people[name].phone for name in names}
    flash, _ = _send(workspace, "Flash texts", SPRING_SENT, now)
    _text_back(workspace, number["col"], "HELP", now, SPRING_SENT + timedelta(hours=1))
    sms.send_sms(workspace, contact_id=people["dan"].pk, text="Your table is ready", key="t1")
    sms.deliver_sms()  # col's HELP answer and dan's text, an hour after the broadcast's
    sent_after = SmsMessage.objects.filter(sent_at=SPRING_SENT + timedelta(hours=1))
    assert sorted(sent_after.values_list("to_number", "purpose")) == [
        (number["col"], ""),
        (number["dan"], "marketing"),
    ]
    _text_back(workspace, number["col"], "STOP", now, SPRING_SENT + timedelta(hours=2))
    _text_back(workspace, number["dan"], "STOP", now, SPRING_SENT + timedelta(hours=2))
    window = timedelta(hours=4)
    _text_back(workspace, number["ann"], "STOP", now, SPRING_SENT + window)
    _text_back(workspace, number["ben"], "STOP", now, SPRING_SENT + window + timedelta(seconds=1))
    figures = sms_broadcasts.report(flash)
    assert (figures["sent"], figures["opted_out"], figures["opt_out_rate"]) == (4, 2, 0.5)
    [row] = sms_report(workspace)
    assert (row["name"], row["opted_out"], row["opt_out_rate"]) == ("Flash texts", 2, 0.5)
    opted = SmsMessage.objects.filter(broadcast=flash).annotate(stopped=opted_out())
    assert sorted(text.to_number for text in opted if text.stopped) == [
        number["ann"],
        number["col"],
    ]
