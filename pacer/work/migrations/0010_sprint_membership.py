"""Sprint membership history: when each card joined and left each sprint (``SprintMembership``).

Data: nothing recorded when a card was planned before this, so each card in a sprint now
joined it at the start of its first day (UTC), as the charts drew it until now (in scope on
every day); each card a completed sprint carried on (``outcome``, now elsewhere) was in it
from its first day until it was completed."""

from datetime import UTC, datetime, time

import django.db.models.deletion
from django.db import migrations, models


def record_memberships(apps, schema_editor):
    Card = apps.get_model("work", "Card")
    Sprint = apps.get_model("work", "Sprint")
    SprintMembership = apps.get_model("work", "SprintMembership")

    def first_day(sprint):
        return datetime.combine(sprint.start, time.min, tzinfo=UTC)

    rows = []
    for sprint in Sprint.objects.order_by("pk").iterator():
        held = set(Card.objects.filter(sprint=sprint).values_list("pk", flat=True))
        for card_id in sorted(held):
            rows.append((sprint, card_id, first_day(sprint), None))
        for card_id, _points, what in sprint.outcome or []:
            if what == "carried" and card_id not in held:
                rows.append((sprint, card_id, first_day(sprint), sprint.completed_at))
    existing = set(Card.objects.values_list("pk", flat=True))
    SprintMembership.objects.bulk_create(
        [
            SprintMembership(
                workspace_id=sprint.workspace_id,
                sprint=sprint,
                card_id=card_id,
                joined_at=joined,
                left_at=left,
            )
            for sprint, card_id, joined, left in rows
            if card_id in existing
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_partner_role"),
        ("work", "0009_sprint_completion"),
    ]

    operations = [
        migrations.CreateModel(
            name="SprintMembership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("joined_at", models.DateTimeField()),
                ("left_at", models.DateTimeField(blank=True, null=True)),
                (
                    "card",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sprint_memberships",
                        to="work.card",
                    ),
                ),
                (
                    "sprint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="work.sprint",
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
                "ordering": ["joined_at", "id"],
                "indexes": [models.Index(fields=["sprint", "card"], name="work_sprint_members")],
            },
        ),
        migrations.RunPython(record_memberships, migrations.RunPython.noop),
    ]
