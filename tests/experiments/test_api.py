"""Experiments through the REST API: manage, assign, results; bounded input, no NaN."""

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import Role
from pacer.experiments import actions
from pacer.experiments.models import Experiment, Exposure
from tests.api_client import ApiClient, strict_json
from tests.experiments.test_experiments import make, signed_up, viewed

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


def refused(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "; ".join(f"{f}: {r}" for f, r in body["errors"].items())
    return body["errors"]


TWO = [{"key": "a"}, {"key": "b"}]


def test_experiments_are_created_started_assigned_and_reported(api, workspace):
    assert refused(api.post("experiments/", {"key": "x", "name": "X", "variants": TWO[:1]})) == {
        "variants": "List should have at least 2 items after validation, not 1"
    }
    created = api.post("experiments/", {"key": "hero", "name": "Hero", "variants": TWO})
    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert created.json()["variants"] == [{"key": "a", "weight": 1.0}, {"key": "b", "weight": 1.0}]
    assert refused(api.post("experiments/hero/assign", {"unit_id": "u1"})) == {
        "experiment": "'hero' is draft, not running"
    }
    assert api.post("experiments/hero/start").json()["status"] == "running"
    assert refused(api.post("experiments/hero/start")) == {
        "status": "a running experiment cannot become running"
    }
    first = api.post("experiments/hero/assign", {"unit_id": "u1"}).json()
    again = api.post("experiments/hero/assign", {"unit_id": "u1"}).json()
    assert first["first_exposure"] is True and again == {**first, "first_exposure": False}
    results = strict_json(api.get("experiments/hero/results"))
    assert results["counts"][first["variant"]] == 1
    assert results["problem"] == "every variant needs 2 exposed units"
    assert (results["variations"], results["cuped"]) == ([], [])
    missing = api.get("experiments/nope/results")
    assert missing.status_code == 404
    assert missing.json()["errors"] == {"key": "no experiment 'nope' in this workspace"}

    staff = core_actions.create_user(workspace, "sam", "correct-horse-2", Role.STAFF)
    forbidden = ApiClient(workspace, staff).post("experiments/hero/stop")
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"] == {
        "role": "your role does not allow this (experiments.manage)"
    }
    assert Experiment.objects.get(key="hero").status == "running"


def test_names_and_units_longer_than_their_columns_are_refused(api, workspace):
    """PostgreSQL would raise on these (SQLite would store them whole)."""
    long = {"key": "k" * 101, "name": "n" * 201, "variants": [{"key": "v" * 61}, {"key": "b"}]}
    assert refused(api.post("experiments/", long)) == {
        "key": "String should have at most 100 characters",
        "name": "String should have at most 200 characters",
        "variants[0].key": "String should have at most 60 characters",
    }
    with pytest.raises(ValidationFailed) as refusal:
        actions.create_experiment(
            workspace,
            key="ok",
            name="n" * 201,
            variants=[{"key": "a", "weight": 1}] * 2,
            metric="conversion",
        )
    assert refusal.value.errors["name"] == "must be at most 200 characters"
    assert not Experiment.objects.exists()
    make(workspace, key="hero")
    assert refused(api.post("experiments/hero/assign", {"unit_id": "u" * 201})) == {
        "unit_id": "String should have at most 200 characters"
    }
    assert refused(api.post("experiments/hero/assign", {"unit_id": "u\x00"})) == {
        "unit_id": "must not contain NUL characters"
    }
    assert refused(api.post("experiments/hero/assign", {"unit_id": "   "})) == {
        "unit_id": "must be 1-200 characters"
    }
    assert not Exposure.objects.exists()


def test_weights_must_be_finite_and_positive(api):
    raw = b'{"key": "w", "name": "W", "variants": [{"key": "a", "weight": NaN}, {"key": "b"}]}'
    assert refused(api.post("experiments/", raw=raw)) == {
        "variants[0].weight": "Input should be a finite number"
    }
    zero = {"key": "w", "name": "W", "variants": [{"key": "a", "weight": 0}, {"key": "b"}]}
    assert refused(api.post("experiments/", zero)) == {
        "variants[0].weight": "Input should be greater than 0"
    }
    assert not Experiment.objects.exists()


def test_results_answer_null_for_a_relative_effect_on_a_zero_control(api, workspace, tracker):
    make(workspace)  # "checkout": control and treatment, goal "Signed Up"
    tracker.batch(
        [viewed(u, "control", 0) for u in ("c1", "c2", "c3")]
        + [viewed(u, "treatment", 0) for u in ("t1", "t2", "t3")]
        + [signed_up("t1", 1), signed_up("t2", 2)]
    )
    response = api.get("experiments/checkout/results")
    assert response.status_code == 200
    body = strict_json(response)
    assert body["means"] == {"control": 0.0, "treatment": pytest.approx(2 / 3)}
    (variation,) = body["variations"]
    assert variation["absolute"] == pytest.approx(2 / 3)
    assert (variation["relative"], variation["relative_ci"]) == (None, [None, None])
