"""Two real concurrent edits of one person's agent rows (two threads, two connections):
one sets their time off through their North row (written to every row of theirs), the
other changes the same row's phone meanwhile. The per-person lock of ``save_agent``
(every row of the person, ``SELECT ... FOR UPDATE`` in id order) makes the second edit
read the row after the first commits, so both rows end with the same time off and the
phone is kept; without the lock the second edit writes back the row as it read it
before, undoing the time off on North only."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from pacer.core import faults
from pacer.leads import staff
from pacer.leads.models import Agent
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import agent, member

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
BACK = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


def test_two_concurrent_edits_of_one_person_leave_every_row_with_the_same_time_off(
    workspace, north, clock_at
):
    clock_at(NOW)
    (south,) = upsert_locations(workspace, [{"code": "south", "name": "South"}])
    ann = member(workspace, "ann")
    rows = {"north": agent(workspace, ann, north), "south": agent(workspace, ann, south)}
    second_may_start = threading.Barrier(2)
    failures: list[BaseException] = []

    def first_holds_its_transaction_open():
        if threading.current_thread().name == "time-off":
            second_may_start.wait(timeout=30)
            # the phone edit starts now and reads (or waits to read) the North row
            threading.Event().wait(1.0)

    def edit(data: dict, wait: bool) -> None:
        try:
            if wait:
                second_may_start.wait(timeout=30)
            staff.save_agent(workspace, data, agent_id=rows["north"].pk)
        except BaseException as error:  # noqa: BLE001 - shown by the assertion below
            failures.append(error)
        finally:
            connection.close()

    with faults.hooked("leads.agent.saved", first_holds_its_transaction_open):
        threads = [
            threading.Thread(target=edit, args=({"away_until": BACK}, False), name="time-off"),
            threading.Thread(target=edit, args=({"phone": "+44 20 7946 0000"}, True)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == []
    found = dict(Agent.objects.order_by("id").values_list("location_id", "away_until"))
    assert found == {north.pk: BACK, south.pk: BACK}
    assert Agent.objects.get(pk=rows["north"].pk).phone == "+44 20 7946 0000"
