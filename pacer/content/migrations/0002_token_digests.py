"""Feed and share-link tokens are kept only as their SHA-256 digests. Existing tokens are
hashed in place, so the addresses already handed out keep working."""

import hashlib

from django.db import migrations, models


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_tokens(apps, schema_editor):
    for name in ("CalendarFeed", "ShareLink"):
        model = apps.get_model("content", name)
        for row in model.objects.all().only("pk", "token").iterator():
            model.objects.filter(pk=row.pk).update(digest=_digest(row.token), prefix=row.token[:6])


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="digest",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="calendarfeed",
            name="prefix",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        migrations.AddField(
            model_name="sharelink",
            name="digest",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="sharelink",
            name="prefix",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        # one way: a digest cannot be turned back into its token (going back works only
        # while no feed or link exists)
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.RemoveField(model_name="sharelink", name="token"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="digest",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="sharelink",
            name="digest",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
