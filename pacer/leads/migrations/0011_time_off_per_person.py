"""Time off is the person's, not one agent row's: each member's agent rows (one per
location they serve) take the latest ``away_until`` any of them had."""

from django.db import migrations
from django.db.models import Max


def one_time_off_per_person(apps, schema_editor):
    Agent = apps.get_model("leads", "Agent")  # noqa: N806 (a historical model)
    latest = (
        Agent.objects.filter(away_until__isnull=False)
        .values("workspace_id", "user_id")
        .annotate(until=Max("away_until"))
    )
    for row in latest:
        Agent.objects.filter(workspace_id=row["workspace_id"], user_id=row["user_id"]).update(
            away_until=row["until"]
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_unique_keys_on_sqlite")]

    operations = [migrations.RunPython(one_time_off_per_person, migrations.RunPython.noop)]
