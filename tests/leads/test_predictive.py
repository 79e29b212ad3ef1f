"""The predictive lead score fitted per workspace from its own leads (captured through
the capture path from the simulator), stored per lead with the model's version, and
refitted by the worker's loop."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.test import Client

from pacer.analytics.lead_model import LeadModelError
from pacer.core import clock
from pacer.demo.leads import load_leads
from pacer.leads import predictive
from pacer.leads.models import Lead, LeadModelRun
from pacer.people.actions import upsert_locations
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

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
    assert f"<li>lowers it: location {name}</li>" in page
    inbox = client.get("/leads/?view=all&rows=5").content.decode()
    assert "Chance to convert" in inbox and "Why (top reasons)" in inbox
