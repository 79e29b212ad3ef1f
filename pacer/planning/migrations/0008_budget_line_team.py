"""A budget line's team becomes a link to a pacer.teams Team (its id) instead of free
text, as the plan node's did in 0007. Existing texts are mapped to the workspace's team
of that key or name (case ignored); a text no team matches becomes a new team of that
name, so no line loses its team. The line's key counts no team as one value."""

import re

from django.db import migrations, models
from django.db.models.functions import Coalesce

UNSAFE = re.compile(r"[^a-z0-9-]+")


def _key(text: str) -> str:
    return UNSAFE.sub("-", text.lower()).strip("-")[:40].rstrip("-")


def link_teams(apps, schema_editor):
    BudgetLine = apps.get_model("planning", "BudgetLine")
    Team = apps.get_model("teams", "Team")
    texts = BudgetLine.objects.exclude(team="").values_list("workspace_id", "team")
    texts = texts.distinct().order_by("workspace_id", "team")
    for workspace_id, text in list(texts):
        wanted = text.strip().lower()
        team = next(
            (
                t
                for t in Team.objects.filter(workspace_id=workspace_id)
                if wanted in (t.key.lower(), t.name.strip().lower())
            ),
            None,
        )
        if team is None and (key := _key(text)):
            team, _ = Team.objects.get_or_create(
                workspace_id=workspace_id, key=key, defaults={"name": text.strip()[:100]}
            )
        if team is not None:
            lines = BudgetLine.objects.filter(workspace_id=workspace_id, team=text)
            lines.update(team_id=team.pk)


def unlink_teams(apps, schema_editor):
    BudgetLine = apps.get_model("planning", "BudgetLine")
    Team = apps.get_model("teams", "Team")
    keys = dict(Team.objects.values_list("pk", "key"))
    for line in BudgetLine.objects.exclude(team_id=None):
        line.team = keys.get(line.team_id, "")
        line.save(update_fields=["team"])


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0007_plan_node_team"),
        ("teams", "0002_default_teams"),
    ]

    operations = [
        migrations.AddField(
            model_name="budgetline",
            name="team_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(link_teams, unlink_teams),
        migrations.RemoveConstraint(model_name="budgetline", name="budget_line_key"),
        migrations.RemoveField(model_name="budgetline", name="team"),
        migrations.AddIndex(
            model_name="budgetline",
            index=models.Index(fields=["workspace", "team_id"], name="budget_line_team"),
        ),
        migrations.AddConstraint(
            model_name="budgetline",
            constraint=models.UniqueConstraint(
                models.F("workspace"),
                models.F("node"),
                models.F("month"),
                models.F("channel"),
                Coalesce("team_id", 0),
                models.F("location"),
                name="budget_line_key",
            ),
        ),
    ]
