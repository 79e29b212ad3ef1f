"""A lead gets its predicted chance to convert when it is captured, from the latest fit's
stored model (``LeadModelRun.model``, read back without scikit-learn), on every capture
path; before any fit it stays "not scored yet"; scoring again writes nothing."""

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacer.analytics.lead_model import fit_lead_model
from pacer.core import feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions, predictive
from pacer.leads.models import Lead, LeadModelRun, LocationHours
from tests.leads.test_followup import lead_at

pytestmark = pytest.mark.django_db
ARRIVAL = datetime(2026, 3, 3, 14, 5, tzinfo=UTC)  # Tuesday 09:05 in New York (EST)


@pytest.fixture(scope="module")
def model():
    """A model of leads that convert more with a phone number and on Tuesday mornings."""
    rng = np.random.default_rng(7)
    rows, chance = [], []
    for _ in range(800):
        hour = rng.choice(["tue-09", "tue-15", "sat-22"])
        phone = int(rng.random() < 0.5)
        rows.append(
            {
                "source": rng.choice(["form", "csv"]),
                "channel": rng.choice(["direct", "paid_search"]),
                "location": "",
                "form": "",
                "weekday_hour": hour,
                "has_phone": phone,
                "has_postal_code": int(rng.random() < 0.3),
            }
        )
        chance.append(0.08 + 0.3 * phone + 0.25 * (hour == "tue-09"))
    return fit_lead_model(rows, (rng.random(800) < np.array(chance)).astype(int))


def store(workspace, model, stored=True) -> LeadModelRun:
    """A fit's run as ``predictive.fit_workspace`` writes it (its model as JSON)."""
    return LeadModelRun.objects.create(
        workspace=workspace,
        version=model.version,
        fitted_at=ARRIVAL,
        conversion_days=30,
        trained_on=model.trained_on,
        holdout=model.holdout,
        auc=model.auc,
        brier=model.brier,
        base_rate=model.base_rate,
        model=json.loads(json.dumps(model.to_dict())) if stored else {},
    )


@pytest.fixture
def new_york(workspace, north):
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="America/New_York"
    )
    return north


def expected(model, lead, weekday_hour, has_phone, has_postal_code):
    features = {
        "source": lead.source,
        "channel": lead.channel,
        "location": str(lead.location_id),
        "form": lead.form,
        "weekday_hour": weekday_hour,
        "has_phone": has_phone,
        "has_postal_code": has_postal_code,
    }
    (why,) = model.reasons([features], top=predictive.TOP_REASONS)
    reasons = [{"feature": r.feature, "value": r.value, "effect": round(r.effect, 4)} for r in why]
    return float(model.predict([features])[0]), reasons


def test_a_lead_captured_after_a_fit_has_its_score_and_reasons_at_once(
    workspace, new_york, clock_at, model
):
    store(workspace, model)
    lead = lead_at(workspace, ARRIVAL, clock_at, phone="+1 512 555 0142", postal_code="78701")
    chance, reasons = expected(model, lead, "tue-09", 1, 1)
    assert (lead.predicted, lead.predicted_version, lead.predicted_reasons) == (
        chance,
        model.version,
        reasons,
    )
    assert {r["feature"] for r in reasons} >= {"has_phone", "weekday_hour"}
    # Saturday night without a phone: the same model, a lower chance
    late = lead_at(workspace, datetime(2026, 3, 8, 3, 30, tzinfo=UTC), clock_at, 1)
    assert (late.predicted, late.predicted_reasons) == expected(model, late, "sat-22", 0, 0)
    assert late.predicted < lead.predicted


def test_a_lead_captured_before_any_fit_is_not_scored(workspace, new_york, clock_at, model):
    lead = lead_at(workspace, ARRIVAL, clock_at)
    assert (lead.predicted, lead.predicted_version, lead.predicted_reasons) == (None, "", [])
    store(workspace, model, stored=False)  # a run from before models were kept
    second = lead_at(workspace, ARRIVAL, clock_at, 1)
    assert (second.predicted, second.predicted_version) == (None, "")
    assert predictive.score_arrivals(workspace, [lead.pk, second.pk]) == 0


def test_scoring_a_lead_twice_writes_it_once(workspace, new_york, clock_at, model):
    lead = lead_at(workspace, ARRIVAL, clock_at)
    store(workspace, model)
    with CaptureQueriesContext(connection) as first:
        assert predictive.score_arrivals(workspace, [lead.pk]) == 1
    with CaptureQueriesContext(connection) as second:
        assert predictive.score_arrivals(workspace, [lead.pk]) == 0
    updates = [
        [q for q in run.captured_queries if q["sql"].startswith('UPDATE "leads_lead"')]
        for run in (first, second)
    ]
    assert (len(updates[0]), len(updates[1])) == (1, 0)
    lead.refresh_from_db()
    assert (lead.predicted, lead.predicted_reasons) == expected(model, lead, "tue-09", 0, 0)


def test_leads_from_a_csv_file_are_scored_as_they_arrive(workspace, new_york, clock_at, model):
    store(workspace, model)
    clock_at(ARRIVAL)
    rows = [
        {"email": "a@x.test", "phone": "+1 512 555 0100", "location": "north"},
        {"email": "b@x.test", "location": "north"},
    ]
    actions.capture_rows(workspace, rows, source="csv", received_at=ARRIVAL)
    process_pending(workspace)
    while feed.deliver_all():
        pass
    first, second = Lead.objects.filter(workspace=workspace).order_by("contact__email")
    assert first.source == "csv" and first.predicted_version == model.version
    assert (first.predicted, first.predicted_reasons) == expected(model, first, "tue-09", 1, 0)
    assert (second.predicted, second.predicted_reasons) == expected(model, second, "tue-09", 0, 0)
