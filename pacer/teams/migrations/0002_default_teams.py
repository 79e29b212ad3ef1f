"""The default teams for workspaces made before this domain (new ones get them when
created: pacer.teams.signals)."""

from django.db import migrations

DEFAULTS = (
    ("brand", "Brand", "Positioning, awareness and the look and voice of every piece"),
    ("content", "Content", "The calendar, articles, video and social posts"),
    ("performance", "Performance", "Paid channels: spend, leads and acquisition cost"),
    ("cx", "CX", "Speed to lead, service quality, satisfaction and retention"),
    ("product", "Product", "Offers, pricing and what customers buy again"),
)


def create(apps, schema_editor):
    Workspace = apps.get_model("core", "Workspace")
    Team = apps.get_model("teams", "Team")
    for workspace in Workspace.objects.all():
        for key, name, purpose in DEFAULTS:
            Team.objects.get_or_create(
                workspace=workspace, key=key, defaults={"name": name, "purpose": purpose}
            )


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
