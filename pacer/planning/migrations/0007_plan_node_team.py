"""A plan node's team becomes a link to a pacer.teams Team (its id) instead of free
text. Existing texts are mapped to the workspace's team of that key or name (case
ignored); a text no team matches becomes a new team of that name, so no node loses its
team."""

import re

from django.db import migrations, models

UNSAFE = re.compile(r"[^a-z0-9-]+")


def _key(text: str) -> str:
    return UNSAFE.sub("-", text.lower()).strip("-")[:40].rstrip("-")


def link_teams(apps, schema_editor):
    PlanNode = apps.get_model("planning", "PlanNode")
    Team = apps.get_model("teams", "Team")
    texts = PlanNode.objects.exclude(team="").values_list("workspace_id", "team")
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
            PlanNode.objects.filter(workspace_id=workspace_id, team=text).update(team_id=team.pk)


def unlink_teams(apps, schema_editor):
    PlanNode = apps.get_model("planning", "PlanNode")
    Team = apps.get_model("teams", "Team")
    keys = dict(Team.objects.values_list("pk", "key"))
    for node in PlanNode.objects.exclude(team_id=None):
        node.team = keys.get(node.team_id, "")
        node.save(update_fields=["team"])


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0006_variance_alerts"),
        ("teams", "0002_default_teams"),
    ]

    operations = [
        migrations.AddField(
            model_name="plannode",
            name="team_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(link_teams, unlink_teams),
        migrations.RemoveField(model_name="plannode", name="team"),
        migrations.AddIndex(
            model_name="plannode",
            index=models.Index(fields=["workspace", "team_id"], name="plan_node_team"),
        ),
    ]
