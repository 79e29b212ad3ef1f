"""Surveys sent by themselves after an order: the trigger's settings (checked, nothing
half-written), asks due after the delay inside the contact's daytime, consent and
suppression through messaging, nobody asked twice within the window, each (survey,
contact, order) sent once however often the task runs, and answers that count for the
order's location on the location scoreboard."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pacer.core import clock, feed
from pacer.core.errors import ValidationFailed
from pacer.messaging import actions as messaging
from pacer.messaging.models import Broadcast, Message, Template  # reading what was sent
from pacer.messaging.render import compile_parts, recipient_context, render
from pacer.messaging.rules import save_settings
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact  # reading the merge ingestion made
from pacer.people.selectors import contacts
from pacer.teams import cx, merges, selectors, surveys, triggers
from pacer.teams.models import SurveyAsk, SurveyResponse, SurveyTrigger

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, monkeypatch):
        self.at = T0
        monkeypatch.setattr(clock, "now", lambda: self.at)


@pytest.fixture
def now(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def shop(workspace, tracker, now):
    """Four customers of North (u3 without email consent, u4 in Tokyo) and a sender."""
    upsert_locations(workspace, [{"code": "n", "name": "North"}, {"code": "s", "name": "South"}])
    messages = []
    for n in range(5):
        traits = {"email": f"u{n}@x.test", "location": "n"}
        if n == 4:
            traits["timezone"] = "Asia/Tokyo"
        messages.append(
            {"type": "identify", "messageId": f"i{n}", "userId": f"u{n}", "traits": traits}
        )
        if n != 3:
            messages.append(
                {
                    "type": "track",
                    "messageId": f"c{n}",
                    "userId": f"u{n}",
                    "event": "Consent Updated",
                    "properties": {"channel": "email", "purpose": "marketing", "granted": True},
                }
            )
    tracker.batch(messages)
    people = {c.email.split("@")[0]: c for c in contacts(workspace)}
    sender = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test")
    return people, sender


def order(tracker, user: str, order_id: str, location: str, at: datetime) -> None:
    tracker.batch(
        [
            {
                "type": "track",
                "messageId": f"o-{order_id}",
                "userId": user,
                "event": "Order Completed",
                "timestamp": at.isoformat(),
                "properties": {"order_id": order_id, "total": "20.00", "location": location},
            }
        ]
    )


def survey_with_trigger(workspace, sender, name="After your order", **settings_):
    survey = surveys.create_survey(workspace, name=name, kind="nps")
    triggers.save_trigger(survey, sender_id=sender.pk, **settings_)
    return survey


def asks(survey) -> list[tuple]:
    rows = SurveyAsk.objects.filter(survey=survey).order_by("contact_id", "order_id")
    return list(rows.values_list("contact_id", "status", "reason"))


def test_orders_are_asked_about_after_the_delay_once_with_consent_applied(
    workspace, tracker, shop, now
):
    people, sender = shop
    order(tracker, "u1", "before", "n", T0 - timedelta(hours=1))  # before the trigger
    survey = survey_with_trigger(workspace, sender, delay_days=2)
    for user in ("u0", "u1", "u3"):
        order(tracker, user, f"{user}-a", "n", T0 + timedelta(minutes=5))

    now.at = T0 + timedelta(days=1)
    assert triggers.run_triggers() == 3  # three orders read, none due yet
    assert [s for _, s, _ in asks(survey)] == ["waiting"] * 3
    assert set(SurveyAsk.objects.values_list("due_at", flat=True)) == {
        T0 + timedelta(days=2, minutes=5)
    }
    assert Message.objects.count() == 0

    now.at = T0 + timedelta(days=2, minutes=5)
    assert triggers.run_triggers() == 3
    assert asks(survey) == [
        (people["u0"].pk, "sent", ""),
        (people["u1"].pk, "sent", ""),
        (people["u3"].pk, "skipped", "no email consent for marketing"),
    ]
    queued = Message.objects.filter(status="queued").values_list("contact_id", flat=True)
    assert sorted(queued) == [people["u0"].pk, people["u1"].pk]
    broadcast = Broadcast.objects.get()
    assert (broadcast.purpose, broadcast.sender_id) == ("marketing", sender.pk)

    # the task again, and orders read again from the start: nothing more is sent
    assert triggers.run_triggers() == 0
    SurveyTrigger.objects.update(order_cursor=0)
    triggers.run_triggers()
    assert SurveyAsk.objects.count() == 3
    assert Message.objects.count() == 3 and Broadcast.objects.count() == 1


def test_a_due_time_outside_the_daytime_waits_for_the_contacts_morning(
    workspace, tracker, shop, now
):
    people, sender = shop
    survey = survey_with_trigger(
        workspace, sender, delay_days=1, send_from="09:00", send_until="18:00"
    )
    order(tracker, "u4", "tokyo", "n", T0)  # + 1 day = 21:00 in Tokyo
    order(tracker, "u0", "late", "n", T0 + timedelta(hours=7))  # + 1 day = 19:00 UTC
    triggers.run_triggers()
    due = dict(SurveyAsk.objects.values_list("contact_id", "due_at"))
    assert due == {
        people["u4"].pk: datetime(2026, 4, 12, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo
        people["u0"].pk: datetime(2026, 4, 12, 9, 0, tzinfo=UTC),  # the workspace's UTC
    }
    now.at = datetime(2026, 4, 11, 23, 59, tzinfo=UTC)
    triggers.run_triggers()
    assert Message.objects.count() == 0
    now.at = datetime(2026, 4, 12, 0, 0, tzinfo=UTC)
    triggers.run_triggers()
    assert list(Message.objects.values_list("contact_id", flat=True)) == [people["u4"].pk]
    assert asks(survey) == [(people["u0"].pk, "waiting", ""), (people["u4"].pk, "sent", "")]


def test_a_contact_asked_lately_by_any_survey_is_not_asked_again(workspace, tracker, shop, now):
    people, sender = shop
    first = survey_with_trigger(workspace, sender, delay_days=0)
    second = survey_with_trigger(workspace, sender, name="CSAT", delay_days=0)
    order(tracker, "u0", "a", "n", T0 + timedelta(minutes=1))
    order(tracker, "u0", "b", "n", T0 + timedelta(minutes=2))
    now.at = T0 + timedelta(minutes=3)
    triggers.run_triggers()
    statuses = [(a.survey_id, a.order_id, a.status, a.reason) for a in SurveyAsk.objects.all()]
    sent = [s for s in statuses if s[2] == "sent"]
    assert len(sent) == 1  # one survey about one order
    assert Message.objects.filter(status="queued").count() == 1
    reasons = sorted(s[3] for s in statuses if s[2] == "skipped")
    assert reasons[0].startswith("asked")
    assert len(statuses) == 4  # two surveys x two orders, each recorded once

    # 89 days later: still within the window; 91 days later the next order is asked about
    now.at = T0 + timedelta(days=89)
    order(tracker, "u0", "c", "n", now.at)
    triggers.run_triggers()
    assert Message.objects.filter(status="queued").count() == 1
    now.at = T0 + timedelta(days=91)
    order(tracker, "u0", "d", "n", now.at)
    triggers.run_triggers()
    assert Message.objects.filter(status="queued").count() == 2
    assert {first.pk, second.pk} >= set(
        SurveyAsk.objects.filter(status="sent").values_list("survey_id", flat=True)
    )


def test_a_suppressed_address_is_skipped_and_only_chosen_locations_are_asked(
    workspace, tracker, shop, now
):
    people, sender = shop
    messaging.suppress(workspace, "u1@x.test", "unsubscribe")
    survey = survey_with_trigger(workspace, sender, delay_days=0, locations=["s"])
    order(tracker, "u0", "north", "n", T0)
    order(tracker, "u1", "south-1", "s", T0)
    order(tracker, "u2", "south-2", "s", T0)
    triggers.run_triggers()
    assert asks(survey) == [
        (people["u1"].pk, "skipped", "suppressed"),
        (people["u2"].pk, "sent", ""),
    ]
    assert list(Message.objects.filter(status="queued").values_list("email", flat=True)) == [
        "u2@x.test"
    ]


def test_refused_trigger_settings_name_the_field_and_write_nothing(workspace, shop):
    _, sender = shop
    survey = surveys.create_survey(workspace, name="NPS", kind="nps")
    with pytest.raises(ValidationFailed) as refused:
        triggers.save_trigger(
            survey,
            sender_id=999999,
            delay_days="-1",
            send_from="18:00",
            send_until="09:00",
            locations=["nowhere"],
            ask_again_after_days="lots",
            purpose="",
        )
    assert refused.value.errors == {
        "delay_days": "must be a whole number from 0 to 60",
        "ask_again_after_days": "must be a whole number from 0 to 730",
        "send_until": "must be later in the day than send_from",
        "locations": "no location with code 'nowhere'",
        "sender_id": "no such sender in this workspace",
        "purpose": "must be text of 1 to 60 characters",
    }
    with pytest.raises(ValidationFailed) as refused:
        triggers.save_trigger(survey, sender_id=sender.pk, send_from="9am")
    assert refused.value.errors == {"send_from": "must be a time of day as HH:MM"}
    assert not SurveyTrigger.objects.exists()


def link_in_email(workspace, message) -> str:
    template = Template.objects.get(workspace=workspace, name__startswith="Survey after")
    unsubscribe = settings.BASE_URL + reverse(
        "unsubscribe", args=[messaging.unsubscribe_token(message)]
    )
    _, html, _ = render(
        compile_parts(template.subject, template.html, template.text),
        recipient_context({"email": message.email}, {"unsubscribe_url": unsubscribe}),
    )
    href = re.search(r'href="([^"]+)"', html).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}"


def test_answers_count_for_the_orders_location_in_its_nps(workspace, tracker, shop, now):
    people, sender = shop  # every customer's own location is North
    survey = survey_with_trigger(workspace, sender, delay_days=0)
    order(tracker, "u0", "n-1", "n", T0)
    order(tracker, "u1", "s-1", "s", T0)
    order(tracker, "u2", "s-2", "s", T0)
    triggers.run_triggers()
    page = Client()
    for user, score in (("u0", "3"), ("u1", "10"), ("u2", "9")):
        message = Message.objects.get(contact_id=people[user].pk)
        assert page.post(link_in_email(workspace, message), {"score": score}).status_code == 200
    by_location = dict(SurveyResponse.objects.values_list("contact_id", "location_id"))
    north_id = people["u0"].location_id
    south_id = SurveyAsk.objects.get(contact_id=people["u1"].pk).location_id
    assert south_id != north_id
    assert by_location == {
        people["u0"].pk: north_id,
        people["u1"].pk: south_id,
        people["u2"].pk: south_id,
    }
    day = date(2026, 4, 10)
    figures = cx.by_location(workspace, day, day)
    assert (figures[south_id]["nps"], figures[south_id]["nps_answers"]) == (100.0, 2)
    assert (figures[north_id]["nps"], figures[north_id]["nps_answers"]) == (-100.0, 1)
    # a later order of someone who answered: not sent the same survey again
    now.at = T0 + timedelta(days=100)
    order(tracker, "u1", "s-3", "s", now.at)
    triggers.run_triggers()
    latest = SurveyAsk.objects.filter(contact_id=people["u1"].pk).order_by("-id").first()
    assert (latest.status, latest.reason) == (
        "skipped",
        "already answered this survey (one answer per person)",
    )
    assert Message.objects.count() == 3
    # a message of another survey's trigger reaches nothing
    other = surveys.create_survey(workspace, name="Other", kind="nps")
    link = link_in_email(workspace, Message.objects.get(contact_id=people["u0"].pk))
    forged = surveys.email_link(other).removeprefix(settings.BASE_URL) + "?" + link.split("?")[1]
    assert page.get(forged).status_code == 404
    assert survey.responses.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_task_at_once_send_each_ask_once(workspace, tracker, shop, now):
    import threading

    from django.db import connection

    people, sender = shop
    survey_with_trigger(workspace, sender, delay_days=0)
    for n in (0, 1, 2):
        order(tracker, f"u{n}", f"w-{n}", "n", T0)
    start, done = threading.Barrier(2), []

    def worker():
        try:
            start.wait()
            done.append(triggers.run_triggers())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # one read the 3 orders and claimed their 3 asks (6); the other found nothing to read
    # or claim, and settled nothing (0) or, if it ran after the claim's commit and before
    # the first settled them, settled some or all of them itself (1 to 3: asks are settled
    # one by one, each by whichever worker updates it first)
    fewer, more = sorted(done)
    assert more == 6 and 0 <= fewer <= 3
    assert list(SurveyAsk.objects.values_list("status", flat=True)) == ["sent"] * 3
    assert Message.objects.count() == 3 and Broadcast.objects.count() == 1
    assert sorted(Message.objects.values_list("contact_id", flat=True)) == sorted(
        people[f"u{n}"].pk for n in (0, 1, 2)
    )


def test_a_survey_sent_by_hand_counts_toward_the_ask_again_window(
    workspace, tracker, shop, now, monkeypatch
):
    people, sender = shop
    monkeypatch.setattr(surveys, "ASKS_PER_INSERT", 2)  # recorded in two inserts
    now.at = T0 - timedelta(days=7)  # last week, by hand: u0, u2, u4 (queued), u3 (no consent)
    by_hand = surveys.create_survey(workspace, name="Spring check-in", kind="csat")
    counts = surveys.send_survey(
        by_hand, contact_ids=[people[u].pk for u in ("u0", "u2", "u3", "u4")], sender_id=sender.pk
    )
    assert counts == {"queued": 3, "skipped": 1, "not_found": 0}
    assert list(
        SurveyAsk.objects.filter(survey=by_hand)
        .order_by("contact_id")
        .values_list("contact_id", "order_id", "status", "asked_at")
    ) == [(people[u].pk, None, "sent", now.at) for u in ("u0", "u2", "u4")]

    now.at = T0
    survey = survey_with_trigger(workspace, sender, delay_days=0)
    order(tracker, "u0", "by-hand-last-week", "n", T0)
    order(tracker, "u1", "never-asked", "n", T0)
    triggers.run_triggers()
    assert asks(survey) == [
        (people["u0"].pk, "skipped", "asked within 90 days"),
        (people["u1"].pk, "sent", ""),
    ]
    assert (
        Message.objects.filter(status="queued").exclude(broadcast_id=by_hand.broadcast_id).count()
        == 1
    )
    # the trigger's figures count its own asks only, not the survey sent by hand
    assert selectors.trigger_by_location(survey) == [
        {"location": "North", "sent": 1, "skipped": 1, "answered": 0, "response_rate": 0.0}
    ]
    assert selectors.trigger_by_location(by_hand) == []

    # 90 days after the send by hand the window is over
    now.at = T0 - timedelta(days=7) + timedelta(days=90, minutes=1)
    order(tracker, "u0", "window-over", "n", now.at)
    triggers.run_triggers()
    latest = SurveyAsk.objects.filter(survey=survey).latest("id")
    assert (latest.contact_id, latest.status) == (people["u0"].pk, "sent")


def test_a_merged_contacts_asks_follow_them_to_the_survivor(workspace, tracker, shop, now):
    people, sender = shop
    survey = survey_with_trigger(workspace, sender, delay_days=0)
    visitor = {"type": "identify", "messageId": "a", "anonymousId": "a-9"}
    consent = {"channel": "email", "purpose": "marketing", "granted": True}
    tracker.batch(
        [
            {**visitor, "traits": {"email": "ann@x.test", "location": "n"}},
            {**visitor, "type": "track", "messageId": "b", "event": "Consent Updated",
             "properties": consent},
            {**visitor, "type": "track", "messageId": "c", "event": "Order Completed",
             "timestamp": T0.isoformat(), "properties": {"order_id": "s-1", "location": "s"}},
        ]
    )  # fmt: skip
    triggers.run_triggers()  # the visitor is asked about their order at South
    message = Message.objects.get()
    ann = message.contact_id

    now.at = T0 + timedelta(days=1)  # the visitor signs in as u1: one person, u1 survives
    tracker.batch([{**visitor, "messageId": "d", "userId": "u1"}])
    assert Contact.objects.get(pk=ann).merged_into_id == people["u1"].pk
    while feed.deliver(merges.SUBSCRIBER):
        pass
    assert asks(survey) == [(people["u1"].pk, "sent", "")]

    # the link in the email sent before the merge still answers, for the order's location
    assert Client().post(link_in_email(workspace, message), {"score": "9"}).status_code == 200
    south_id = SurveyAsk.objects.get(survey=survey).location_id
    assert list(survey.responses.values_list("contact_id", "location_id", "score")) == [
        (people["u1"].pk, south_id, 9)
    ]
    assert selectors.trigger_by_location(survey) == [
        {"location": "South", "sent": 1, "skipped": 0, "answered": 1, "response_rate": 1.0}
    ]

    # a week after the ask, the survivor's own order is not asked about by another survey
    now.at = T0 + timedelta(days=7)
    csat = survey_with_trigger(workspace, sender, name="CSAT", delay_days=0)
    order(tracker, "u1", "n-1", "n", now.at)
    triggers.run_triggers()
    assert asks(csat) == [(people["u1"].pk, "skipped", "asked within 90 days")]
    assert Message.objects.count() == 1


def test_answers_recorded_in_bulk_count_for_the_location_given_else_the_persons(workspace, shop):
    people, _ = shop  # every customer's own location is North
    survey = surveys.create_survey(workspace, name="Loaded", kind="nps")
    north_id = people["u0"].location_id
    south_id = workspace.location_set.get(code="s").pk
    rows = [(people[user].pk, 9, T0) for user in ("u0", "u1")]
    assert surveys.record_answers(survey, rows, location_of={people["u1"].pk: south_id}) == 2
    assert dict(survey.responses.values_list("contact_id", "location_id")) == {
        people["u0"].pk: north_id,
        people["u1"].pk: south_id,
    }


def test_a_trigger_asks_about_earlier_orders_once_when_told_to(workspace, tracker, shop, now):
    people, sender = shop
    order(tracker, "u0", "last-week", "n", T0 - timedelta(days=7))
    order(tracker, "u1", "last-month", "n", T0 - timedelta(days=30))
    survey = survey_with_trigger(workspace, sender, delay_days=0)
    trigger = survey.trigger
    with pytest.raises(ValidationFailed) as refused:
        triggers.ask_about_orders_since(trigger, T0 + timedelta(seconds=1))
    assert refused.value.errors == {"since": "must not be in the future"}
    triggers.run_triggers()
    assert asks(survey) == []  # orders placed before the trigger: not asked about

    triggers.ask_about_orders_since(trigger, T0 - timedelta(days=10))
    triggers.run_triggers()
    triggers.ask_about_orders_since(trigger, T0 - timedelta(days=10))  # again: once
    triggers.run_triggers()
    assert asks(survey) == [(people["u0"].pk, "sent", "")]
    assert Message.objects.count() == 1


def test_asks_about_a_location_with_a_zone_wait_for_the_daytime_of_that_location(
    workspace, tracker, shop, now
):
    """Workspace in London (BST, UTC+1), a Tokyo store (UTC+9), window 09:00-18:00."""
    people, sender = shop
    save_settings(workspace, time_zone="Europe/London", cap_count=0, cap_days=1)
    upsert_locations(workspace, [{"code": "t", "name": "Tokyo", "time_zone": "Asia/Tokyo"}])
    survey = survey_with_trigger(workspace, sender, delay_days=1)
    identify = {"type": "identify", "messageId": "i2-tz", "userId": "u2"}
    tracker.batch([{**identify, "traits": {"timezone": "America"}}])  # not a zone: London's
    order(tracker, "u0", "t-early", "t", datetime(2026, 4, 10, 23, 59, tzinfo=UTC))
    order(tracker, "u1", "t-start", "t", datetime(2026, 4, 11, 0, 0, tzinfo=UTC))
    order(tracker, "u2", "s-night", "s", datetime(2026, 4, 11, 0, 0, tzinfo=UTC))
    triggers.run_triggers()
    assert dict(SurveyAsk.objects.values_list("contact_id", "due_at")) == {
        people["u0"].pk: datetime(2026, 4, 12, 0, 0, tzinfo=UTC),  # 08:59 in Tokyo: 09:00
        people["u1"].pk: datetime(2026, 4, 12, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo: as is
        people["u2"].pk: datetime(2026, 4, 12, 8, 0, tzinfo=UTC),  # 01:00 in London: 09:00
    }
    now.at = datetime(2026, 4, 11, 23, 59, tzinfo=UTC)
    triggers.run_triggers()
    assert Message.objects.count() == 0
    now.at = datetime(2026, 4, 12, 0, 0, tzinfo=UTC)
    triggers.run_triggers()
    assert sorted(Message.objects.values_list("contact_id", flat=True)) == sorted(
        [people["u0"].pk, people["u1"].pk]
    )
    assert [status for _, status, _ in asks(survey)] == ["sent", "sent", "waiting"]
