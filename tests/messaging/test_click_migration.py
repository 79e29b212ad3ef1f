"""Migration 0018 copies the clicks recorded before it into ``Click`` rows: every click
event of an email (at its time, with its broadcast and contact) and each text's first
click (a text with no contact gives none); opens and unclicked texts give none."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pacer.messaging.models import Click

BEFORE = [("messaging", "0017_drop_plain_dkim_keys")]
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.migrations  # migrates the database itself
@pytest.mark.django_db(transaction=True)
def test_migration_0018_copies_past_email_and_text_clicks(workspace):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps

    def model(name):
        return old.get_model("messaging", name)

    template = model("Template").objects.create(
        workspace_id=workspace.pk, name="T", subject="Hi", html="<p>x</p>"
    )
    sender = model("Sender").objects.create(
        workspace_id=workspace.pk, name="A", from_email="a@acme.test"
    )
    broadcast = model("Broadcast").objects.create(
        workspace_id=workspace.pk, name="E", template=template, sender=sender
    )
    message = model("Message").objects.create(
        workspace_id=workspace.pk, broadcast=broadcast, contact_id=7, email="ada@x.test"
    )
    for kind, at in (("click", AT), ("open", AT), ("click", AT + timedelta(hours=1))):
        model("MessageEvent").objects.create(
            workspace_id=workspace.pk, message=message, kind=kind, at=at
        )
    texts = model("SmsBroadcast").objects.create(
        workspace_id=workspace.pk, name="S", text="x", created_at=AT
    )
    for key, contact_id, clicked_at in (("a", 7, AT), ("b", None, AT), ("c", 8, None)):
        model("SmsMessage").objects.create(
            workspace_id=workspace.pk,
            key=key,
            to_number="+15550100100",
            text="x",
            created_at=AT,
            broadcast=texts,
            contact_id=contact_id,
            clicked_at=clicked_at,
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = Click.objects.order_by("at", "channel").values_list(
        "workspace_id", "contact_id", "channel", "broadcast_id", "sms_broadcast_id", "at"
    )
    assert list(rows) == [
        (workspace.pk, 7, "email", broadcast.pk, None, AT),
        (workspace.pk, 7, "sms", None, texts.pk, AT),
        (workspace.pk, 7, "email", broadcast.pk, None, AT + timedelta(hours=1)),
    ]
