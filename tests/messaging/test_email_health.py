"""Email deliverability warnings of the workspace and of each sender domain over the last
24 hours and 7 days (``pacer.messaging.email_health``): exact counts at the edges of both
windows and of Gmail's and Yahoo's thresholds (complaints 0.1 % target, 0.3 % limit;
bounces over 2 %), on the messaging overview and a broadcast's page with the definitions
on hover; another workspace's mail counts nowhere."""

import html
from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import actions as core
from pacer.messaging import actions, email_health
from pacer.messaging.models import Message, MessageEvent
from tests.messaging.test_api import bearer
from tests.messaging.test_broadcasts import setup_broadcast

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the ``now`` fixture's
DAY, WEEK = timedelta(days=1), timedelta(days=7)
SECOND = timedelta(seconds=1)


def _broadcast(workspace, from_email: str):
    sender = actions.save_sender(workspace, name=from_email, from_email=from_email)
    return setup_broadcast(workspace, sender=sender)


def _messages(broadcast, sends: list[tuple[str, datetime]]) -> list[Message]:
    """One message per ``(status, at)``: sent then, or refused for good then."""
    first = Message.objects.filter(broadcast=broadcast).count()
    rows = [
        Message(
            workspace_id=broadcast.workspace_id,
            broadcast=broadcast,
            contact_id=first + n + 1,
            email=f"p{first + n}@x.test",
            status=status,
            sent_at=at if status == "sent" else None,
            failed_at=at if status == "failed" else None,
        )
        for n, (status, at) in enumerate(sends)
    ]
    return Message.objects.bulk_create(rows)


def _events(messages: list[Message], kind: str, at: datetime) -> None:
    MessageEvent.objects.bulk_create(
        [MessageEvent(workspace_id=m.workspace_id, message=m, kind=kind, at=at) for m in messages]
    )


@pytest.fixture
def mail(workspace, now):
    """acme.test: 1,000 sent in the last day (one a second inside it), one exactly 24 h
    ago, one exactly 7 days ago (outside) and one a second inside the week; a complaint a
    second inside the day, one exactly 24 h ago, one exactly 7 days ago. other.test: 1,000
    sent an hour ago, 3 complaints (exactly 0.3 %), 20 hard bounces in the day (exactly
    2 %: no warning) and one exactly 24 h ago. Another workspace's complaints."""
    acme = _broadcast(workspace, "news@acme.test")
    sent = _messages(
        acme, [("sent", NOW - timedelta(hours=1))] * 999 + [("sent", NOW - DAY + SECOND)]
    )
    edges = _messages(
        acme, [("sent", NOW - DAY), ("sent", NOW - WEEK), ("sent", NOW - WEEK + SECOND)]
    )
    _events(sent[:1], "complaint", NOW - DAY + SECOND)
    _events(sent[1:2], "complaint", NOW - DAY)
    _events(edges[1:2], "complaint", NOW - WEEK)
    _events(sent[2:3], "open", NOW - timedelta(hours=1))
    other = _broadcast(workspace, "hi@other.test")
    theirs = _messages(other, [("sent", NOW - timedelta(hours=1))] * 1000)
    _events(theirs[:3], "complaint", NOW - timedelta(minutes=30))
    _events(theirs[3:23], "bounce", NOW - timedelta(minutes=30))
    _events(theirs[23:24], "bounce", NOW - DAY)
    _events(theirs[24:25], "soft_bounce", NOW - timedelta(minutes=30))
    elsewhere = core.create_workspace("Elsewhere", slug="elsewhere")
    stranger = _messages(_broadcast(elsewhere, "news@acme.test"), [("sent", NOW)] * 10)
    _events(stranger, "complaint", NOW)
    return acme, other


def _figures(sent, refused, bounced, complained) -> dict:
    handed = sent + refused
    return {
        "sent": sent,
        "handed": handed,
        "bounced": bounced,
        "complained": complained,
        "bounce_rate": bounced / handed,
        "complaint_rate": complained / sent,
    }


@pytest.mark.both_databases  # the windows' edges are compared in the database
def test_rates_per_workspace_and_domain_over_a_rolling_day_and_week(workspace, mail):
    health = email_health.deliverability(workspace)

    assert health["all"] == {
        "day": _figures(2000, 0, 20, 4),
        "week": _figures(2002, 0, 21, 5),
    }
    assert health["domains"] == [
        {"domain": "acme.test", "day": _figures(1000, 0, 0, 1), "week": _figures(1002, 0, 0, 2)},
        {"domain": "other.test", "day": _figures(1000, 0, 20, 3), "week": _figures(1000, 0, 21, 3)},
    ]
    starts = [warning.split(" Gmail")[0].split(" is at")[0] for warning in health["warnings"]]
    assert starts == [
        "All senders: complaint rate 0.20% over the last 24 hours (4 of 2000 sent)",
        "All senders: complaint rate 0.25% over the last 7 days (5 of 2002 sent)",
        "acme.test: complaint rate 0.10% over the last 24 hours (1 of 1000 sent)",
        "acme.test: complaint rate 0.20% over the last 7 days (2 of 1002 sent)",
        "other.test: complaint rate 0.30% over the last 24 hours (3 of 1000 sent) has reached "
        "the 0.3% limit",
        "other.test: complaint rate 0.30% over the last 7 days (3 of 1000 sent) has reached "
        "the 0.3% limit",
        "other.test: bounce rate 2.1% over the last 7 days (21 of 1000 handed to the relay) "
        "is over 2%: clean the list before the next send",
    ]
    assert "0.1% target" in health["warnings"][0]


@pytest.mark.both_databases
def test_a_refused_message_counts_as_a_bounce_when_it_was_refused(workspace, now):
    broadcast = _broadcast(workspace, "news@acme.test")
    _messages(broadcast, [("sent", NOW - timedelta(hours=2))] * 48)
    _messages(broadcast, [("failed", NOW - timedelta(hours=2)), ("failed", NOW - DAY)])
    health = email_health.deliverability(workspace)
    assert health["all"]["day"] == _figures(48, 1, 1, 0)  # 1 of 49: 2.04 %
    assert health["all"]["week"] == _figures(48, 2, 2, 0)  # 2 of 50: 4 %
    assert [w.split(":")[1] for w in health["warnings"]] == [
        " bounce rate 2.0% over the last 24 hours (1 of 49 handed to the relay) is over 2%",
        " bounce rate 4.0% over the last 7 days (2 of 50 handed to the relay) is over 2%",
    ]


def test_senders_of_one_domain_add_up(workspace, now):
    for from_email in ("news@acme.test", "Sales@ACME.test"):
        sent = _messages(_broadcast(workspace, from_email), [("sent", NOW - SECOND)] * 10)
        _events(sent[:1], "complaint", NOW)
    health = email_health.deliverability(workspace, domain="acme.test")
    day = _figures(20, 0, 0, 2)
    assert health["domains"] == [{"domain": "acme.test", "day": day, "week": day}]
    assert len(health["warnings"]) == 2  # the workspace's only: one domain


def test_nothing_sent_gives_no_rate_and_no_warning(workspace, now):
    health = email_health.deliverability(workspace)
    assert health["all"]["day"]["complaint_rate"] is None
    assert health["domains"] == [] and health["warnings"] == []


def test_the_api_gives_the_same_figures_and_warnings_to_who_may_view(client, workspace, mail):
    answer = client.get("/api/messaging/deliverability", **bearer(workspace, "marketer"))
    assert answer.status_code == 200
    body = answer.json()
    assert body == email_health.deliverability(workspace)
    assert body["all"]["day"]["complaint_rate"] == 0.002 and len(body["warnings"]) == 7
    refused = client.get("/api/messaging/deliverability", **bearer(workspace, "staff"))
    assert refused.status_code == 403


def test_the_overview_and_a_broadcasts_page_show_the_warnings_with_definitions(
    client, workspace, admin, mail
):
    acme, other = mail
    client.force_login(admin)
    overview = html.unescape(client.get("/messages/").content.decode())
    assert 'id="deliverability"' in overview
    assert overview.count('alert-title">Deliverability') == 7
    assert "other.test: complaint rate 0.30% over the last 24 hours" in overview
    assert 'id="health-day-complaint-rate"' in overview
    assert "0.20%" in overview  # the workspace's day complaint rate, two places
    assert "4 of 2000 sent. Messages reported as spam in the window" in overview
    assert "20 of 1000 handed to the relay. Messages refused for good" in overview

    page = html.unescape(client.get(f"/messages/broadcasts/{acme.pk}/").content.decode())
    assert "Deliverability: acme.test and all senders" in page
    assert "acme.test: complaint rate 0.10% over the last 24 hours" in page
    assert "All senders: complaint rate 0.20%" in page
    assert "other.test" not in page  # only its own domain's row and warnings


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_warnings_and_definitions_in_chromium(browser, live_server, workspace, admin, mail):
    from tests.messaging.pages import SHOTS, at_each_width, fits

    acme, _ = mail
    for width, page in at_each_width(browser, live_server.url):
        for name, path in (
            ("overview", "/messages/"),
            ("broadcast", f"/messages/broadcasts/{acme.pk}/"),
        ):
            page.goto(live_server.url + path)
            assert "complaint rate" in page.inner_text("#health-warning-1")
            card = "#health-day-complaint-rate"
            assert page.inner_text(f"{card} .kpi-value") == "0.20%"
            page.hover(f"{card} .kpi-info")
            assert page.is_visible(f"{card}-def")
            assert "4 of 2000 sent" in page.inner_text(f"{card}-def")
            assert fits(page)
            page.screenshot(
                path=str(SHOTS / f"messaging-health-{name}-{width}.png"), full_page=True
            )
