"""One score threshold per stage a lead moves from. A workspace with several for one
stage (possible only through the database: no page or API set them before) keeps the
lowest score's: the one a rescore applied (it moved the lead, so the others no longer
matched it)."""

from django.db import migrations, models


def keep_the_applied_one_per_stage(apps, schema_editor):
    ScoreThreshold = apps.get_model("leads", "ScoreThreshold")  # noqa: N806 (a historical model)
    repeated = (
        ScoreThreshold.objects.values("workspace_id", "from_stage")
        .annotate(count=models.Count("id"))
        .filter(count__gt=1)
    )
    for row in repeated:
        same = ScoreThreshold.objects.filter(
            workspace_id=row["workspace_id"], from_stage=row["from_stage"]
        )
        kept = same.order_by("score", "id").first()
        same.exclude(pk=kept.pk).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_partner_role"),
        ("leads", "0023_score_rule_arrival"),
    ]

    operations = [
        migrations.RunPython(keep_the_applied_one_per_stage, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="scorethreshold",
            constraint=models.UniqueConstraint(
                fields=("workspace", "from_stage"), name="lead_threshold_per_stage"
            ),
        ),
    ]
