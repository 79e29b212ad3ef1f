"""Routing and follow-up: weighted, capacity-aware assignment; deadlines in business hours
(time zones, DST, holidays); timers that fire once and survive restarts; the first
response stops the clock; notices handed to a real SMTP server at most once."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import actions as core_actions
from pacer.core import feed
from pacer.core.models import AuditEntry, Role
from pacer.ingest.processing import process_pending
from pacer.leads import actions, followup
from pacer.leads.followup import log_activity, send_notices
from pacer.leads.models import Agent, Lead, LocationHours, Notice, SlaPolicy, Timer
from pacer.leads.timers import fire_due_timers

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)
# Friday 27 March 2026, 16:55 in London (GMT); clocks go forward on Sunday 29 March
FRIDAY_LATE = datetime(2026, 3, 27, 16, 55, tzinfo=UTC)


def member(workspace, name, role=Role.STAFF):
    return core_actions.create_user(workspace, name, "correct-horse-1", role)


def agent(workspace, user, location, **options) -> Agent:
    return Agent.objects.create(
        workspace=workspace, user=user, location_id=location.pk if location else None, **options
    )


def lead_at(workspace, moment, clock_at, n=0, **data) -> Lead:
    clock_at(moment)
    actions.capture(
        workspace,
        {"email": f"p{n}@x.test", "location": "north", "submission_id": f"s{n}"} | data,
        source="form",
        received_at=moment,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    return Lead.objects.get(event_id__isnull=False, contact__email=f"p{n}@x.test")


def test_weighted_rotation_keeps_every_agent_within_one_lead_of_their_share(
    workspace, north, clock_at
):
    weights = {"ann": 3.0, "ben": 1.0, "cat": 2.0}
    users = {name: member(workspace, name) for name in weights}
    for name, weight in weights.items():
        agent(workspace, users[name], north, weight=weight, max_open=1000)
    counts = dict.fromkeys(weights, 0)
    start = datetime.now(UTC)
    for n in range(60):
        owner = lead_at(workspace, start + n * MINUTE, clock_at, n).owner.username
        counts[owner] += 1
        for name, weight in weights.items():  # after every lead, not only at the end
            assert abs(counts[name] - (n + 1) * weight / 6) < 1, (n, counts)
    assert counts == {"ann": 30, "ben": 10, "cat": 20}
    reason = AuditEntry.objects.filter(action="leads.assign").order_by("id").last().after["reason"]
    assert reason.startswith("new: weighted rotation among 3 of the location's agents")


def test_agents_away_or_at_their_cap_are_skipped_then_the_fallback_queue_then_nobody(
    workspace, north, clock_at
):
    ann, ben, zed = (member(workspace, n) for n in ("ann", "ben", "zed"))
    now = datetime.now(UTC)
    agent(workspace, ann, north, max_open=1)
    agent(workspace, ben, north, away_until=now + timedelta(days=2))
    agent(workspace, zed, None, max_open=1)  # every location's fallback
    owners = [lead_at(workspace, now + n * MINUTE, clock_at, n).owner for n in range(3)]
    assert owners == [ann, zed, None]
    assert AuditEntry.objects.filter(action="leads.assign").order_by("id").last().after == {
        "owner": None,
        # open, nobody free, no fallback owner: tried again later (test_unowned_retry.py)
        "reason": f"new: nobody free; tries again at {(now + 17 * MINUTE).isoformat()}",
    }


def sla(workspace, north):
    LocationHours.objects.create(
        workspace=workspace,
        location_id=north.pk,
        timezone="Europe/London",
        weekly={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        holidays=["2026-03-30"],
    )
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )


def test_deadlines_count_business_minutes_across_a_weekend_a_holiday_and_dst(
    workspace, north, clock_at
):
    sla(workspace, north)
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    # 5 minutes on Friday; Monday is a holiday; Tuesday opens 09:00 BST = 08:00 UTC
    assert lead.respond_by == datetime(2026, 3, 31, 8, 10, tzinfo=UTC)
    assert {t.kind: t.due_at for t in Timer.objects.filter(lead=lead)} == {
        "remind": datetime(2026, 3, 31, 8, 5, tzinfo=UTC),
        "breach": datetime(2026, 3, 31, 8, 10, tzinfo=UTC),
        "reassign": datetime(2026, 3, 31, 8, 40, tzinfo=UTC),
    }
    (auto_reply,) = Notice.objects.filter(lead=lead)
    assert (auto_reply.key, auto_reply.to_email) == ("auto-reply", "p0@x.test")


def test_timers_remind_escalate_and_reassign_once_each(workspace, north, clock_at):
    sla(workspace, north)
    ann, ben, max_ = member(workspace, "ann"), member(workspace, "ben"), member(workspace, "max")
    agent(workspace, ann, north, weight=10)
    agent(workspace, ben, north, weight=1)
    agent(workspace, max_, north, weight=1, max_open=0, is_manager=True)
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    assert lead.owner == ann
    assert fire_due_timers(datetime(2026, 3, 31, 8, 4, tzinfo=UTC)) == 0
    assert fire_due_timers(datetime(2026, 3, 31, 8, 5, tzinfo=UTC)) == 1
    assert fire_due_timers(datetime(2026, 3, 31, 8, 6, tzinfo=UTC)) == 0  # fired once
    assert fire_due_timers(datetime(2026, 3, 31, 8, 10, tzinfo=UTC)) == 1
    assert sorted(Notice.objects.values_list("key", "to_user__username")) == [
        ("auto-reply", None),
        ("breach:1:0:" + str(max_.pk), "max"),
        ("remind:1", "ann"),
    ]
    assert fire_due_timers(datetime(2026, 3, 31, 8, 40, tzinfo=UTC)) == 1
    lead.refresh_from_db()
    assert (lead.owner, lead.assignment_round) == (ben, 2)  # never back to ann
    assert lead.respond_by == datetime(2026, 3, 31, 8, 55, tzinfo=UTC)
    assert Timer.objects.filter(lead=lead, assignment_round=2).count() == 3


def test_the_first_response_stops_the_clock(workspace, north, clock_at):
    sla(workspace, north)
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    note_at = datetime(2026, 3, 31, 8, 1, tzinfo=UTC)
    log_activity(workspace, lead.pk, "note", at=note_at, actor=ann, outcome="looked it up")
    lead.refresh_from_db()
    assert lead.first_response_at is None  # a note is not a response
    call_at = datetime(2026, 3, 31, 8, 3, tzinfo=UTC)
    log_activity(workspace, lead.pk, "call", at=call_at, actor=ann, outcome="booked a visit")
    log_activity(workspace, lead.pk, "email", at=call_at + MINUTE, actor=ann)
    lead.refresh_from_db()
    assert lead.first_response_at == call_at
    assert fire_due_timers(datetime(2026, 4, 30, tzinfo=UTC)) == 0
    assert Timer.objects.filter(lead=lead, cancelled_at=call_at).count() == 3
    assert list(Notice.objects.values_list("key", flat=True)) == ["auto-reply"]


def test_a_backfilled_lead_is_assigned_without_deadlines_or_auto_reply(workspace, north, clock_at):
    sla(workspace, north)
    agent(workspace, member(workspace, "ann"), north)
    clock_at(FRIDAY_LATE + timedelta(days=2))
    actions.capture(
        workspace,
        {"email": "old@x.test", "submission_id": "old", "location": "north"},
        source="csv",
        received_at=FRIDAY_LATE,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    lead = Lead.objects.get()
    assert lead.owner is not None and lead.respond_by is None
    assert not Timer.objects.exists() and not Notice.objects.exists()


def test_notices_reach_a_real_smtp_server_once(workspace, north, clock_at, settings, smtp_sink):
    controller, received = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = (
        "127.0.0.1",
        controller.server.sockets[0].getsockname()[1],
    )
    agent(workspace, member(workspace, "ann"), north)
    lead_at(workspace, datetime.now(UTC), clock_at, first_name="Mia")
    assert send_notices() == 1
    assert send_notices() == 0
    ((recipients, content),) = received.messages
    assert recipients == ["p0@x.test"] and "Hi Mia," in content
    assert Notice.objects.get().sent_at is not None


def _smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 1


def test_a_refused_smtp_connection_hands_nothing_over_and_the_next_run_sends_all(
    workspace, north, clock_at, settings, smtp_sink
):
    _smtp(settings, 9)  # nothing listens there
    for n in range(3):
        lead_at(workspace, datetime.now(UTC), clock_at, n)
    assert send_notices() == 0
    assert list(Notice.objects.values_list("claimed_at", "sent_at")) == [(None, None)] * 3
    controller, received = smtp_sink
    _smtp(settings, controller.server.sockets[0].getsockname()[1])
    assert send_notices() == 3 and send_notices() == 0
    assert sorted(r for recipients, _ in received.messages for r in recipients) == [
        "p0@x.test",
        "p1@x.test",
        "p2@x.test",
    ]


def test_a_failed_hand_over_strands_that_notice_only_and_it_is_not_sent_again(
    workspace, north, clock_at, settings, smtp_sink
):
    """The server refuses one message: it may count as handed over, so it stays claimed
    and unsent (shown, never resent); the others went."""
    controller, received = smtp_sink
    _smtp(settings, controller.server.sockets[0].getsockname()[1])
    received.refuse.add("p1@x.test")
    for n in range(3):
        lead_at(workspace, datetime.now(UTC), clock_at, n)
    assert send_notices() == 2
    assert send_notices() == 0
    stranded = Notice.objects.get(to_email="p1@x.test")
    assert stranded.claimed_at is not None and stranded.sent_at is None
    assert sorted(r for recipients, _ in received.messages for r in recipients) == [
        "p0@x.test",
        "p2@x.test",
    ]


def test_notices_go_over_several_smtp_sessions_side_by_side_each_once(
    workspace, north, clock_at, settings, smtp_sink
):
    controller, received = smtp_sink
    _smtp(settings, controller.server.sockets[0].getsockname()[1])
    lead = lead_at(workspace, datetime.now(UTC), clock_at)
    Notice.objects.bulk_create(
        Notice(
            workspace=workspace,
            lead=lead,
            key=f"bulk:{n}",
            to_email=f"n{n}@x.test",
            subject="s",
            body="b",
            created_at=datetime.now(UTC),
        )
        for n in range(59)
    )
    assert send_notices() == 60 and send_notices() == 0
    recipients = sorted(r for rcpt, _ in received.messages for r in rcpt)
    assert recipients == sorted(["p0@x.test"] + [f"n{n}@x.test" for n in range(59)])
    assert len(set(received.peers)) == followup.SMTP_SENDERS  # one session each, reused
    assert not Notice.objects.filter(sent_at__isnull=True).exists()
