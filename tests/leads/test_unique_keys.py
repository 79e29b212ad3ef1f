"""The leads settings' unique keys hold for "every location" (no location id) on both
databases: NULLs are distinct in a plain unique index and SQLite has no NULLS NOT
DISTINCT, so each key is on the location id with NULL read as 0."""

import pytest
from django.db import IntegrityError, transaction

from pacer.core import actions
from pacer.core.models import Role
from pacer.leads.models import Agent, EscalationStep, LocationHours, SlaPolicy

pytestmark = pytest.mark.django_db


def _refused(model, **fields) -> bool:
    try:
        with transaction.atomic():
            model.objects.create(**fields)
    except IntegrityError:
        return True
    return False


def test_one_agent_row_per_member_for_every_location_and_per_location(workspace):
    ann = actions.create_user(workspace, "ann", "correct-horse-1", Role.MARKETER)
    Agent.objects.create(workspace=workspace, user=ann, location_id=None)
    assert _refused(Agent, workspace=workspace, user=ann, location_id=None)
    Agent.objects.create(workspace=workspace, user=ann, location_id=7)
    assert _refused(Agent, workspace=workspace, user=ann, location_id=7)
    assert Agent.objects.filter(workspace=workspace, user=ann).count() == 2


def test_one_set_of_default_hours_and_one_sla_per_stage_for_every_location(workspace):
    LocationHours.objects.create(workspace=workspace, location_id=None)
    assert _refused(LocationHours, workspace=workspace, location_id=None)
    SlaPolicy.objects.create(workspace=workspace, stage="lead", location_id=None)
    assert _refused(SlaPolicy, workspace=workspace, stage="lead", location_id=None)
    SlaPolicy.objects.create(workspace=workspace, stage="mql", location_id=None)
    assert LocationHours.objects.filter(workspace=workspace).count() == 1
    assert SlaPolicy.objects.filter(workspace=workspace).count() == 2


def test_one_escalation_step_per_position_of_the_workspace_chain(workspace):
    step = {"delay_minutes": 0, "to": "managers"}
    EscalationStep.objects.create(workspace=workspace, location_id=None, position=1, **step)
    assert _refused(EscalationStep, workspace=workspace, location_id=None, position=1, **step)
    EscalationStep.objects.create(workspace=workspace, location_id=None, position=2, **step)
    EscalationStep.objects.create(workspace=workspace, location_id=3, position=1, **step)
    assert EscalationStep.objects.filter(workspace=workspace).count() == 3
