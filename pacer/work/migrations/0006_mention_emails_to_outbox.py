"""Mention emails move to the staff outbox (ADR 0010): the unsent ``MentionEmail`` rows
are copied into ``core.OutboxEmail`` (key ``work.mention:<notification id>``, due now),
then the model goes; the ``work-mention-emails`` loop is gone with it."""

from django.db import migrations
from django.utils import timezone

BATCH = 500


def copy_unsent(apps, schema_editor):
    MentionEmail = apps.get_model("work", "MentionEmail")
    OutboxEmail = apps.get_model("core", "OutboxEmail")
    now = timezone.now()
    unsent = MentionEmail.objects.filter(sent_at__isnull=True).order_by("pk")
    rows = [
        OutboxEmail(
            workspace_id=email.workspace_id,
            key=f"work.mention:{email.notification_id}",
            source="work.mention",
            to_email=email.to_email,
            subject=email.subject,
            body=email.body,
            created_at=email.created_at,
            due_at=now,
            status="queued",
        )
        for email in unsent.iterator(chunk_size=BATCH)
    ]
    OutboxEmail.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_outbox_email"),
        ("work", "0005_labels"),
    ]

    operations = [
        migrations.RunPython(copy_unsent, migrations.RunPython.noop),
        migrations.DeleteModel(name="MentionEmail"),
    ]
