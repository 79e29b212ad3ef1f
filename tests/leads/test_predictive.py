"""The predictive lead score fitted per workspace from its own leads (captured through
the capture path from the simulator), stored per lead with the model's version, and
refitted by the worker's loop; the fit predicts every lead before its transaction (which on
SQLite holds the one write lock every sign-in waits on: 8,000 leads' predictions held it
for seconds in the 20,000-contact demo), and a lead that arrived meanwhile is still scored
in it.

The simulated leads take ~12 s of CPU to capture: every test here shares them (one
module, marked slow so that its tests run together and the module's data is made once).
"""

from argparse import Namespace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.db import connection
from django.test import Client
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from pacer.analytics.lead_model import LeadModelError, auc_standard_error, fit_lead_model
from pacer.core import clock
from pacer.demo.leads import load_leads
from pacer.leads import predictive, scoring
from pacer.leads.cli import show_model
from pacer.leads.models import Lead, LeadModelRun, ScoreRule
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

pytestmark = pytest.mark.slow

CONFIG = SimConfig(
    seed=21, contacts=3500, months=4, locations=4, weak_locations=(2,), start="2026-01-05"
)


@pytest.fixture(scope="module")
def simulated(module_workspace):
    """The simulated leads, captured once for the module's tests."""
    business = generate(CONFIG)
    locations = upsert_locations(
        module_workspace,
        [
            {"code": c, "name": n}
            for c, n in zip(business.location_codes, business.location_names, strict=True)
        ],
    )
    end = datetime.fromtimestamp(business.start + CONFIG.weeks * 7 * 86_400, UTC)
    load_leads(module_workspace, business, now=end, fit_score=False)
    return business, end, {loc.code: loc.pk for loc in locations}


@pytest.fixture
def workspace(module_workspace, db):
    return module_workspace


def test_fits_on_settled_leads_and_scores_every_lead(workspace, simulated):
    business, end, location_ids = simulated
    run = predictive.fit_workspace(workspace, end)
    leads = list(Lead.objects.filter(workspace=workspace))
    settled = [lead for lead in leads if lead.created_at < end - timedelta(days=30)]
    assert run.trained_on + run.holdout == len(settled) < len(leads)
    assert run.scored == len(leads) and {lead.predicted_version for lead in leads} == {run.version}
    assert all(0 <= lead.predicted <= 1 for lead in leads)
    assert 0.5 < run.auc <= 1 and 0 < run.brier < run.base_rate
    assert sum(b["leads"] for b in run.reliability) == run.holdout
    # the workspace's own history says its slow location converts less
    slow = location_ids["LOC02"]
    at_slow = np.mean([lead.predicted for lead in leads if lead.location_id == slow])
    elsewhere = np.mean([lead.predicted for lead in leads if lead.location_id != slow])
    assert at_slow < elsewhere / 2
    assert predictive.latest_run(workspace) == run


def test_too_little_history_is_refused_and_writes_nothing(workspace, simulated):
    _, end, _ = simulated
    early = datetime(2026, 1, 20, tzinfo=UTC) + timedelta(days=30)  # ~2 weeks settled
    with pytest.raises(LeadModelError, match="needs at least"):
        predictive.fit_workspace(workspace, early)
    assert not LeadModelRun.objects.exists()
    assert not Lead.objects.filter(predicted__isnull=False).exists()


def test_the_loop_refits_once_a_day(workspace, simulated, monkeypatch):
    _, end, _ = simulated
    monkeypatch.setattr(clock, "now", lambda: end)
    assert predictive.refit_due() == 1
    assert predictive.refit_due() == 0  # fitted an instant ago
    monkeypatch.setattr(clock, "now", lambda: end + timedelta(days=1, minutes=1))
    assert predictive.refit_due() == 1
    assert LeadModelRun.objects.filter(workspace=workspace).count() == 2


def test_each_lead_keeps_its_top_reasons_and_the_slow_location_lowers_its_score(
    workspace, simulated, admin
):
    business, end, location_ids = simulated
    predictive.fit_workspace(workspace, end)
    leads = list(Lead.objects.filter(workspace=workspace))
    for lead in leads:
        effects = [abs(r["effect"]) for r in lead.predicted_reasons]
        assert 1 <= len(effects) <= predictive.TOP_REASONS and effects == sorted(effects)[::-1]
    slow = location_ids["LOC02"]
    at_slow = [lead for lead in leads if lead.location_id == slow]
    location_reasons = [
        r for lead in at_slow for r in lead.predicted_reasons if r["feature"] == "location"
    ]
    assert len(location_reasons) == len(at_slow)  # among every slow lead's top reasons
    assert {(r["value"], r["effect"] < 0) for r in location_reasons} == {(str(slow), True)}
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    page = client.get(f"/leads/{at_slow[0].pk}/").content.decode()
    name = dict(zip(business.location_codes, business.location_names, strict=True))["LOC02"]
    assert f"<li>lowers it: Location: {name}</li>" in page
    inbox = client.get("/leads/?view=all&rows=5").content.decode()
    assert "Chance to convert" in inbox and "Why (top reasons)" in inbox


def test_the_rule_score_is_the_baseline_on_the_same_held_out_leads(
    workspace, simulated, admin, capsys
):
    _, end, _ = simulated
    run = predictive.fit_workspace(workspace, end)
    # the holdout found again: the same stratified split of the same settled leads
    rows, converted = predictive.settled_leads(workspace, end)
    _, held = train_test_split(
        np.arange(len(rows)), test_size=0.25, stratify=converted, random_state=0
    )
    outcome = np.asarray(converted)[held]
    assert len(held) == run.holdout
    predicted = dict(Lead.objects.values_list("id", "predicted"))
    assert roc_auc_score(outcome, [predicted[rows[p]["id"]] for p in held]) == pytest.approx(
        run.auc, abs=1e-9
    )
    # the workspace's own rule score (the demo's fit rules: phone 10, postal code 5, the
    # visit form 15, the quote form 10), as each lead had it at arrival; not a constant
    people = {c.pk: c for c in Contact.objects.filter(workspace=workspace)}
    form_points = {"book-visit": 15, "quote-request": 10}
    rule = [
        10 * bool(people[rows[p]["contact_id"]].phone)
        + 5 * bool((people[rows[p]["contact_id"]].traits or {}).get("postalCode"))
        + form_points.get(rows[p]["form"], 0)
        for p in held
    ]
    assert scoring.scores_at_arrival(workspace, [rows[p] for p in held]) == rule
    assert len(set(rule)) >= 3
    assert run.rule_auc == pytest.approx(roc_auc_score(outcome, rule), abs=1e-9)
    assert run.rule_auc != pytest.approx(0.5, abs=0.01)
    # the model ranks far better than chance (by 5 standard errors), and than the rules
    positives = int(outcome.sum())
    margin = 5 * auc_standard_error(run.auc, positives, len(outcome) - positives)
    assert run.auc > 0.5 + margin and run.auc > run.rule_auc
    assert len(run.lift["predictive"]) == len(run.lift["rule"]) == 10
    assert run.lift["predictive"][0] > 1.5 > run.lift["predictive"][-1]
    assert np.mean(run.lift["predictive"]) == pytest.approx(1, abs=0.05)  # tenths ±1 lead
    # shown on the funnel page and by ``pacer lead-model``
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    page = client.get("/leads/funnel/").content.decode()
    assert f"<dd>{run.auc:.3f}</dd>" in page and f"<dd>{run.rule_auc:.3f}</dd>" in page
    assert 'id="lead-model-lift"' in page
    assert show_model(Namespace(workspace=workspace.slug, format="table")) == 0
    assert (
        f"AUC: predictive {run.auc:.3f}, rule score {run.rule_auc:.3f}" in capsys.readouterr().out
    )


def test_without_score_rules_there_is_no_rule_baseline(workspace, simulated):
    _, end, _ = simulated
    ScoreRule.objects.filter(workspace=workspace).delete()
    run = predictive.fit_workspace(workspace, end)
    assert run.rule_auc is None and run.lift["rule"] is None
    assert len(run.lift["predictive"]) == 10


def test_the_fit_reads_no_lead_features_inside_its_transaction(workspace, simulated):
    _, end, _ = simulated
    outside = len(connection.atomic_blocks)  # the test's own transactions
    inside: list[str] = []

    def watch(execute, sql, params, many, context):
        feature_read = sql.startswith("SELECT") and '"leads_lead"."source"' in sql
        if feature_read and len(connection.atomic_blocks) > outside:
            inside.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run = predictive.fit_workspace(workspace, end)
    leads = Lead.objects.filter(workspace=workspace)
    assert run.scored == leads.count() > 1000
    assert set(leads.values_list("predicted_version", flat=True)) == {run.version}
    assert inside == []


def test_a_lead_not_predicted_beforehand_is_predicted_when_the_scores_are_written(
    workspace, simulated
):
    _, end, _ = simulated
    rows, converted = predictive.settled_leads(workspace, end)
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
