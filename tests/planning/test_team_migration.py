"""Migration 0007 turns a plan node's team text into a link to a pacer.teams team: by
key or name (case ignored), a new team where none matches, none for an empty text."""

import pytest
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor

from pacer.planning.models import BudgetLine, PlanNode
from pacer.teams.models import Team

BEFORE = [("planning", "0006_variance_alerts")]
pytestmark = pytest.mark.migrations  # migrates the database itself


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


@pytest.mark.django_db(transaction=True)
def test_migration_0008_maps_budget_line_team_texts_to_teams(workspace):
    before = [("planning", "0007_plan_node_team")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    node = old.get_model("planning", "PlanNode").objects.create(
        workspace_id=workspace.pk, kind="plan", name="FY", fiscal_year=2026
    )
    OldLine = old.get_model("planning", "BudgetLine")
    texts = {"tv": "performance", "email": "", "display": "field_ops", "seo": "cx"}
    for channel, team in texts.items():
        OldLine.objects.create(
            workspace_id=workspace.pk, node_id=node.pk, month="2026-01-01", channel=channel,
            team=team, currency="USD", amount=1, fx_rate=1, amount_base=1,
        )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    keys = dict(Team.objects.filter(workspace=workspace).values_list("pk", "key"))
    linked = {
        line.channel: keys.get(line.team_id)
        for line in BudgetLine.objects.filter(workspace=workspace)
    }
    assert linked == {"tv": "performance", "email": None, "display": "field-ops", "seo": "cx"}
    assert Team.objects.get(workspace=workspace, key="field-ops").name == "field_ops"
    assert Team.objects.filter(workspace=workspace).count() == 6
    # no team is one value of the key: a second line without a team is refused
    with pytest.raises(IntegrityError):
        BudgetLine.objects.create(
            workspace=workspace, node_id=node.pk, month="2026-01-01", channel="email",
            currency="USD", amount=1, fx_rate=1, amount_base=1,
        )  # fmt: skip
