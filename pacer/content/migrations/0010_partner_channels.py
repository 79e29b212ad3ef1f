"""A partner uses assets on a set of channels (ADR 0011): its one ``channel`` becomes the
list ``channels`` (``[channel]``: nobody's portal changes), and a portal download records
the channel it is for ("" for the downloads made before)."""

from django.db import migrations, models


def one_channel_to_list(apps, schema_editor):
    Partner = apps.get_model("content", "Partner")
    for partner in Partner.objects.all().only("pk", "channel"):
        Partner.objects.filter(pk=partner.pk).update(channels=[partner.channel])


def list_to_one_channel(apps, schema_editor):
    Partner = apps.get_model("content", "Partner")
    for partner in Partner.objects.all().only("pk", "channels"):
        first = partner.channels[0] if partner.channels else ""
        Partner.objects.filter(pk=partner.pk).update(channel=first)


class Migration(migrations.Migration):
    dependencies = [("content", "0009_partner_key_active_share_link_partner")]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="channels",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(one_channel_to_list, list_to_one_channel),
        migrations.RemoveField(model_name="partner", name="channel"),
        migrations.AddField(
            model_name="partnerdownload",
            name="channel",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
    ]
