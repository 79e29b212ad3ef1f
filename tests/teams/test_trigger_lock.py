# ruff: noqa: F811 (the fixtures imported from the trigger tests)
"""``triggers.run_trigger`` reads the new orders and times their asks before its
transaction (SQLite takes the write lock at BEGIN: stop 37's demo held it 4.1 s at load
13), and writes them in it: every query is noted with the number of open transactions
(``connection.execute_wrapper``); a test runs inside pytest-django's own transaction, so
the depth is compared with the test's. When the trigger changed between the read and
the lock, the asks are timed again under the lock."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from pacer.teams import triggers
from pacer.teams.models import SurveyAsk, SurveyTrigger
from tests.teams.test_triggers import T0, now, order, shop, survey_with_trigger  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


class Queries:
    """Each query as ``(depth, sql)``; ``before_lock``: run once, just before the query
    that reads the trigger's row in the transaction (locking it on PostgreSQL): another
    person's change landing meanwhile."""

    def __init__(self, before_lock=None):
        self.depth = len(connection.atomic_blocks)
        self.seen, self.before_lock = [], before_lock

    def __call__(self, execute, sql, params, many, context):
        inside = len(connection.atomic_blocks) > self.depth
        if self.before_lock and inside and 'FROM "teams_surveytrigger"' in sql:
            change, self.before_lock = self.before_lock, None
            change()
        self.seen.append((len(connection.atomic_blocks), sql))
        return execute(sql, params, many, context)

    def depths(self, *words) -> set[int]:
        return {depth for depth, sql in self.seen if all(word in sql for word in words)}


def test_the_orders_are_read_and_their_asks_timed_before_the_transaction(
    workspace, tracker, shop, now
):
    people, sender = shop
    survey = survey_with_trigger(
        workspace, sender, delay_days=1, send_from="09:00", send_until="18:00"
    )
    order(tracker, "u4", "tokyo", "n", T0)  # + 1 day = 21:00 in Tokyo
    order(tracker, "u0", "late", "n", T0 + timedelta(hours=7))
    depth, queries = len(connection.atomic_blocks), Queries()
    with connection.execute_wrapper(queries):
        assert triggers.run_trigger(survey.trigger.pk) == 2
    assert queries.depths('FROM "people_order"') == {depth}
    assert queries.depths('FROM "people_contact"') == {depth}  # the contacts' zones
    assert queries.depths('INTO "teams_surveyask"') == {depth + 2}  # in bulk_create's own
    assert queries.depths('UPDATE "teams_surveytrigger"') == {depth + 1}  # the cursor
    due = dict(SurveyAsk.objects.values_list("contact_id", "due_at"))
    assert due == {
        people["u4"].pk: datetime(2026, 4, 12, 0, 0, tzinfo=UTC),  # 09:00 in Tokyo
        people["u0"].pk: datetime(2026, 4, 12, 9, 0, tzinfo=UTC),
    }
    assert SurveyTrigger.objects.get().order_cursor == max(
        SurveyAsk.objects.values_list("order_id", flat=True)
    )


def test_asks_are_timed_again_under_the_lock_when_the_trigger_changed_meanwhile(
    workspace, tracker, shop, now
):
    people, sender = shop
    survey = survey_with_trigger(workspace, sender, delay_days=1)
    order(tracker, "u0", "a", "n", T0)

    def longer_delay():
        triggers.save_trigger(survey, sender_id=sender.pk, delay_days=3)

    depth, queries = len(connection.atomic_blocks), Queries(before_lock=longer_delay)
    with connection.execute_wrapper(queries):
        assert triggers.run_trigger(survey.trigger.pk) == 1
    assert queries.before_lock is None  # the change landed between the read and the lock
    assert queries.depths('FROM "people_order"') == {depth, depth + 1}  # read again
    asked = SurveyAsk.objects.get()
    assert (asked.contact_id, asked.due_at) == (people["u0"].pk, T0 + timedelta(days=3))
    assert SurveyTrigger.objects.get().delay_days == 3
