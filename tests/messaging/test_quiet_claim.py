"""A message deferred by quiet hours goes back to the outbox unclaimed: it goes out on the
first run after they end, even when they end sooner than the claim's lease would have
(quiet hours set to end a couple of minutes from now, the lease five minutes long)."""

from datetime import timedelta

import pytest
from django.conf import settings

from pacer.messaging import actions, rules
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Message
from tests.messaging.conftest import person
from tests.messaging.test_scheduling import make_broadcast

pytestmark = pytest.mark.django_db


def test_quiet_hours_that_end_before_the_lease_release_the_message_when_they_end(
    workspace, smtp, now
):
    # the clock reads 09:00 UTC; quiet hours end at 09:02, well inside the lease
    assert settings.MESSAGING_LEASE_SECONDS >= 300
    rules.save_settings(
        workspace, time_zone="UTC", cap_count=0, cap_days=7, quiet_start="21:00", quiet_end="09:02"
    )
    person(workspace, "ada@x.test")
    broadcast = make_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 0
    deferred = Message.objects.get(broadcast=broadcast)
    ends = now["at"] + timedelta(minutes=2)
    assert (deferred.status, deferred.due_at, deferred.claimed_until, deferred.attempts) == (
        "queued",
        ends,
        None,
        0,
    )
    assert deferred.reason == "deferred by quiet hours until 2026-03-02 09:02 UTC"
    now["at"] = ends - timedelta(seconds=1)
    assert deliver() == 0  # still quiet: not due
    now["at"] = ends
    assert deliver() == 1
    sent = Message.objects.get(broadcast=broadcast)
    assert (sent.status, sent.sent_at, sent.attempts) == ("sent", ends, 1)
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["ada@x.test"]]
