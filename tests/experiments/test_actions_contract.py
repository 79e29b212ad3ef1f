"""What experiments' actions promise beyond assignment's access rule (test_access.py):
the audit of a status change, the bounds of a unit id, and the salt's part in the
variant. Written to kill the mutants that survived ``make mutation`` of
pacer/experiments/actions.py (docs/testing.md)."""

from datetime import UTC, datetime

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.experiments import actions
from pacer.experiments.models import Exposure

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, tzinfo=UTC)
VARIANTS = [{"key": "a", "weight": 1}, {"key": "b", "weight": 1}]


def running(workspace, key="hero"):
    experiment = actions.create_experiment(
        workspace, key=key, name="Hero", variants=VARIANTS, metric="revenue"
    )
    return actions.set_status(experiment, "running", now=START)


def test_starting_and_stopping_are_audited_with_the_status_before_and_after(workspace, admin):
    experiment = actions.create_experiment(
        workspace, key="hero", name="Hero", variants=VARIANTS, metric="revenue"
    )
    actions.set_status(experiment, "running", now=START, actor=admin)
    actions.set_status(experiment, "stopped", now=START, actor=admin)

    entries = AuditEntry.objects.filter(action__startswith="experiment.s").order_by("id")
    assert [(e.action, e.actor, e.before, e.after) for e in entries] == [
        ("experiment.start", admin, {"status": "draft"}, {"status": "running"}),
        ("experiment.stop", admin, {"status": "running"}, {"status": "stopped"}),
    ]


def test_a_unit_id_has_1_to_200_characters_once_trimmed(workspace):
    experiment = running(workspace)
    variant, new = actions.assign_unit(experiment, " " + "u" * 200 + " ", now=START)
    assert new and variant in ("a", "b")

    for unit_id in ("u" * 201, "   ", ""):
        with pytest.raises(ValidationFailed) as error:
            actions.assign_unit(experiment, unit_id, now=START)
        assert error.value.errors == {"unit_id": "must be 1-200 characters"}
    assert list(Exposure.objects.values_list("unit_id", flat=True)) == ["u" * 200]


def test_the_same_experiment_key_in_two_workspaces_splits_units_differently(workspace):
    # each experiment draws its own salt: a unit's variant is not the same everywhere
    # an experiment of that key runs (with one salt for all, 100 units would agree;
    # with two random salts they all agree with probability 2**-100)
    other = core_actions.create_workspace("Other", slug="other")
    here, there = running(workspace), running(other)
    units = [f"u-{i}" for i in range(100)]
    mine = [actions.assign_unit(here, u, now=START)[0] for u in units]
    theirs = [actions.assign_unit(there, u, now=START)[0] for u in units]
    assert mine != theirs
    assert [actions.assign_unit(here, u, now=START)[0] for u in units] == mine  # stable
