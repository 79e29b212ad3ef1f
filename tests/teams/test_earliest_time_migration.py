"""Teams migration 0007 gives the waiting asks recorded before 0006 their earliest time
(the order's time plus the trigger's delay, never later than the due time), so that a
change of their location's time zone moves them earlier as well as later. Asks without
an order, asks no longer waiting and asks whose order is gone keep none. Run twice, it
changes nothing more."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pacer.messaging import actions as messaging
from pacer.messaging.rules import save_settings
from pacer.people.actions import save_location
from pacer.people.models import Contact, Order  # the orders the migration reads
from pacer.teams import surveys, triggers
from pacer.teams.models import SurveyAsk

BEFORE = [("teams", "0006_survey_after_visit")]
pytestmark = pytest.mark.migrations  # migrates the database itself
PLACED = datetime(2026, 4, 10, 23, 59, tzinfo=UTC)  # + 1 day: 00:59 in London, 08:59 Tokyo
LONDON_DUE = datetime(2026, 4, 12, 8, 0, tzinfo=UTC)  # 09:00 BST, as recorded


def migrate_forward():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def asks_before():
    """``SurveyAsk`` as it was at ``BEFORE`` (the live model may have columns added later)."""
    state = MigrationExecutor(connection).loader.project_state(BEFORE)
    return state.apps.get_model("teams", "SurveyAsk").objects


@pytest.mark.django_db(transaction=True)
def test_migration_0007_times_earlier_waiting_asks_from_their_order(workspace):
    MigrationExecutor(connection).migrate(BEFORE)
    save_settings(workspace, time_zone="Europe/London", cap_count=0, cap_days=1)
    north = save_location(workspace, code="n", name="North")  # the workspace's zone
    survey = surveys.create_survey(workspace, name="After your order", kind="nps")
    sender_id = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test").pk
    triggers.save_trigger(survey, sender_id=sender_id, delay_days=1)
    by_hand = surveys.create_survey(workspace, name="By hand", kind="csat")
    people = [
        Contact.objects.create(workspace=workspace, email=f"p{n}@x.test", location=north)
        for n in range(4)
    ]
    orders = [
        Order.objects.create(
            workspace=workspace,
            external_id=f"o{n}",
            contact=person,
            location=north,
            placed_at=PLACED,
            total=10,
        )
        for n, person in enumerate(people)
    ]

    def ask(survey, person, order_id, status="waiting", due_at=LONDON_DUE):
        return asks_before().create(
            workspace_id=workspace.pk,
            survey_id=survey.pk,
            contact_id=person.pk,
            order_id=order_id,
            location_id=north.pk,
            due_at=due_at,
            status=status,
        )

    waiting = ask(survey, people[0], orders[0].pk)
    capped = ask(survey, people[1], orders[1].pk, due_at=PLACED + timedelta(hours=2))
    sent = ask(survey, people[2], orders[2].pk, status="sent")
    gone = ask(survey, people[3], orders[3].pk + 1000)  # its order is no longer on record
    without_order = ask(by_hand, people[0], None)

    def earliest():
        return dict(SurveyAsk.objects.values_list("pk", "earliest_at"))

    migrate_forward()
    expected = {
        waiting.pk: PLACED + timedelta(days=1),
        capped.pk: PLACED + timedelta(hours=2),  # a delay shortened since: not later
        sent.pk: None,
        gone.pk: None,
        without_order.pk: None,
    }
    assert earliest() == expected
    MigrationExecutor(connection).migrate(BEFORE)
    migrate_forward()
    assert earliest() == expected  # a second run changes nothing

    save_location(workspace, code="n", name="North", time_zone="Asia/Tokyo")
    due = dict(SurveyAsk.objects.values_list("pk", "due_at"))
    assert due[waiting.pk] == datetime(2026, 4, 12, 0, 0, tzinfo=UTC)  # earlier: 09:00 Tokyo
    assert due[gone.pk] == LONDON_DUE  # from its due time (17:00 in Tokyo): as it was
    assert due[sent.pk] == LONDON_DUE
