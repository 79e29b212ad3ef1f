"""Only a running experiment assigns units: draft and stopped ones refuse, through the
action and the REST API, and log no exposure."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.experiments import actions
from pacer.experiments.models import Exposure

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, tzinfo=UTC)
VARIANTS = [{"key": "a", "weight": 1}, {"key": "b", "weight": 1}]


def draft(workspace, key="hero"):
    return actions.create_experiment(
        workspace, key=key, name="Hero", variants=VARIANTS, metric="revenue"
    )


def test_draft_experiment_refuses_assignment(workspace):
    experiment = draft(workspace)
    with pytest.raises(ValidationFailed) as error:
        actions.assign_unit(experiment, "u-1", now=START)
    assert error.value.errors == {"experiment": "'hero' is draft, not running"}
    assert not Exposure.objects.exists()


def test_stopped_experiment_refuses_assignment_of_new_and_known_units(workspace):
    experiment = actions.set_status(draft(workspace), "running", now=START)
    variant, new = actions.assign_unit(experiment, "u-1", now=START + timedelta(hours=1))
    assert new and variant in ("a", "b")
    stopped = actions.set_status(experiment, "stopped", now=START + timedelta(days=1))

    for unit in ("u-1", "u-2"):
        with pytest.raises(ValidationFailed) as error:
            actions.assign_unit(stopped, unit, now=START + timedelta(days=2))
        assert error.value.errors == {"experiment": "'hero' is stopped, not running"}
    assert list(Exposure.objects.values_list("unit_id", "variant")) == [("u-1", variant)]


def test_rest_api_refuses_assignment_unless_running(client, workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "cli", user=admin)

    def assign(unit):
        return client.post(
            "/api/experiments/hero/assign",
            {"unit_id": unit},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    experiment = draft(workspace)
    refused = assign("u-1")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "experiment: 'hero' is draft, not running"
    experiment = actions.set_status(experiment, "running", now=START)
    assert assign("u-1").status_code == 200
    actions.set_status(experiment, "stopped", now=START + timedelta(days=1))
    refused = assign("u-2")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "experiment: 'hero' is stopped, not running"
    assert list(Exposure.objects.values_list("unit_id", flat=True)) == ["u-1"]
