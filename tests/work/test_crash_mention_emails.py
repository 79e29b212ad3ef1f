"""The mention-email loop survives a kill: a real process running ``send_mention_emails``
against a real SMTP server (aiosmtpd) kills itself with SIGKILL at a fault point; a run
after the lease sends the rest. Every mentioned member gets the email (at least once) and
only the one in flight at the kill can arrive twice (the in-flight bound)."""

import pytest

from pacer.core import actions as core
from pacer.core.roles import Role
from pacer.work import actions, comments
from pacer.work.mention_email import LEASE
from pacer.work.models import MentionEmail
from tests.core.loop_processes import SIGKILL, run_loop
from tests.work.conftest import NOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LOOP = "pacer.work.mention_email.send_mention_emails"
NAMES = ("bob", "cy", "eve", "fay")


@pytest.fixture
def mentioned(board, admin, workspace):
    """One comment mentioning four members with addresses: four emails to send."""
    for n, name in enumerate(NAMES):
        core.create_user(
            workspace, name, f"correct-horse-{n}", Role.ANALYST, email=f"{name}@x.test"
        )
    card = actions.create_card(board, title="Spring email", now=NOW)
    comments.add_comment(card, "@bob @cy @eve @fay", now=NOW, actor=admin)
    assert MentionEmail.objects.count() == len(NAMES)


def _send(sink, at, fault=""):
    controller, _ = sink
    port = controller.server.sockets[0].getsockname()[1]
    return run_loop(LOOP, at, fault=fault, PACER_SMTP_HOST="127.0.0.1", PACER_SMTP_PORT=str(port))


def _recipients(sink) -> list[str]:
    return [to for recipients, _ in sink[1].messages for to in recipients]


@pytest.mark.parametrize(
    ("fault", "before_kill", "twice"),
    [
        # killed after the 2nd hand-over, before its mark: that one goes again
        ("work.mention_email.handed_over:2", ["bob@x.test", "cy@x.test"], ["cy@x.test"]),
        # killed before the 2nd hand-over: nothing goes twice
        ("work.mention_email.sending:2", ["bob@x.test"], []),
    ],
)
def test_a_kill_mid_send_loses_no_email_and_repeats_at_most_the_one_in_flight(
    mentioned, smtp_sink, fault, before_kill, twice
):
    status, output = _send(smtp_sink, NOW, fault)
    assert status == SIGKILL, output
    assert _recipients(smtp_sink) == before_kill
    assert sorted(
        MentionEmail.objects.filter(sent_at__isnull=False).values_list("to_email", flat=True)
    ) == ["bob@x.test"] * (len(before_kill) - len(twice))
    # within the lease a live sender may still hold the chunk: nothing is taken
    assert _send(smtp_sink, NOW + LEASE / 2) == (0, "0\n")
    assert _recipients(smtp_sink) == before_kill
    # after it the dead sender's chunk is taken again
    rest = len(NAMES) - len(before_kill) + len(twice)
    assert _send(smtp_sink, NOW + LEASE) == (0, f"{rest}\n")
    received = _recipients(smtp_sink)
    assert sorted(set(received)) == [f"{name}@x.test" for name in NAMES]  # none lost
    assert sorted(to for to in set(received) if received.count(to) > 1) == twice
    assert not MentionEmail.objects.filter(sent_at__isnull=True).exists()
    assert _send(smtp_sink, NOW + 2 * LEASE) == (0, "0\n")
