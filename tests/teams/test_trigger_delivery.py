# ruff: noqa: F811 (the fixtures imported from the trigger tests)
"""A trigger claims its due asks under the lock on its row (a draft broadcast, the asks
``sending``) and queues the broadcast after that commit, outside the lock: the messages
are written in messaging's own transaction, not the trigger's. A crash between the
commit and the queuing loses nothing and sends nothing twice: the next run queues the
claimed broadcast once and settles its asks."""

from datetime import timedelta

import pytest
from django.db import connection

from pacer.core import faults
from pacer.messaging.models import Broadcast, Message
from pacer.teams import triggers
from pacer.teams.models import SurveyAsk
from tests.teams.test_trigger_lock import Queries
from tests.teams.test_triggers import T0, asks, now, order, shop, survey_with_trigger  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


class Crash(Exception):
    """The worker dying between the claim's commit and the queuing."""


def _due(workspace, tracker, shop, now):
    people, sender = shop
    survey = survey_with_trigger(workspace, sender, delay_days=1)
    for user in ("u0", "u1"):
        order(tracker, user, f"{user}-a", "n", T0 + timedelta(minutes=5))
    now.at = T0 + timedelta(minutes=10)
    assert triggers.run_trigger(survey.trigger.pk) == 2  # read, not due
    now.at = T0 + timedelta(days=1, minutes=5)
    return people, survey


def test_the_broadcast_is_queued_after_the_triggers_transaction(workspace, tracker, shop, now):
    people, survey = _due(workspace, tracker, shop, now)
    depth, queries = len(connection.atomic_blocks), Queries()
    with connection.execute_wrapper(queries):
        assert triggers.run_trigger(survey.trigger.pk) == 2
    # the draft is made inside the trigger's transaction (in create_broadcast's own, nested)
    assert min(queries.depths('INTO "messaging_broadcast"')) > depth + 1
    # the messages in queue_broadcast's transaction (and bulk_create's): not the trigger's
    assert queries.depths('INTO "messaging_message"') == {depth + 2}
    assert asks(survey) == [(people["u0"].pk, "sent", ""), (people["u1"].pk, "sent", "")]
    assert Message.objects.filter(status="queued").count() == 2


def test_a_crash_after_the_claim_loses_nothing_and_sends_once(workspace, tracker, shop, now):
    people, survey = _due(workspace, tracker, shop, now)

    def die():
        raise Crash

    with faults.hooked("teams.survey-asks-claimed", die), pytest.raises(Crash):
        triggers.run_trigger(survey.trigger.pk)
    # committed: claimed into a draft broadcast, nothing queued yet
    assert [s for _, s, _ in asks(survey)] == ["sending", "sending"]
    broadcast = Broadcast.objects.get()
    assert broadcast.status == "draft" and Message.objects.count() == 0
    assert set(SurveyAsk.objects.values_list("broadcast_id", flat=True)) == {broadcast.pk}
    # the next run queues that broadcast, once, and settles the asks it claimed
    assert triggers.run_trigger(survey.trigger.pk) == 2
    assert asks(survey) == [(people["u0"].pk, "sent", ""), (people["u1"].pk, "sent", "")]
    assert Broadcast.objects.get().status != "draft" and Broadcast.objects.count() == 1
    assert sorted(Message.objects.values_list("contact_id", flat=True)) == sorted(
        [people["u0"].pk, people["u1"].pk]
    )
    assert triggers.run_trigger(survey.trigger.pk) == 0  # nothing left: no second message
    assert Message.objects.count() == 2
