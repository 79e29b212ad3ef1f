"""The hourly full rebuild killed mid-way: a real process running
``pacer.segments.actions.rebuild_all`` dies by SIGKILL with a segment's new members and
history written but not its evaluation time (before COMMIT), the 1st and the 2nd time.
Each segment is rebuilt whole or not at all: its history is either what an undisturbed
rebuild gives or what it was, its evaluation time moved exactly when it was rebuilt, and
a rerun ends as the undisturbed rebuild, each entry and exit once."""

import pytest

from pacer.segments.models import Segment
from tests import forked
from tests.core.feed_processes import SIGKILL
from tests.ingest.live import environment
from tests.segments.test_crash_feed import (
    PEOPLE,
    assert_members_follow_the_history,
    audience,
    history,
    one_by_one,
    round_of,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
REBUILD = (
    "import django; django.setup(); "
    "from pacer.segments.actions import rebuild_all; print(rebuild_all())"
)


def run_rebuild(fault: str = "") -> tuple[int, str]:
    env = environment(PACER_FAULT=fault)
    done = forked.run(["-c", REBUILD], env=env, timeout=180)
    return done.returncode, done.stdout + done.stderr


def of_segment(changes: dict, name: str) -> dict:
    return {key: value for key, value in changes.items() if key[0] == name}


def evaluated(workspace) -> dict:
    return dict(Segment.objects.filter(workspace=workspace).values_list("name", "evaluated_at"))


def undisturbed(number: int) -> dict:
    """The history an undisturbed rebuild gives after round ``number``."""
    leads = {("Leads", f"p{n}@x.test"): ["entered"] for n in range(PEOPLE)}
    if number == 1:
        return leads
    buyers = [f"p{n}@x.test" for n in range(0, PEOPLE, 2)]
    return {
        **leads,
        **{("Leads", email): ["entered", "exited"] for email in buyers},
        **{("Buyers", email): ["entered"] for email in buyers},
    }


def test_rebuild_killed_mid_way_rebuilds_each_segment_whole_or_not_at_all():
    workspace = audience("site")
    before = {}
    for number in (1, 2):  # the feed is not delivered: only the rebuild sees the changes
        one_by_one(workspace, round_of(number))
        expected = undisturbed(number)
        for fault in ("segments.rebuild.applied:1", "segments.rebuild.applied:2"):
            times = evaluated(workspace)
            status, output = run_rebuild(fault)
            assert status == SIGKILL, f"round {number}: {fault} not reached: {output[-2000:]}"
            assert_members_follow_the_history(workspace)
            now, moved = history(workspace), evaluated(workspace)
            for name in ("Leads", "Buyers"):
                rebuilt = of_segment(now, name) == of_segment(expected, name)
                if of_segment(expected, name) != of_segment(before, name):
                    assert rebuilt or of_segment(now, name) == of_segment(before, name), fault
                    assert rebuilt == (moved[name] != times[name]), (number, fault, name)
        status, output = run_rebuild()
        assert status == 0, output[-2000:]
        assert history(workspace) == expected
        assert_members_follow_the_history(workspace)
        before = expected
