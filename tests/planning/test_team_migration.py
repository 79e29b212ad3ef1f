"""Migration 0007 turns a plan node's team text into a link to a pacer.teams team: by
key or name (case ignored), a new team where none matches, none for an empty text."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pacer.planning.models import PlanNode
from pacer.teams.models import Team

BEFORE = [("planning", "0006_variance_alerts")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_team_texts_to_teams_by_key_or_name(workspace):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldNode = old.get_model("planning", "PlanNode")
    texts = {"a": "Performance", "b": "brand", "c": "Field Ops", "d": "", "e": "field ops"}
    for name, team in texts.items():
        OldNode.objects.create(
            workspace_id=workspace.pk, kind="plan", name=name, fiscal_year=2026, team=team
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    keys = dict(Team.objects.filter(workspace=workspace).values_list("pk", "key"))
    linked = {n.name: keys.get(n.team_id) for n in PlanNode.objects.filter(workspace=workspace)}
    assert linked == {
        "a": "performance",
        "b": "brand",
        "c": "field-ops",
        "d": None,
        "e": "field-ops",
    }
    made = Team.objects.get(workspace=workspace, key="field-ops")
    assert made.name.lower() == "field ops"  # from whichever text came first
    assert Team.objects.filter(workspace=workspace).count() == 6
