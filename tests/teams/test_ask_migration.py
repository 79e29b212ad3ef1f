"""Teams migration 0005 repairs survey data made before asks followed merges and before
sends by hand were recorded: a merged-away contact's asks and answers move to the
contact it was merged into (one kept where both had one), and each person a survey's own
broadcast was queued for gets a sent ask without an order, asked when it was queued.
Run twice, it changes nothing more."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pacer.messaging import actions as messaging
from pacer.messaging.models import Broadcast, Message  # the sends the migration reads
from pacer.people.models import Contact  # merged contacts as the migration finds them
from pacer.teams.models import Survey, SurveyAsk, SurveyResponse

BEFORE = [("teams", "0004_survey_ask_by_hand")]
pytestmark = pytest.mark.migrations  # migrates the database itself
MAR = {day: datetime(2026, 3, day, 9, tzinfo=UTC) for day in range(1, 32)}  # MAR[d]: d March


def migrate_forward():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def asks_before():
    """``SurveyAsk`` as it was at ``BEFORE`` (the live model has columns added later)."""
    state = MigrationExecutor(connection).loader.project_state(BEFORE)
    return state.apps.get_model("teams", "SurveyAsk").objects


def ask(survey, contact, order_id, status, asked_at=None, **extra):
    return asks_before().create(
        workspace_id=survey.workspace_id,
        survey_id=survey.pk,
        contact_id=contact.pk,
        order_id=order_id,
        due_at=MAR[1],
        status=status,
        asked_at=asked_at,
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_migration_0005_moves_merged_asks_and_records_earlier_sends_by_hand(workspace):
    MigrationExecutor(connection).migrate(BEFORE)
    people = {
        name: Contact.objects.create(workspace=workspace, email=f"{name}@x.test")
        for name in ("ann", "bob", "cat", "dan", "eve", "fay")
    }
    ann, bob, cat, dan, eve, fay = people.values()
    Contact.objects.filter(pk=bob.pk).update(merged_into=ann)  # bob was merged into ann
    after_order = Survey.objects.create(workspace=workspace, name="A", kind="nps", question="?")
    ask(after_order, ann, 7, "waiting")
    ask(after_order, bob, 7, "sent", MAR[1])  # kept: sent before waiting
    ask(after_order, bob, 8, "skipped", reason="asked within 90 days")  # moves
    for contact, day, score in ((ann, 5, 9), (bob, 2, 3)):  # bob's earlier answer kept
        SurveyResponse.objects.create(
            workspace=workspace,
            survey=after_order,
            contact_id=contact.pk,
            score=score,
            answered_at=MAR[day],
        )
    sender = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test")
    template = messaging.save_template(workspace, name="S", subject="?", html="<p>?</p>")
    broadcast = messaging.create_broadcast(
        workspace,
        name="Survey: B",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"contacts": [c.pk for c in people.values()]},
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(queued_at=MAR[10])
    for contact, status in (
        (ann, "sent"),
        (bob, "sent"),
        (cat, "skipped"),
        (dan, "failed"),
        (eve, "queued"),
        (fay, "sent"),
    ):
        Message.objects.create(
            workspace=workspace,
            broadcast=broadcast,
            contact_id=contact.pk,
            email="x@x.test",
            status=status,
        )
    by_hand = Survey.objects.create(
        workspace=workspace, name="B", kind="csat", question="?", broadcast_id=broadcast.pk
    )
    asks_before().create(  # recorded already: not twice
        workspace_id=workspace.pk,
        survey_id=by_hand.pk,
        contact_id=fay.pk,
        due_at=MAR[11],
        status="sent",
        broadcast_id=broadcast.pk,
        asked_at=MAR[11],
    )
    Survey.objects.create(  # its broadcast is gone: nothing to record
        workspace=workspace, name="C", kind="nps", question="?", broadcast_id=broadcast.pk + 99
    )

    def state():
        asks = SurveyAsk.objects.order_by("survey_id", "contact_id", "order_id")
        answers = SurveyResponse.objects.order_by("contact_id")
        return (
            list(
                asks.values_list(
                    "survey__name", "contact_id", "order_id", "status", "asked_at", "broadcast_id"
                )
            ),
            list(answers.values_list("contact_id", "score", "answered_at")),
        )

    migrate_forward()
    expected = (
        [
            ("A", ann.pk, 7, "sent", MAR[1], None),
            ("A", ann.pk, 8, "skipped", None, None),
            ("B", ann.pk, None, "sent", MAR[10], broadcast.pk),  # ann's and bob's: one
            ("B", eve.pk, None, "sent", MAR[10], broadcast.pk),
            ("B", fay.pk, None, "sent", MAR[11], broadcast.pk),
        ],
        [(ann.pk, 3, MAR[2])],
    )
    assert state() == expected
    MigrationExecutor(connection).migrate(BEFORE)
    migrate_forward()
    assert state() == expected  # a second run changes nothing
