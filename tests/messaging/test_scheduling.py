"""Who a broadcast reaches and when: a segment's members at queue time, a send time (or
a wall-clock time in each recipient's zone, across DST), quiet hours that defer and a
frequency cap that skips, each with its reason; over a real SMTP server."""

from datetime import UTC, datetime, time, timedelta

import pytest

from pacer.core.errors import ValidationFailed
from pacer.messaging import actions, rules
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Broadcast, Message, MessagingSettings, Template
from pacer.messaging.schedule import local_send_instant, quiet_until
from pacer.segments import actions as segments
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db


def make_broadcast(workspace, audience=None, **schedule):
    template = actions.save_template(
        workspace, name=f"T{Template.objects.count()}", subject="Hi", html="<p>Hi</p>"
    )
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return actions.create_broadcast(
        workspace,
        name="B",
        template_id=template.pk,
        sender_id=sender.pk,
        audience=audience or {"all": True},
        **schedule,
    )


def rows(broadcast):
    return {
        m.email: (m.status, m.reason, m.due_at, m.time_zone)
        for m in Message.objects.filter(broadcast=broadcast)
    }


def sent_to(smtp):
    return sorted(rcpt for _, (rcpt,), _ in smtp.messages)


def test_a_segment_audience_is_its_members_when_queued(workspace, now):
    ada = person(workspace, "ada@x.test")
    bob = person(workspace, "bob@x.test")
    cy = person(workspace, "cy@x.test", consent=False)
    person(workspace, "dee@x.test")  # never in the list
    vips = segments.create_segment(workspace, name="VIPs", kind="static")
    segments.add_members(workspace, vips, [ada.pk, cy.pk])
    broadcast = make_broadcast(workspace, {"segment": vips.pk})
    # membership changes after the broadcast was made count: it is read at queue time
    segments.add_members(workspace, vips, [bob.pk])
    segments.remove_members(workspace, vips, [ada.pk])
    counts = actions.queue_broadcast(workspace, broadcast.pk)
    assert counts == {"queued": 1, "skipped": 1, "not_found": 0}
    assert {email: row[:2] for email, row in rows(broadcast).items()} == {
        "bob@x.test": ("queued", ""),
        "cy@x.test": ("skipped", "no email consent for marketing"),
    }


def test_a_dynamic_segment_audience_is_resolved_through_its_definition(workspace, now):
    ada = person(workspace, "ada@x.test", "Ada")
    person(workspace, "bob@x.test", "Bob")
    named_ada = segments.create_segment(
        workspace,
        name="Adas",
        definition={
            "type": "group",
            "op": "and",
            "children": [{"type": "field", "field": "first_name", "op": "eq", "value": "Ada"}],
        },
    )
    broadcast = make_broadcast(workspace, {"segment": named_ada.pk})
    assert actions.queue_broadcast(workspace, broadcast.pk)["queued"] == 1
    assert Message.objects.get().contact_id == ada.pk


def test_a_segment_audience_is_refused_when_the_segment_is_missing(workspace, now):
    other = type(workspace).objects.create(name="Other", slug="other")
    theirs = segments.create_segment(other, name="Theirs", kind="static")
    for audience in ({"segment": theirs.pk}, {"segment": 0}, {"segment": "1"}):
        with pytest.raises(ValidationFailed) as refused:
            make_broadcast(workspace, audience)
        assert list(refused.value.errors) == ["audience"]
    assert not Broadcast.objects.exists()
    gone = segments.create_segment(workspace, name="Gone", kind="static")
    broadcast = make_broadcast(workspace, {"segment": gone.pk})
    segments.delete_segment(workspace, gone)
    with pytest.raises(ValidationFailed) as refused:
        actions.queue_broadcast(workspace, broadcast.pk)
    assert refused.value.errors == {"audience": "its segment no longer exists"}
    assert Broadcast.objects.get().status == "draft" and not Message.objects.exists()


def test_a_broadcast_at_a_time_is_released_when_it_comes(workspace, smtp, now):
    person(workspace, "ada@x.test")
    at = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    broadcast = make_broadcast(workspace, schedule="at", send_at=at)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert Message.objects.get().due_at == at
    now["at"] = at - timedelta(seconds=1)
    assert deliver() == 0 and smtp.messages == []
    now["at"] = at
    assert deliver() == 1 and sent_to(smtp) == ["ada@x.test"]


def test_local_time_sends_follow_each_recipients_zone_across_dst(workspace, smtp, now):
    # 2026-03-29: London springs forward at 01:00 UTC; New York already did (03-08)
    rules.save_settings(workspace, time_zone="Europe/London", cap_count=0, cap_days=7)
    person(workspace, "uk@x.test")  # no zone of its own: the workspace's
    ny = person(workspace, "ny@x.test")
    ny.traits = {"timezone": "America/New_York"}
    ny.save()
    odd = person(workspace, "odd@x.test")
    odd.traits = {"timezone": "Mars/Olympus"}  # unknown: the workspace's
    odd.save()
    broadcast = make_broadcast(workspace, schedule="local", send_local="2026-03-29T09:00")
    actions.queue_broadcast(workspace, broadcast.pk)
    uk_due = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 BST
    ny_due = datetime(2026, 3, 29, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert {email: row[2:] for email, row in rows(broadcast).items()} == {
        "uk@x.test": (uk_due, "Europe/London"),
        "odd@x.test": (uk_due, "Europe/London"),
        "ny@x.test": (ny_due, "America/New_York"),
    }
    now["at"] = uk_due
    assert deliver() == 2 and sent_to(smtp) == ["odd@x.test", "uk@x.test"]
    now["at"] = ny_due - timedelta(minutes=1)
    assert deliver() == 0
    now["at"] = ny_due
    assert deliver() == 1 and sent_to(smtp) == ["ny@x.test", "odd@x.test", "uk@x.test"]


def test_wall_times_that_do_not_exist_or_happen_twice():
    # 02:30 on New York's spring-forward day does not exist: it moves forward by the gap
    spring = local_send_instant(datetime(2026, 3, 8, 2, 30), "America/New_York")
    assert spring == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT
    # 01:30 on the fall-back day happens twice: the first (EDT)
    autumn = local_send_instant(datetime(2026, 11, 1, 1, 30), "America/New_York")
    assert autumn == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_quiet_hours_end_at_local_morning_across_the_dst_change():
    quiet = (time(21, 0), time(8, 0))
    # 22:00 GMT on the night London springs forward: quiet until 08:00 BST = 07:00 UTC
    evening = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert quiet_until(evening, "Europe/London", *quiet) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    # 05:00 local in the morning part of the window: until 08:00 that same day
    morning = datetime(2026, 10, 25, 5, 0, tzinfo=UTC)  # 05:00 GMT after fall-back
    assert quiet_until(morning, "Europe/London", *quiet) == datetime(2026, 10, 25, 8, tzinfo=UTC)
    # the window's edges: 08:00 is open, 21:00 is quiet, 20:59 is open
    at_eight = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 08:00 BST
    assert quiet_until(at_eight, "Europe/London", *quiet) is None
    at_nine = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)  # 21:00 BST
    assert quiet_until(at_nine, "Europe/London", *quiet) == datetime(2026, 7, 2, 7, tzinfo=UTC)
    assert quiet_until(at_nine - timedelta(minutes=1), "Europe/London", *quiet) is None
    # a window within one day (13:00-14:00)
    lunch = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)  # 13:30 BST
    assert quiet_until(lunch, "Europe/London", time(13), time(14)) == datetime(
        2026, 7, 1, 13, tzinfo=UTC
    )
    assert quiet_until(lunch, "Europe/London", None, None) is None


def test_quiet_hours_defer_a_message_to_the_recipients_morning(workspace, smtp, now):
    rules.save_settings(
        workspace,
        time_zone="Europe/London",
        cap_count=0,
        cap_days=7,
        quiet_start="21:00",
        quiet_end="08:00",
    )
    person(workspace, "uk@x.test")
    tokyo = person(workspace, "jp@x.test")
    tokyo.traits = {"timezone": "Asia/Tokyo"}
    tokyo.save()
    broadcast = make_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    now["at"] = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 22:00 London, 07:00 Tokyo
    assert deliver() == 0 and smtp.messages == []
    morning_uk = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 BST
    morning_jp = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 08:00 JST
    deferred = {m.email: (m.status, m.due_at, m.attempts) for m in Message.objects.all()}
    assert deferred == {
        "uk@x.test": ("queued", morning_uk, 0),
        "jp@x.test": ("queued", morning_jp, 0),
    }
    assert Message.objects.get(email="uk@x.test").reason == (
        "deferred by quiet hours until 2026-03-29 07:00 UTC"
    )
    now["at"] = morning_jp
    assert deliver() == 1 and sent_to(smtp) == ["jp@x.test"]
    now["at"] = morning_uk
    assert deliver() == 1
    uk = Message.objects.get(email="uk@x.test")
    assert (uk.status, uk.reason, uk.sent_at) == ("sent", "", morning_uk)


def test_the_frequency_cap_skips_with_its_reason(workspace, smtp, now):
    rules.save_settings(workspace, time_zone="UTC", cap_count=2, cap_days=7)
    person(workspace, "ada@x.test")
    first = make_broadcast(workspace)
    actions.queue_broadcast(workspace, first.pk)
    assert deliver() == 1
    now["at"] += timedelta(days=1)
    # two more queued at once: the batch itself counts toward the cap
    second, third = make_broadcast(workspace), make_broadcast(workspace)
    actions.queue_broadcast(workspace, second.pk)
    actions.queue_broadcast(workspace, third.pk)
    assert deliver() == 1
    capped = Message.objects.get(broadcast=third)
    assert (capped.status, capped.reason) == ("skipped", "frequency cap: 2 in 7 days reached")
    # once the first send leaves the window, there is room again
    now["at"] += timedelta(days=6, seconds=1)
    fourth = make_broadcast(workspace)
    actions.queue_broadcast(workspace, fourth.pk)
    assert deliver() == 1
    assert len(smtp.messages) == 3


def test_without_a_cap_nothing_is_capped(workspace, smtp, now):
    person(workspace, "ada@x.test")
    for _ in range(3):
        actions.queue_broadcast(workspace, make_broadcast(workspace).pk)
    assert deliver() == 3


def test_settings_and_schedules_refuse_bad_input_and_write_nothing(workspace):
    with pytest.raises(ValidationFailed) as refused:
        rules.save_settings(
            workspace, time_zone="Nowhere/Land", cap_count=-1, cap_days=0, quiet_start="21:00"
        )
    assert refused.value.errors == {
        "time_zone": "must be a known time zone such as Europe/London",
        "cap_count": "must be a whole number from 0 to 1000",
        "cap_days": "must be a whole number from 1 to 365",
        "quiet_end": "quiet hours need both a start and an end",
    }
    with pytest.raises(ValidationFailed) as refused:
        rules.save_settings(
            workspace, time_zone="UTC", cap_count=1, cap_days=1, quiet_start="9pm", quiet_end="8"
        )
    assert set(refused.value.errors) == {"quiet_start", "quiet_end"}
    assert not MessagingSettings.objects.exists()
    for schedule, error in (
        ({"schedule": "later"}, "schedule"),
        ({"schedule": "at", "send_at": datetime(2026, 3, 2, 9)}, "send_at"),  # no zone
        ({"schedule": "local", "send_local": "2026-02-30T09:00"}, "send_local"),
        ({"schedule": "local", "send_local": "tomorrow"}, "send_local"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            make_broadcast(workspace, **schedule)
        assert list(refused.value.errors) == [error], schedule
    assert not Broadcast.objects.exists()
