"""Reads of the event stream by contact use the one contact index on events."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacer.ingest.selectors import events_of, goal_event_times
from pacer.people.models import Contact
from pacer.people.resolution import move_contact_rows
from tests.ingest.test_tracking_api import IDENTIFY, ORDER, PAGE


def _plans(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if "ingest_event" in query["sql"]:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plans.append(" ".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


@pytest.mark.django_db
def test_contact_reads_and_merges_of_events_search_the_contact_index(tracker, workspace):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL plans by statistics; SQLite's plan is fixed by the schema")
    tracker.batch([PAGE, IDENTIFY, ORDER])
    ada = Contact.objects.get()
    other = Contact.objects.create(workspace=workspace)
    since = datetime(2026, 1, 1, tzinfo=UTC)

    assert [e.contact_id for e in events_of(workspace.pk, ada.pk)] == [ada.pk] * 3
    times = goal_event_times(workspace.pk, "Order Completed", [ada.pk], since)
    assert times == [(ada.pk, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))]
    plans = _plans(lambda: events_of(workspace.pk, ada.pk))
    several = [ada.pk, other.pk, other.pk + 1]  # an IN list, which SQLite costs higher
    plans += _plans(lambda: goal_event_times(workspace.pk, "Order Completed", several, since))
    plans += _plans(lambda: move_contact_rows(other, ada))
    assert len(plans) == 3
    assert all("INDEX event_contact_time (contact_id=?" in plan for plan in plans), plans
