"""Surveys after a visit without an order (a track event named on the trigger, read from
the change feed: each visit asked about once however often the feed delivers it, at the
visit's location in that location's daytime), and asks already waiting timed again when
their location's time zone changes (around the window's edge, idempotent). A trigger
switched off and on again asks about the orders and visits from the moment it is on again,
not about those of the time it was off (no burst of late surveys); asks recorded before it
went off still go out; the API and the survey's page say so."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock, feed
from pacer.core.models import FeedCursor, Role
from pacer.messaging import actions as messaging
from pacer.messaging.models import Message  # reading what was sent
from pacer.messaging.rules import save_settings
from pacer.people.actions import save_location, upsert_locations
from pacer.people.selectors import contacts
from pacer.teams import selectors, surveys, triggers, visits
from pacer.teams.models import SurveyAsk, SurveyTrigger

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)  # London is on BST (UTC+1), Tokyo UTC+9


class Clock:
    def __init__(self, monkeypatch):
        self.at = T0
        monkeypatch.setattr(clock, "now", lambda: self.at)


@pytest.fixture
def now(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def shop(workspace, tracker, now):
    """A London workspace; North (no zone of its own) and a Tokyo store; three customers
    of North with email consent, and a sender."""
    save_settings(workspace, time_zone="Europe/London", cap_count=0, cap_days=1)
    upsert_locations(
        workspace,
        [{"code": "n", "name": "North"}, {"code": "t", "name": "Tokyo", "time_zone": "Asia/Tokyo"}],
    )
    messages = []
    for n in range(3):
        user = {"userId": f"u{n}"}
        messages += [
            {**user, "type": "identify", "messageId": f"i{n}",
             "traits": {"email": f"u{n}@x.test", "location": "n"}},
            {**user, "type": "track", "messageId": f"c{n}", "event": "Consent Updated",
             "properties": {"channel": "email", "purpose": "marketing", "granted": True}},
        ]  # fmt: skip
    tracker.batch(messages)
    people = {c.email.split("@")[0]: c for c in contacts(workspace)}
    sender = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test")
    return people, sender


def track(tracker, user: str, message_id: str, event: str, at: datetime, **properties) -> None:
    tracker.batch(
        [
            {
                "type": "track",
                "messageId": message_id,
                "userId": user,
                "event": event,
                "timestamp": at.isoformat(),
                "properties": properties,
            }
        ]
    )


def deliver() -> None:
    while feed.deliver(visits.SUBSCRIBER):
        pass


def test_each_visit_is_asked_about_once_at_its_location_in_that_locations_daytime(
    workspace, tracker, shop, now
):
    people, sender = shop
    track(tracker, "u2", "v-early", "Store Visited", T0 - timedelta(minutes=1), location="t")
    survey = surveys.create_survey(workspace, name="After your visit", kind="nps")
    triggers.save_trigger(survey, sender_id=sender.pk, delay_days=1, visit_event="Store Visited")
    assert SurveyTrigger.objects.get().visits_since == T0

    # 23:59 UTC + 1 day is 08:59 in Tokyo: due at 09:00 there; u1's visit names no location
    # (their own, North: London's zone): 18:00 UTC + 1 day is 19:00 in London, next 09:00
    track(tracker, "u0", "v-tokyo", "Store Visited", datetime(2026, 4, 10, 23, 59, tzinfo=UTC),
          location="t")  # fmt: skip
    track(tracker, "u1", "v-north", "Store Visited", datetime(2026, 4, 10, 18, 0, tzinfo=UTC))
    track(tracker, "u2", "v-other", "Page Liked", T0 + timedelta(hours=1), location="t")
    deliver()
    tokyo, north = (workspace.location_set.get(code=c).pk for c in ("t", "n"))
    rows = SurveyAsk.objects.order_by("contact_id").values_list(
        "contact_id", "location_id", "order_id", "due_at", "status"
    )
    assert list(rows) == [
        (people["u0"].pk, tokyo, None, datetime(2026, 4, 12, 0, 0, tzinfo=UTC), "waiting"),
        (people["u1"].pk, north, None, datetime(2026, 4, 12, 8, 0, tzinfo=UTC), "waiting"),
    ]  # the visit before the trigger and the other event: not asked about

    # the feed delivered again from the start: each visit is still asked about once
    FeedCursor.objects.filter(subscriber=visits.SUBSCRIBER.name).update(position=0)
    deliver()
    assert SurveyAsk.objects.count() == 2

    now.at = datetime(2026, 4, 11, 23, 59, tzinfo=UTC)
    triggers.run_triggers()
    assert Message.objects.count() == 0
    now.at = datetime(2026, 4, 12, 0, 0, tzinfo=UTC)
    triggers.run_triggers()
    assert list(Message.objects.values_list("contact_id", flat=True)) == [people["u0"].pk]
    assert selectors.trigger_by_location(survey) == [
        {"location": "Tokyo", "sent": 1, "skipped": 0, "answered": 0, "response_rate": 0.0}
    ]  # the visit's location, not the person's

    # u0 orders after the visit: asked once (the order's ask falls in the 90-day window)
    track(tracker, "u0", "o-1", "Order Completed", now.at, order_id="o-1", total="9.00")
    triggers.run_triggers()
    order_ask = SurveyAsk.objects.get(order_id__isnull=False)
    assert (order_ask.contact_id, order_ask.status) == (people["u0"].pk, "waiting")
    now.at = order_ask.due_at
    triggers.run_triggers()
    order_ask.refresh_from_db()
    assert (order_ask.status, order_ask.reason) == ("skipped", "asked within 90 days")
    assert Message.objects.filter(contact_id=people["u0"].pk).count() == 1


def test_a_refused_visit_event_is_named_and_nothing_is_written(workspace, shop):
    _, sender = shop
    survey = surveys.create_survey(workspace, name="After your visit", kind="nps")
    user = core.create_user(workspace, "manager", "long-password-1", Role.MARKETER)
    token = core.issue_api_key(workspace, "personal", "t", user=user)[1]
    body = {"sender_id": sender.pk, "visit_event": "Store\nVisited"}
    refused = Client().put(
        f"/api/teams/surveys/{survey.pk}/trigger",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert refused.status_code == 422
    assert "visit_event" in str(refused.json())

    browser = Client()
    browser.login(username="manager", password="long-password-1")
    page = browser.post(
        f"/experience/surveys/{survey.pk}/trigger/",
        {"enabled": "1", "delay_days": "2", "send_from": "09:00", "send_until": "18:00",
         "ask_again_after_days": "90", "sender_id": str(sender.pk), "purpose": "marketing",
         "visit_event": "x" * 201},
    )  # fmt: skip
    assert page.status_code == 422
    text = page.content.decode()
    assert "must be a track event&#x27;s name of at most 200 characters" in text
    assert 'value="' + "x" * 201 + '"' in text  # shown again as typed
    assert not SurveyTrigger.objects.exists()

    saved = browser.post(
        f"/experience/surveys/{survey.pk}/trigger/",
        {"enabled": "1", "delay_days": "2", "send_from": "09:00", "send_until": "18:00",
         "ask_again_after_days": "90", "sender_id": str(sender.pk), "purpose": "marketing",
         "visit_event": " Appointment Completed "},
    )  # fmt: skip
    assert saved.status_code == 302
    assert SurveyTrigger.objects.get().visit_event == "Appointment Completed"


def test_waiting_asks_keep_to_the_daytime_when_their_locations_zone_changes(
    workspace, tracker, shop, now
):
    """North in London's zone, then Tokyo's, then London's again; window 09:00-18:00."""
    people, sender = shop
    survey = surveys.create_survey(workspace, name="After your order", kind="nps")
    triggers.save_trigger(survey, sender_id=sender.pk, delay_days=1)
    for user, at in (
        ("u0", datetime(2026, 4, 10, 23, 59, tzinfo=UTC)),  # + 1 day: 08:59 in Tokyo
        ("u1", datetime(2026, 4, 11, 0, 0, tzinfo=UTC)),  # + 1 day: 09:00 in Tokyo
        ("u2", datetime(2026, 4, 10, 13, 0, tzinfo=UTC)),  # + 1 day: 14:00 in London
    ):
        track(tracker, user, f"o-{user}", "Order Completed", at, order_id=user, location="n")
    triggers.run_triggers()
    london = {
        people["u0"].pk: datetime(2026, 4, 12, 8, 0, tzinfo=UTC),  # 00:59 BST: 09:00 BST
        people["u1"].pk: datetime(2026, 4, 12, 8, 0, tzinfo=UTC),
        people["u2"].pk: datetime(2026, 4, 11, 13, 0, tzinfo=UTC),  # in the daytime: as is
    }
    due = lambda: dict(SurveyAsk.objects.values_list("contact_id", "due_at"))  # noqa: E731
    assert due() == london

    now.at = datetime(2026, 4, 11, 13, 0, tzinfo=UTC)
    triggers.run_triggers()  # u2's ask is sent: it is not waiting any more
    save_location(workspace, code="n", name="North", time_zone="Asia/Tokyo")
    tokyo = {
        people["u0"].pk: datetime(2026, 4, 12, 0, 0, tzinfo=UTC),  # 08:59 in Tokyo: 09:00
        people["u1"].pk: datetime(2026, 4, 12, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo: as is
        people["u2"].pk: london[people["u2"].pk],
    }
    assert due() == tokyo
    assert triggers.move_waiting_asks(workspace, people["u0"].location_id) == 0
    save_location(workspace, code="n", name="North", time_zone="Asia/Tokyo")  # unchanged
    assert due() == tokyo

    save_location(workspace, code="n", name="North", time_zone="")  # the workspace's again
    assert due() == london
    save_location(workspace, code="n", name="North", time_zone="Asia/Tokyo")
    now.at = datetime(2026, 4, 12, 0, 0, tzinfo=UTC)
    triggers.run_triggers()
    assert sorted(Message.objects.values_list("contact_id", flat=True)) == sorted(
        people[user].pk for user in ("u0", "u1", "u2")
    )


def test_orders_and_visits_while_a_trigger_was_off_are_not_asked_about(
    workspace, tracker, shop, now
):
    people, sender = shop
    survey = surveys.create_survey(workspace, name="After your visit", kind="nps")
    settings = {"sender_id": sender.pk, "delay_days": 1, "visit_event": "Store Visited"}
    triggers.save_trigger(survey, **settings)
    track(tracker, "u0", "o-before", "Order Completed", T0, order_id="o-before", location="n")
    track(tracker, "u1", "v-before", "Store Visited", T0, location="n")
    deliver()
    triggers.run_triggers()  # both due a day later: waiting
    assert SurveyAsk.objects.filter(status="waiting").count() == 2

    now.at = T0 + timedelta(hours=1)
    triggers.save_trigger(survey, **settings, enabled=False)
    off = now.at + timedelta(minutes=5)
    track(tracker, "u2", "o-off", "Order Completed", off, order_id="o-off", location="n")
    track(tracker, "u0", "v-off", "Store Visited", off, location="n")
    triggers.run_triggers()  # off: nothing read (and the feed has not delivered the visit)

    now.at = T0 + timedelta(hours=2)
    triggers.save_trigger(survey, **settings, enabled=True)
    deliver()  # the visit while off arrives late
    triggers.run_triggers()
    assert SurveyAsk.objects.count() == 2  # the order and the visit while off: not asked
    trigger = SurveyTrigger.objects.get()
    assert (trigger.since, trigger.visits_since) == (now.at, now.at)

    on = now.at + timedelta(minutes=5)
    track(tracker, "u2", "v-on", "Store Visited", on, location="n")
    track(tracker, "u1", "o-on", "Order Completed", on, order_id="o-on", location="n")
    deliver()
    triggers.run_triggers()
    asks = SurveyAsk.objects.values_list("contact_id", "order_id", "event_id")
    assert sorted((c, o is None) for c, o, _ in asks) == sorted(
        [
            (people["u0"].pk, False),
            (people["u1"].pk, True),
            (people["u2"].pk, True),  # from the moment it was on again: asked about
            (people["u1"].pk, False),
        ]
    )

    now.at = T0 + timedelta(days=1)
    triggers.run_triggers()  # the asks recorded before it went off are sent
    sent = sorted(Message.objects.values_list("contact_id", flat=True))
    assert sent == sorted([people["u0"].pk, people["u1"].pk])


def test_the_api_and_the_page_say_what_switching_on_again_asks_about(workspace, shop, now):
    _, sender = shop
    survey = surveys.create_survey(workspace, name="After your order", kind="csat")
    user = core.create_user(workspace, "manager", "long-password-1", Role.MARKETER)
    token = core.issue_api_key(workspace, "personal", "t", user=user)[1]

    def put(enabled: bool) -> dict:
        answer = Client().put(
            f"/api/teams/surveys/{survey.pk}/trigger",
            {"sender_id": sender.pk, "enabled": enabled, "visit_event": "Store Visited"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert answer.status_code == 200
        return answer.json()

    made = put(True)
    now.at = T0 + timedelta(days=3)
    assert put(False)["since"] == made["since"]  # off: kept
    now.at = T0 + timedelta(days=5)
    assert put(False)["since"] == made["since"]  # still off: kept
    now.at = T0 + timedelta(days=7)
    again = put(True)
    assert again["since"] == again["visits_since"] == "2026-04-17T12:00:00Z"
    now.at = T0 + timedelta(days=8)
    assert put(True)["since"] == "2026-04-17T12:00:00Z"  # still on: kept

    browser = Client()
    browser.login(username="manager", password="long-password-1")
    put(False)
    text = browser.get(f"/experience/surveys/{survey.pk}/").content.decode()
    assert (
        "Switched on again, it asks about orders and visits from that moment on, not those "
        "while it was off; asks already waiting are then sent."
    ) in text
