"""Subject-test decisions survive kills: a real ``decide_due`` process is killed with
SIGKILL inside a decision — after the held messages were released with the winner but
before the decision was saved, and with everything written before COMMIT — at the first
and second broadcast due.

The guarantee: a decision is whole or not made. After each kill a broadcast is either
decided (its winner and decision saved, every held message queued with the winner's
variant, one audit entry) or exactly as it was (no winner, its messages held as before,
no audit entry), so the winner can never be released twice or to a half. A rerun
decides what is left, once; the end state equals an undisturbed decision's."""

from datetime import timedelta

import pytest

from pacer.core.models import AuditEntry
from pacer.messaging import actions, subject_test
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Broadcast, Message
from tests.core.loop_processes import SIGKILL, run_loop
from tests.messaging.test_subject_test import audience, open_some, subject_tested

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LOOP = "pacer.messaging.subject_test.decide_due"


def messages(broadcast) -> list[tuple]:
    return list(
        Message.objects.filter(broadcast=broadcast)
        .order_by("contact_id")
        .values_list("contact_id", "status", "variant")
    )


def decision(broadcast) -> tuple:
    """A broadcast's decision as this test compares it: winner, what was released, how
    its messages stand, its audit entries."""
    found = Broadcast.objects.get(pk=broadcast.pk)
    audits = AuditEntry.objects.filter(
        action="messaging.subject_test_decided", object_id=str(found.pk)
    )
    return (
        found.winner,
        (found.test_decision or {}).get("released"),
        messages(found),
        [entry.after for entry in audits],
    )


def test_a_killed_decision_is_whole_or_not_made(workspace, now, smtp, client):
    audience(workspace)
    spring = subject_tested(workspace)  # B beats A on opens: B goes to the rest
    autumn = actions.create_broadcast(  # no opens: inconclusive, A goes to the rest
        workspace,
        name="Autumn",
        template_id=actions.save_template(workspace, name="T2", subject="X", html="<p>Hi</p>").pk,
        sender_id=spring.sender_id,
        audience={"all": True},
        subject_variants=["Autumn", "Fall"],
        test_percent=20,
    )
    for broadcast in (spring, autumn):
        actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 40
    open_some(client, spring, 0, 1)
    open_some(client, spring, 1, 8)
    at = now["at"] + timedelta(hours=4)
    before = {b.pk: decision(b) for b in (spring, autumn)}
    assert {b: (w, r, len(m), a) for b, (w, r, m, a) in before.items()} == {
        spring.pk: (None, None, 101, []),
        autumn.pk: (None, None, 101, []),
    }

    status, output = run_loop(LOOP, at, fault="messaging.subject_test.decided:1")
    assert status == SIGKILL, output
    assert {b.pk: decision(b) for b in (spring, autumn)} == before  # nothing decided

    status, output = run_loop(LOOP, at, fault="messaging.subject_test.released:2")
    assert status == SIGKILL, output
    after_kill = {b.pk: decision(b) for b in (spring, autumn)}
    (decided,) = [pk for pk in after_kill if after_kill[pk] != before[pk]]
    (undecided,) = {spring.pk, autumn.pk} - {decided}
    assert after_kill[undecided] == before[undecided]  # the second rolled back whole
    winner, released, rows, audits = after_kill[decided]
    expected_winner = 1 if decided == spring.pk else 0
    assert (winner, released) == (expected_winner, 80)
    assert audits == [
        {
            "winner": "AB"[expected_winner],
            "reason": Broadcast.objects.get(pk=decided).test_decision["reason"],
            "released": 80,
        }
    ]
    assert rows == whole(before[decided][2], expected_winner)

    assert run_loop(LOOP, at) == (0, "1\n")
    assert run_loop(LOOP, at) == (0, "0\n")
    for broadcast, expected_winner in ((spring, 1), (autumn, 0)):
        winner, released, rows, audits = decision(broadcast)
        assert (winner, released, len(audits)) == (expected_winner, 80, 1)
        assert rows == whole(before[broadcast.pk][2], expected_winner)
    # an undisturbed decision of the same test makes the same: the B of spring wins
    rows = subject_test.results(Broadcast.objects.get(pk=spring.pk))
    assert subject_test.choose(rows, "open")[0] == 1


def whole(rows: list[tuple], winner: int) -> list[tuple]:
    """The messages of a decided broadcast: the held ones queued with the winner."""
    return [
        (contact, "queued", winner) if status == "held" else (contact, status, variant)
        for contact, status, variant in rows
    ]
