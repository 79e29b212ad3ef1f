"""Append order: rows of cursor-synced tables become visible in id order."""

import threading
import time

import pytest
from django.db import connection, transaction

from pacer.core.bulk import lock_appends
from pacer.ingest.models import Event


@pytest.mark.django_db(transaction=True)
def test_an_append_waits_for_the_open_one_to_commit():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer: appends are already in commit order")
    events: dict[str, float] = {}
    holding = threading.Event()

    def first() -> None:
        with transaction.atomic():
            lock_appends(Event)
            holding.set()
            time.sleep(0.5)
            events["first_commits"] = time.monotonic()
        connection.close()

    def second() -> None:
        holding.wait()
        with transaction.atomic():
            lock_appends(Event)
            events["second_locks"] = time.monotonic()
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert events["second_locks"] >= events["first_commits"]
