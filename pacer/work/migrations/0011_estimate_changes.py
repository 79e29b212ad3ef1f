"""Estimate history: each change of a card's estimate, with its time (``EstimateChange``).

Data: none recorded before this, so a card's points on the days before its first change
are its estimate now, as the sprint charts drew them until now."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_partner_role"),
        ("work", "0010_sprint_membership"),
    ]

    operations = [
        migrations.CreateModel(
            name="EstimateChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("before", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("after", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("at", models.DateTimeField()),
                (
                    "card",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="estimate_changes",
                        to="work.card",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="core.workspace"
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "indexes": [models.Index(fields=["card", "at"], name="work_estimate_changes")],
            },
        ),
    ]
