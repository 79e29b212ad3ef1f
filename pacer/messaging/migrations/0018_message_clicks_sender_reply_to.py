"""A sender's Reply-To address, and one ``Click`` row per tracked-link click (the
touchpoints the warehouse's ``message_clicks`` table copies). A data migration: the clicks
recorded before it are copied in, an email's from its click events (every click, at its
time) and a text's from its first click (``clicked_at``: the times of its later clicks
were never kept, so a text gives one row). Texts with no contact give none."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5000


def copy_clicks(apps, schema_editor):
    Click = apps.get_model("messaging", "Click")
    MessageEvent = apps.get_model("messaging", "MessageEvent")
    SmsMessage = apps.get_model("messaging", "SmsMessage")
    emails = (
        MessageEvent.objects.filter(kind="click")
        .order_by("pk")
        .values_list("workspace_id", "message__contact_id", "message__broadcast_id", "at")
    )
    rows = [
        Click(workspace_id=w, contact_id=c, channel="email", broadcast_id=b, at=at)
        for w, c, b, at in emails.iterator(chunk_size=BATCH)
    ]
    texts = (
        SmsMessage.objects.exclude(clicked_at=None)
        .exclude(contact_id=None)
        .exclude(broadcast_id=None)
        .order_by("pk")
        .values_list("workspace_id", "contact_id", "broadcast_id", "clicked_at")
    )
    rows += [
        Click(workspace_id=w, contact_id=c, channel="sms", sms_broadcast_id=b, at=at)
        for w, c, b, at in texts.iterator(chunk_size=BATCH)
    ]
    rows.sort(key=lambda row: row.at)
    Click.objects.bulk_create(rows, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_partner_role"),
        ("messaging", "0017_drop_plain_dkim_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="sender",
            name="reply_to",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.CreateModel(
            name="Click",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("contact_id", models.BigIntegerField()),
                ("channel", models.CharField(max_length=5)),
                ("at", models.DateTimeField()),
                (
                    "broadcast",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="messaging.broadcast",
                    ),
                ),
                (
                    "sms_broadcast",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="messaging.smsbroadcast",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="core.workspace"
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_clicks, migrations.RunPython.noop),
    ]
