"""Work migration 0006 copies the unsent @mention emails into the staff outbox (ADR 0010):
each unsent ``MentionEmail`` becomes one queued ``OutboxEmail`` keyed by its notification,
due at the migration; sent ones are not copied; an outbox row already holding a key is
left as it was (no duplicate)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from pacer.core.models import OutboxEmail

BEFORE = [("work", "0005_labels")]
pytestmark = pytest.mark.migrations  # migrates the database itself
MADE = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_migration_0006_moves_unsent_mention_emails_into_the_outbox(workspace, admin):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    board = old.get_model("work", "Board").objects.create(
        workspace_id=workspace.pk, team="brand", slug="b", name="B"
    )
    column = old.get_model("work", "Column").objects.create(
        board=board, name="To do", position=0, stage="todo"
    )
    card = old.get_model("work", "Card").objects.create(
        workspace_id=workspace.pk, board=board, column=column, title="C", created_at=MADE
    )
    Comment, Notification = old.get_model("work", "Comment"), old.get_model("work", "Notification")
    MentionEmail = old.get_model("work", "MentionEmail")
    emails = []
    for n, sent in enumerate((None, MADE, None)):
        comment = Comment.objects.create(
            card=card, author_id=admin.pk, body=f"@ada {n}", created_at=MADE
        )
        note = Notification.objects.create(
            workspace_id=workspace.pk, user_id=admin.pk, card=card, comment=comment, created_at=MADE
        )
        emails.append(
            MentionEmail.objects.create(
                workspace_id=workspace.pk,
                notification=note,
                to_email=f"ada{n}@acme.test",
                subject=f"You were mentioned {n}",
                body=f"body {n}",
                created_at=MADE,
                sent_at=sent,
            )
        )
    held = OutboxEmail.objects.create(  # the third's key is already in the outbox
        workspace=workspace,
        key=f"work.mention:{emails[2].notification_id}",
        source="work.mention",
        to_email="earlier@acme.test",
        subject="earlier",
        body="earlier",
        status="sent",
        created_at=MADE,
        due_at=MADE,
        sent_at=MADE,
    )
    before = timezone.now()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    after = timezone.now()
    rows = list(
        OutboxEmail.objects.order_by("pk").values(
            "workspace_id",
            "key",
            "source",
            "to_email",
            "subject",
            "body",
            "status",
            "created_at",
            "attempts",
            "sent_at",
        )
    )
    assert rows == [
        {
            "workspace_id": workspace.pk,
            "key": f"work.mention:{emails[2].notification_id}",
            "source": "work.mention",
            "to_email": "earlier@acme.test",
            "subject": "earlier",
            "body": "earlier",
            "status": "sent",
            "created_at": MADE,
            "attempts": 0,
            "sent_at": MADE,
        },
        {
            "workspace_id": workspace.pk,
            "key": f"work.mention:{emails[0].notification_id}",
            "source": "work.mention",
            "to_email": "ada0@acme.test",
            "subject": "You were mentioned 0",
            "body": "body 0",
            "status": "queued",
            "created_at": MADE,
            "attempts": 0,
            "sent_at": None,
        },
    ]  # the sent one (ada1) not copied; ada2's key was held
    copied = OutboxEmail.objects.get(key=f"work.mention:{emails[0].notification_id}")
    assert before <= copied.due_at <= after
    assert OutboxEmail.objects.get(pk=held.pk).due_at == MADE
