# ruff: noqa: F811 (the fixtures imported from the trigger tests)
"""Survey triggers survive kills: a real ``run_triggers`` process (the
``survey-triggers`` loop) is killed with SIGKILL inside the transaction that claims the
due asks (nothing of the run committed) and between that commit and the queuing of the
broadcast (claimed, not queued).

The guarantee: after either kill no message exists and no ask is lost; the next run
queues each due ask's message once and settles the asks, as an undisturbed run does
(``test_triggers.py``); a third run does nothing and queues nothing more."""

from datetime import timedelta

import pytest

from pacer.messaging.models import Broadcast, Message
from pacer.teams import triggers
from tests.core.loop_processes import SIGKILL, run_loop
from tests.teams.test_triggers import T0, asks, now, order, shop, survey_with_trigger  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LOOP = "pacer.teams.triggers.run_triggers"
DUE = T0 + timedelta(days=1, minutes=5)


def _read_not_due(workspace, tracker, shop, now):
    people, sender = shop
    survey = survey_with_trigger(workspace, sender, delay_days=1)
    for user in ("u0", "u1"):
        order(tracker, user, f"{user}-a", "n", T0 + timedelta(minutes=5))
    now.at = T0 + timedelta(minutes=10)
    assert triggers.run_trigger(survey.trigger.pk) == 2  # the orders read; not due yet
    return people, survey


@pytest.mark.parametrize(
    ("point", "asks_after_kill", "drafts_after_kill"),
    [
        ("teams.survey-asks-claiming", ["waiting", "waiting"], 0),
        ("teams.survey-asks-claimed", ["sending", "sending"], 1),
    ],
)
def test_a_killed_trigger_run_loses_no_ask_and_the_next_queues_each_once(
    workspace, tracker, shop, now, point, asks_after_kill, drafts_after_kill
):
    people, survey = _read_not_due(workspace, tracker, shop, now)
    status, output = run_loop(LOOP, DUE, fault=f"{point}:1")
    assert status == SIGKILL, output
    assert [status for _, status, _ in asks(survey)] == asks_after_kill
    assert Broadcast.objects.filter(status="draft").count() == drafts_after_kill
    assert Message.objects.count() == 0

    assert run_loop(LOOP, DUE) == (0, "2\n")
    assert asks(survey) == [(people["u0"].pk, "sent", ""), (people["u1"].pk, "sent", "")]
    assert Broadcast.objects.count() == 1
    assert Broadcast.objects.get().status != "draft"
    assert sorted(Message.objects.values_list("contact_id", flat=True)) == sorted(
        [people["u0"].pk, people["u1"].pk]
    )
    assert run_loop(LOOP, DUE) == (0, "0\n")
    assert Message.objects.count() == 2
