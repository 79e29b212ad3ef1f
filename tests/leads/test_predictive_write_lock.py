"""The predictive fit predicts every lead before its transaction (which on SQLite holds the
one write lock every sign-in waits on: 8,000 leads' predictions held it for seconds in
the 20,000-contact demo), and a lead that arrived meanwhile is still scored in it."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from pacer.analytics.lead_model import fit_lead_model
from pacer.demo.leads import load_leads
from pacer.leads import predictive
from pacer.leads.models import Lead
from pacer.people.actions import upsert_locations
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

CONFIG = SimConfig(
    seed=21, contacts=3500, months=4, locations=4, weak_locations=(2,), start="2026-01-05"
)


@pytest.fixture(scope="module")
def simulated(module_workspace):
    business = generate(CONFIG)
    upsert_locations(
        module_workspace,
        [
            {"code": c, "name": n}
            for c, n in zip(business.location_codes, business.location_names, strict=True)
        ],
    )
    end = datetime.fromtimestamp(business.start + CONFIG.weeks * 7 * 86_400, UTC)
    load_leads(module_workspace, business, now=end, fit_score=False)
    return end


@pytest.fixture
def workspace(module_workspace, db):
    return module_workspace


def test_the_fit_reads_no_lead_features_inside_its_transaction(workspace, simulated):
    outside = len(connection.atomic_blocks)  # the test's own transactions
    inside: list[str] = []

    def watch(execute, sql, params, many, context):
        feature_read = sql.startswith("SELECT") and '"leads_lead"."source"' in sql
        if feature_read and len(connection.atomic_blocks) > outside:
            inside.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run = predictive.fit_workspace(workspace, simulated)
    leads = Lead.objects.filter(workspace=workspace)
    assert run.scored == leads.count() > 1000
    assert set(leads.values_list("predicted_version", flat=True)) == {run.version}
    assert inside == []


def test_a_lead_not_predicted_beforehand_is_predicted_when_the_scores_are_written(
    workspace, simulated
):
    rows, converted = predictive.settled_leads(workspace, simulated)
    zones = predictive._zones(workspace, rows)
    model = fit_lead_model([predictive._features(row, zones) for row in rows], converted)
    predicted = predictive.predict_leads(workspace, model)
    late = max(predicted)  # as if it arrived between the predictions and the write
    expected = predicted.pop(late)
    assert predictive.score_leads(workspace, model, predicted) == len(predicted) + 1
    lead = Lead.objects.get(pk=late)
    assert (lead.predicted, lead.predicted_reasons) == (pytest.approx(expected[0]), expected[1])
    assert lead.predicted_version == model.version
    assert not Lead.objects.exclude(predicted_version=model.version).exists()
    assert predictive.score_leads(workspace, model, {}) == 0  # all scored: nothing again
