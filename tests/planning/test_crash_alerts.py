"""Variance alerts survive kills: a real ``check_all`` process (the
``planning-variance`` loop) is killed with SIGKILL with a workspace's alerts raised but
not committed.

The guarantee: a workspace's alerts of a run are raised together with their email (in
the staff outbox, ``pacer.core.outbox``) and nothing else half done, each once per line,
month and kind: after the kill there is no alert and no email; a rerun raises the three
due alerts and queues the one email, which the ``staff-email`` loop sends, exactly what
an undisturbed run does (``test_the_due_alerts_are_raised_once_and_mailed_to_the_owner``);
a third run nothing."""

from datetime import UTC, datetime

import pytest

from pacer.core.models import OutboxEmail
from pacer.planning.models import VarianceAlert
from tests.core.loop_processes import SIGKILL, run_loop, subjects
from tests.planning.alerts_fixture import DUE_ON_MID_MARCH, raised

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
AT = datetime(2026, 3, 15, 12, tzinfo=UTC)
LOOP = "pacer.planning.alerts.check_all"
SEND = "pacer.core.outbox.send_due"


@pytest.mark.usefixtures("alert_lines")
def test_a_killed_check_raises_nothing_and_the_rerun_raises_each_alert_once(workspace, tmp_path):
    outbox = tmp_path / "child"
    status, output = run_loop(
        LOOP, AT, fault="planning.variance.raised:1", PACER_DATA_DIR=str(outbox)
    )
    assert status == SIGKILL, output
    assert (VarianceAlert.objects.count(), OutboxEmail.objects.count()) == (0, 0)
    assert run_loop(SEND, AT, PACER_DATA_DIR=str(outbox)) == (0, "0\n")
    assert run_loop(LOOP, AT, PACER_DATA_DIR=str(outbox)) == (0, "3\n")
    assert raised(workspace) == DUE_ON_MID_MARCH
    assert VarianceAlert.objects.count() == 3
    assert run_loop(LOOP, AT, PACER_DATA_DIR=str(outbox)) == (0, "0\n")
    assert run_loop(SEND, AT, PACER_DATA_DIR=str(outbox)) == (0, "1\n")
    assert subjects(outbox) == ["Budget alerts: 3 of your plan lines need a look"]
    assert run_loop(SEND, AT, PACER_DATA_DIR=str(outbox)) == (0, "0\n")
