"""Staff notices (reminders, escalations) are emailed by the staff email outbox (ADR
0010), no longer by the leads' own sender: the notices still waiting for it are copied
to ``core.OutboxEmail`` (key ``leads.notice:<lead>:<notice key>``, as
``notices.outbox_key``) and marked claimed, so the leads' sender, which keeps the
auto-replies, the replies and the SMS, never takes them. Sent, claimed and in-app
notices stay as they were."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

CONTACT_EMAIL = Q(key="auto-reply") | Q(key__startswith="reply:")


def forwards(apps, schema_editor):
    notice_model = apps.get_model("leads", "Notice")
    outbox_model = apps.get_model("core", "OutboxEmail")
    now = timezone.now()
    waiting = notice_model.objects.filter(claimed_at__isnull=True, to_phone="").exclude(
        CONTACT_EMAIL
    )
    emails = [
        outbox_model(
            workspace_id=notice.workspace_id,
            key=f"leads.notice:{notice.lead_id}:{notice.key}",
            source="leads",
            to_email=notice.to_email,
            subject=" ".join(notice.subject.split())[:255],
            body=notice.body,
            status="queued",
            created_at=notice.created_at,
            due_at=now,
        )
        for notice in waiting.exclude(to_email="").iterator()
    ]
    outbox_model.objects.bulk_create(emails, batch_size=500, ignore_conflicts=True)
    waiting.update(claimed_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_outbox_email"),
        ("leads", "0014_predictive_rule_baseline"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
