"""The simulator's A/B test through ingestion into the experiment report: exact counts
against the simulator's record and the estimate against its chosen lift."""

import pytest
from django.utils import timezone

from pacer.demo.loader import load_business
from pacer.experiments.models import Experiment
from pacer.experiments.selectors import report
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_simulated_experiment_matches_the_ground_truth(workspace):
    business = generate(SimConfig(seed=3, contacts=3000, months=12, locations=2))
    load_business(workspace, business)
    truth = business.truth["experiment"]
    experiment = Experiment.objects.get(workspace=workspace, key=truth["key"])
    assert experiment.status == "running" and experiment.goal_event == truth["goal_event"]

    result = report(experiment, now=timezone.now())
    assert result.counts == truth["exposed"]
    assert result.means == {
        name: truth["converted"][name] / truth["exposed"][name] for name in truth["variants"]
    }
    assert result.sample_ratio_mismatch is False
    comparison = result.result.variations[0].comparison
    standard_error = (comparison.absolute_ci[1] - comparison.absolute_ci[0]) / (2 * 1.959964)
    assert abs(comparison.absolute - truth["absolute_lift"]) < 4 * standard_error

    load_business(workspace, business)  # loading again adds nothing
    assert Experiment.objects.filter(workspace=workspace).count() == 1
    assert report(experiment, now=timezone.now()).counts == truth["exposed"]
