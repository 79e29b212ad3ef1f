"""The predictive lead score on the simulator: its AUC against the simulator's true
probabilities on the same holdout, and its calibration, each within 4 standard errors
computed from the holdout (Hanley–McNeil for an AUC, binomial for a bin's share)."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from pacer.analytics.lead_model import (
    LeadModelError,
    auc_standard_error,
    fit_lead_model,
    reliability,
)
from pacer.simulate.business import DAY, generate
from pacer.simulate.config import SimConfig
from pacer.simulate.leads import expected_probability
from pacer.simulate.segment import lead_submissions

SIGMAS = 4
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def features(business, submission) -> dict:
    at = submission.at
    return {
        "source": "form",
        "channel": business.channel_keys[business.contact_channel[submission.contact]],
        "location": submission.data["location"],
        "form": submission.data["form"],
        "weekday_hour": f"{WEEKDAYS[(at // DAY + 3) % 7]}-{(at % DAY) // 3600:02d}",
        "has_phone": int("phone" in submission.data),
        "has_postal_code": int("postal_code" in submission.data),
    }


@pytest.fixture(scope="module")
def fitted():
    business = generate(SimConfig(seed=5, contacts=40_000))
    end = business.start + business.config.weeks * 7 * DAY
    settled = [s for s in lead_submissions(business) if s.at < end - 28 * DAY]
    rows = [features(business, s) for s in settled]
    converted = np.array([s.converted for s in settled], dtype=int)
    return business, settled, converted, fit_lead_model(rows, converted)


def test_the_score_ranks_leads_nearly_as_well_as_the_truth_known_at_arrival(fitted):
    business, settled, converted, model = fitted
    holdout = model.holdout_rows
    y = converted[holdout]
    contacts = np.array([s.contact for s in settled])[holdout]
    # The ceiling: the true probability, which also knows the response delay.
    ceiling = roc_auc_score(y, [settled[i].probability for i in holdout])
    # What can be known at arrival: the truth averaged over the location's habits.
    at_arrival = roc_auc_score(
        y,
        expected_probability(
            business.config,
            business.lead_at[contacts],
            business.contact_location[contacts],
            business.lead_form[contacts],
            business.lead_phone[contacts],
        ),
    )
    se = auc_standard_error(model.auc, int(y.sum()), int(y.size - y.sum()))
    assert at_arrival < ceiling
    assert at_arrival - SIGMAS * se < model.auc < ceiling
    assert model.auc > 0.75  # the features carry real signal (a coin is 0.5)


def test_the_score_is_calibrated_on_the_holdout(fitted):
    _, _, converted, model = fitted
    y, predicted = converted[model.holdout_rows], model.holdout_predictions
    assert sum(b.leads for b in model.reliability) == y.size == model.holdout
    for b in model.reliability:
        variance = max(b.predicted * (1 - b.predicted), 1 / b.leads) / b.leads
        assert abs(b.observed - b.predicted) < SIGMAS * np.sqrt(variance)
    assert abs(predicted.sum() - y.sum()) < SIGMAS * np.sqrt(np.sum(predicted * (1 - predicted)))
    assert model.brier == pytest.approx(np.mean((predicted - y) ** 2))


def test_a_lead_scores_by_what_it_brings(fitted):
    business, settled, _, model = fitted
    row = features(business, settled[0]) | {"location": "LOC01", "weekday_hour": "tue-11"}
    visit, contact_us = model.predict(
        [row | {"form": "book-visit", "has_phone": 1}, row | {"form": "contact-us", "has_phone": 0}]
    )
    slow_location = model.predict([row | {"location": "LOC04"}])[0]
    assert visit > contact_us and slow_location < model.predict([row])[0]


def test_refuses_too_little_or_malformed_data():
    rows = [{"channel": "a", "has_phone": 1}] * 300
    with pytest.raises(LeadModelError, match="converted: needs at least 20"):
        fit_lead_model(rows, np.zeros(300))
    with pytest.raises(LeadModelError, match="rows: needs at least 200"):
        fit_lead_model(rows[:10], np.ones(10))
    with pytest.raises(LeadModelError, match=r"rows\[0\].has_phone: must be 0 or 1"):
        fit_lead_model([{"has_phone": 3}] * 300, np.arange(300) % 2)
    with pytest.raises(LeadModelError, match="converted: must be 0 or 1"):
        fit_lead_model(rows, np.full(300, 2))


def test_reliability_bins_hold_every_prediction_once():
    predicted = np.linspace(0, 1, 101)
    bins = reliability(predicted, (predicted >= 0.5).astype(float), 4)
    assert sum(b.leads for b in bins) == 101
    assert [b.observed for b in bins] == [0.0, 0.0, 1.0, 1.0]


def test_reasons_decompose_the_logit_and_name_the_feature_that_drives_it():
    # conversion depends on the channel only (paid 0.5, organic 0.1); has_phone is noise
    rng = np.random.default_rng(7)
    rows = [
        {"channel": str(rng.choice(["paid", "organic"])), "has_phone": int(rng.random() < 0.5)}
        for _ in range(2000)
    ]
    chance = np.array([0.5 if r["channel"] == "paid" else 0.1 for r in rows])
    model = fit_lead_model(
        rows,
        (rng.random(2000) < chance).astype(int),
        categorical=("channel",),
        binary=("has_phone",),
    )
    probe = [{"channel": "paid", "has_phone": 0}, {"channel": "organic", "has_phone": 1}]
    paid, organic = model.reasons(probe)
    assert [(r.feature, r.value) for r in paid][0] == ("channel", "paid")
    assert paid[0].effect > 0 > organic[0].effect
    assert [(r.feature, r.value) for r in organic][0] == ("channel", "organic")
    # the logit gap paid - organic is log(0.5/0.5) - log(0.1/0.9) = log 9 in truth; the
    # channel effects' difference is the fitted gap: within 4 standard errors of a log
    # odds ratio on the training share (75%) of each arm
    arm = {c: 0.75 * sum(r["channel"] == c for r in rows) for c in ("paid", "organic")}
    se = np.sqrt(1 / (arm["paid"] * 0.5 * 0.5) + 1 / (arm["organic"] * 0.1 * 0.9))
    assert abs((paid[0].effect - organic[0].effect) - np.log(9)) < 4 * se
    # the effects of all features add up to the fitted log-odds minus the average lead's
    calibrated = model.estimator[-1].calibrated_classifiers_
    intercept = np.mean([c.estimator.intercept_[0] for c in calibrated])
    encoded = model.estimator[0].transform(np.array([["paid", 0]], dtype=object))
    logit = float(np.asarray(encoded, dtype=float)[0] @ model.coefficients + intercept)
    average = float(model.column_means @ model.coefficients + intercept)
    assert sum(r.effect for r in model.reasons(probe[:1], top=5)[0]) == pytest.approx(
        logit - average, abs=1e-9
    )
    assert model.reasons(probe, top=1)[1] == organic[:1] and model.reasons([]) == []
