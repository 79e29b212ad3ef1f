"""What the round-36 sample of ``pacer.messaging.delivery`` (``MUTATION_SAMPLE=8:2027``)
left alive when run whole by the mutant loop in stop 39 (docs/testing.md): quiet hours'
deferral touches only its own message (``_defer`` 8), a group is marked sent only where
its messages are still queued (``_mark_sent`` 14), a batch of several groups answers all
its sends (``deliver`` 40), and the fault points the crash tests kill at are reached by
name (``_send_share`` 17, ``_send_capped`` 75, ``deliver`` 6, 7, 28), and a relay out of
reach is logged with the count sent (``deliver`` 59, 64)."""

import logging
import socket
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta

import pytest

from pacer.core import actions as core_actions
from pacer.core import faults
from pacer.messaging import actions, rules
from pacer.messaging.delivery import GROUP, deliver
from pacer.messaging.models import Message, Schedule
from tests.messaging.conftest import person
from tests.messaging.test_scheduling import make_broadcast

pytestmark = pytest.mark.django_db


def test_a_deferral_by_quiet_hours_leaves_every_other_queued_message_alone(workspace, smtp, now):
    # Acme is quiet until 09:02 (the clock reads 09:00); Other is not, and its broadcast is
    # queued for 12:00: Acme's deferral must not move it (nor reason about it)
    rules.save_settings(
        workspace, time_zone="UTC", cap_count=0, cap_days=7, quiet_start="21:00", quiet_end="09:02"
    )
    person(workspace, "ada@x.test")
    acme = make_broadcast(workspace)
    actions.queue_broadcast(workspace, acme.pk)
    other = core_actions.create_workspace("Other", slug="other")
    person(other, "bob@x.test")
    noon = now["at"] + timedelta(hours=3)
    later = make_broadcast(other, schedule=Schedule.AT, send_at=noon)
    actions.queue_broadcast(other, later.pk)
    waiting = Message.objects.get(broadcast=later)
    before = (waiting.status, waiting.due_at, waiting.claimed_until, waiting.reason)
    assert before[:2] == ("queued", noon)

    assert deliver() == 0

    deferred = Message.objects.get(broadcast=acme)
    assert (deferred.status, deferred.due_at) == ("queued", now["at"] + timedelta(minutes=2))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.due_at, waiting.claimed_until, waiting.reason) == before
    now["at"] = noon
    assert deliver() == 2  # Ada's after her quiet hours, Bob's at noon
    assert sorted(rcpt for _, (rcpt,), _ in smtp.messages) == ["ada@x.test", "bob@x.test"]


def test_a_message_finished_elsewhere_during_the_hand_over_is_not_marked_sent_over_it(
    workspace, smtp, now
):
    # between the relay's acceptance of the group and its marking (the point the crash
    # tests kill at), another worker whose lease had passed gives Bob's message up
    rules.save_settings(workspace, time_zone="UTC", cap_count=0, cap_days=7)
    person(workspace, "ada@x.test")
    person(workspace, "bob@x.test")
    broadcast = make_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    bob = Message.objects.get(broadcast=broadcast, email="bob@x.test")

    def given_up_elsewhere():
        Message.objects.filter(pk=bob.pk).update(status="failed", reason="given up elsewhere")

    with faults.hooked("messaging.handed_over", given_up_elsewhere):
        deliver()

    rows = {
        m.email: (m.status, m.reason, m.sent_at)
        for m in Message.objects.filter(broadcast=broadcast)
    }
    assert rows == {
        "ada@x.test": ("sent", "", now["at"]),
        "bob@x.test": ("failed", "given up elsewhere", None),
    }


def test_a_batch_of_several_groups_answers_every_message_the_relay_accepted(workspace, smtp, now):
    # 33 messages: two groups of GROUP (32) and 1; deliver answers the batch's sends
    rules.save_settings(workspace, time_zone="UTC", cap_count=0, cap_days=7)
    for n in range(GROUP + 1):
        person(workspace, f"p{n}@x.test")
    broadcast = make_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == GROUP + 1
    assert Message.objects.filter(broadcast=broadcast, status="sent").count() == GROUP + 1
    assert len(smtp.messages) == GROUP + 1


def _points_reached(names):
    reached = Counter()
    stack = ExitStack()
    for name in names:
        stack.enter_context(faults.hooked(name, lambda name=name: reached.update([name])))
    return stack, reached


POINTS = [
    "messaging.claimed",
    "messaging.prepared",
    "messaging.accepted",
    "messaging.handed_over",
    "messaging.cap_counted",
]


@pytest.mark.parametrize("capped", [False, True])
def test_delivery_passes_its_fault_points_where_the_crash_tests_kill_it(
    workspace, smtp, now, capped
):
    # the crash tests (left out of mutation runs) kill a sender at these points by name:
    # each must be reached where they expect it, by the free and by the capped path
    rules.save_settings(workspace, time_zone="UTC", cap_count=3 if capped else 0, cap_days=7)
    person(workspace, "ada@x.test")
    person(workspace, "bob@x.test")
    broadcast = make_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    stack, reached = _points_reached(POINTS)
    with stack:
        assert deliver() == 2
    expected = {"messaging.claimed": 1, "messaging.prepared": 1, "messaging.accepted": 2}
    expected["messaging.handed_over"] = 1  # the group's free share, empty when capped
    expected |= {"messaging.cap_counted": 1} if capped else {}
    assert dict(reached) == expected


def test_a_relay_that_cannot_be_reached_stops_the_run_with_a_warning(
    workspace, settings, now, caplog
):
    rules.save_settings(workspace, time_zone="UTC", cap_count=0, cap_days=7)
    person(workspace, "ada@x.test")
    broadcast = make_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    with caplog.at_level(logging.WARNING, logger="pacer.messaging.delivery"):
        assert deliver() == 0
    (record,) = [r for r in caplog.records if r.name == "pacer.messaging.delivery"]
    assert record.getMessage().startswith("delivery stopped after 0 messages: ")
    message = Message.objects.get(broadcast=broadcast)
    assert (message.status, message.attempts, message.sent_at) == ("queued", 0, None)
