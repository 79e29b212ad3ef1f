"""The per-form ceiling holds under real concurrency: ``SUBMITTERS`` visitors post the
hosted form at the same moment, each in its own thread and database connection, to a
form whose ceiling is ``CEILING`` (< ``SUBMITTERS``): exactly ``CEILING`` are taken and
make a lead, the others are refused (429, too many) and write nothing.

Every submission pauses between counting the window's hits and recording its own (the
fault point ``leads.form.counted``). With the form's row lock the others wait at the lock
and count after it commits; without it every submitter counts before anyone recorded,
and all of them pass. PostgreSQL only: SQLite runs one writer at a time, so the race
cannot arise there.
"""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from pacer.core import faults, feed
from pacer.ingest.processing import process_pending
from pacer.leads.forms import save_form
from pacer.leads.models import FormHit, Lead

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUBMITTERS, CEILING = 6, 2
PAUSE_SECONDS = 0.2


def test_concurrent_submissions_pass_the_form_ceiling_exactly_ceiling_times(workspace, clock_at):
    clock_at(NOW)
    save_form(
        workspace,
        {
            "key": "rush",
            "title": "Rush",
            "fields": {"email": "required"},
            "max_submissions": CEILING,
        },
        now=NOW,
    )
    assert Client().get("/f/acme/rush/").status_code == 200  # URLs loaded before the race
    all_ready = threading.Barrier(SUBMITTERS)
    statuses: dict[int, int] = {}
    failures: list[BaseException] = []

    def submit(n: int) -> None:
        try:
            all_ready.wait(timeout=30)
            response = Client(REMOTE_ADDR=f"10.0.1.{n}").post(
                "/f/acme/rush/", {"email": f"rush{n}@x.test"}
            )
            statuses[n] = response.status_code
        except BaseException as error:  # noqa: BLE001 - shown by the assertion below
            failures.append(error)
        finally:
            connection.close()

    with faults.hooked("leads.form.counted", lambda: time.sleep(PAUSE_SECONDS)):
        threads = [threading.Thread(target=submit, args=(n,)) for n in range(SUBMITTERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert failures == []
    assert sorted(statuses.values()) == [200] * CEILING + [429] * (SUBMITTERS - CEILING)
    process_pending(workspace)  # anything a submitter's own processing left behind
    while feed.deliver_all():  # the leads are made from the change feed
        pass
    taken = sorted(n for n, status in statuses.items() if status == 200)
    assert FormHit.objects.count() == CEILING
    assert Lead.objects.count() == CEILING
    assert sorted(Lead.objects.values_list("contact__email", flat=True)) == sorted(
        f"rush{n}@x.test" for n in taken
    )
