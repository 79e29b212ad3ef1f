"""A click on a broadcast's tracked link and the visit its redirect leads to are one touch
of the attribution journeys (``pacer.metrics.summaries.person_touches``): the visit on
the click's channel from a minute before to thirty minutes after the click is left out,
in the attribution report and in the revenue attributed to broadcasts alike.

One hand-built journey: the person arrives by the brand campaign (paid search) a day
before, clicks the broadcast, lands on the site by a link tagged ``utm_medium=email``
(campaign ``spring``) and orders 90 a day after the click. As one touch, linear credit
splits the 90 over brand and the broadcast (45 each); counted as two, as before the
rule, it went over brand, the broadcast and ``spring`` (30 each)."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from pacer.messaging import actions
from pacer.messaging.models import Click, SmsBroadcast
from pacer.metrics.analysis import attribution_report
from pacer.metrics.broadcast_revenue import broadcast_revenue
from pacer.people.models import Contact
from pacer.warehouse.sync import default_store, sync

# the clicks' rows reach the warehouse as each driver hands them over (SQLite: ISO text)
pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

CLICKED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
BRAND = "utm_source=google&utm_medium=cpc&utm_campaign=brand"
SPRING_EMAIL = "utm_source=news&utm_medium=email&utm_campaign=spring"
SPRING_SMS = "utm_source=sms&utm_medium=sms&utm_campaign=spring"


def _stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _journey(
    tracker, workspace, landings: list[tuple[timedelta, str]], name="p", total=90, brand=True
) -> Contact:
    """``name``: the brand visit a day before ``CLICKED`` (unless not ``brand``), a visit
    per ``landings`` (offset from the click, query string) and an order of ``total`` a day
    after the click."""
    visits = [(CLICKED - timedelta(days=1), BRAND)] if brand else []
    visits += [(CLICKED + offset, query) for offset, query in landings]
    messages = [
        {
            "type": "page",
            "messageId": f"{name}{i}",
            "anonymousId": f"anon-{name}",
            "timestamp": _stamp(at),
            "context": {"page": {"url": f"https://shop.test/?{query}", "referrer": ""}},
        }
        for i, (at, query) in enumerate(visits)
    ]
    messages.append(
        {
            "type": "identify",
            "messageId": f"{name}-id",
            "anonymousId": f"anon-{name}",
            "userId": name,
            "timestamp": _stamp(CLICKED - timedelta(days=1, seconds=-1)),
            "traits": {"email": f"{name}@x.test"},
        }
    )
    messages.append(
        {
            "type": "track",
            "messageId": f"{name}-order",
            "userId": name,
            "event": "Order Completed",
            "timestamp": _stamp(CLICKED + timedelta(days=1)),
            "properties": {"order_id": f"o-{name}", "total": total},
        }
    )
    assert tracker.batch(messages).status_code == 200
    return Contact.objects.get(workspace=workspace, email=f"{name}@x.test")


def _email_broadcast(workspace):
    template = actions.save_template(workspace, name="Spring", subject="Hi", html="<p>x</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return actions.create_broadcast(
        workspace, name="E", template_id=template.pk, sender_id=sender.pk, audience={"all": True}
    )


def _linear_by_campaign(workspace) -> dict[str, float]:
    table = attribution_report(
        default_store(), workspace.pk, date(2026, 1, 1), date(2026, 1, 31), by="campaign"
    )
    rows = table.filter(pl.col("model") == "linear").to_dicts()
    return {r["channel"]: round(r["revenue"], 6) for r in rows if r["revenue"]}


def _attributed(workspace) -> dict[str, tuple[float, float]]:
    found = broadcast_revenue(default_store(), workspace, model="linear", lookback_days=7)
    return {label: (round(f["orders"], 6), round(f["revenue"], 6)) for label, f in found.items()}


@pytest.mark.parametrize(
    ("offset", "landing"),
    [
        (timedelta(seconds=5), True),
        (timedelta(minutes=30), True),  # the last moment of the window
        (timedelta(minutes=30, seconds=1), False),
        (-timedelta(seconds=60), True),  # the device's clock a minute behind
        (-timedelta(seconds=61), False),
    ],
)
def test_the_visit_an_email_click_leads_to_is_not_a_second_touch(
    workspace, tracker, offset, landing
):
    broadcast = _email_broadcast(workspace)
    contact = _journey(tracker, workspace, [(offset, SPRING_EMAIL)])
    Click.objects.create(
        workspace=workspace, contact_id=contact.pk, channel="email", broadcast=broadcast, at=CLICKED
    )
    sync()
    label = f"email broadcast {broadcast.pk}"
    if landing:
        assert _linear_by_campaign(workspace) == {"brand": 45.0, label: 45.0}
        assert _attributed(workspace) == {label: (0.5, 45.0)}
    else:  # a visit of its own: three touches
        assert _linear_by_campaign(workspace) == {"brand": 30.0, label: 30.0, "spring": 30.0}
        assert _attributed(workspace) == {label: (0.333333, 30.0)}


def test_a_text_click_takes_only_the_visit_on_its_own_channel(workspace, tracker):
    """An SMS click's landing is an ``sms`` visit of the person who clicked: an email-tagged
    visit and a paid search visit right after it stay touches of their own, and so does
    another person's ``sms`` visit at the same moment (Q, who clicked nothing, orders 60)."""
    broadcast = SmsBroadcast.objects.create(
        workspace=workspace, name="S", text="x", created_at=CLICKED
    )
    contact = _journey(
        tracker,
        workspace,
        [
            (timedelta(seconds=5), SPRING_SMS),
            (timedelta(seconds=10), SPRING_EMAIL),
            (timedelta(seconds=20), BRAND),
        ],
    )
    _journey(tracker, workspace, [(timedelta(seconds=5), SPRING_SMS)], "q", 60, brand=False)
    Click.objects.create(
        workspace=workspace,
        contact_id=contact.pk,
        channel="sms",
        sms_broadcast=broadcast,
        at=CLICKED,
    )
    sync()
    label = f"sms broadcast {broadcast.pk}"
    # P's touches: brand, the click (its sms landing left out), spring by email, brand
    # again; Q's: spring by sms
    assert _linear_by_campaign(workspace) == {"brand": 45.0, label: 22.5, "spring": 82.5}
    assert _attributed(workspace) == {label: (0.25, 22.5)}
    by_channel = attribution_report(
        default_store(), workspace.pk, date(2026, 1, 1), date(2026, 1, 31)
    )
    linear = by_channel.filter(pl.col("model") == "linear").to_dicts()
    revenue = {r["channel"]: round(r["revenue"], 6) for r in linear if r["revenue"]}
    assert revenue == {"paid_search": 45.0, "sms": 82.5, "email": 22.5}
