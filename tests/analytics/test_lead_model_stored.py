"""The predictive lead model kept as data (``LeadModel.to_dict``, JSON): read back, it
predicts exactly what the fitted scikit-learn estimator predicts, and gives the same
reasons, without the estimator."""

import json

import numpy as np
import pytest

from pacer.analytics.lead_model import STORED_FORMAT, LeadModel, LeadModelError, fit_lead_model

CATEGORICAL = ("channel", "location", "weekday_hour")
BINARY = ("has_phone",)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    rows, p = [], []
    for _ in range(1200):
        channel = rng.choice(
            ["paid", "organic", "email", "rare1", "rare2"], p=[0.4, 0.4, 0.194, 0.003, 0.003]
        )
        location = rng.choice(["1", "2", "3", ""])
        hour = f"mon-{rng.integers(8, 20):02d}"
        phone = int(rng.random() < 0.5)
        rows.append(
            {"channel": channel, "location": location, "weekday_hour": hour, "has_phone": phone}
        )
        p.append(0.1 + 0.3 * (channel == "paid") + 0.2 * phone + 0.1 * (location == "2"))
    converted = (rng.random(len(rows)) < np.array(p)).astype(int)
    return rows, fit_lead_model(rows, converted, categorical=CATEGORICAL, binary=BINARY)


PROBES = [
    {"channel": "paid", "location": "2", "weekday_hour": "mon-09", "has_phone": 1},
    {"channel": "rare1", "location": "", "weekday_hour": "mon-19", "has_phone": 0},  # infrequent
    {"channel": "tiktok", "location": "9", "weekday_hour": "sun-03", "has_phone": 1},  # unseen
    {"channel": None, "weekday_hour": "mon-12"},  # missing: "" and has_phone 0
    {"channel": "organic", "location": None, "weekday_hour": None, "has_phone": True},
]


def test_the_stored_model_predicts_what_the_fitted_estimator_predicts(fitted):
    rows, model = fitted
    stored = json.loads(json.dumps(model.to_dict()))
    again = LeadModel.from_dict(stored)
    assert stored["format"] == STORED_FORMAT and again.estimator is None
    assert [e.infrequent for e in again.encoding][0] == ("rare1", "rare2")
    assert len(again.folds) == 5
    probes = PROBES + rows
    x = np.array(
        [[r.get(c) or "" for c in CATEGORICAL] + [int(r.get("has_phone", 0))] for r in probes],
        dtype=object,
    )
    expected = model.estimator.predict_proba(x)[:, 1]
    # some rows lie beyond a fold's calibration thresholds, where it is clipped
    encoded = again.encode(x)
    assert any(
        ((encoded @ f.coefficients + f.intercept) > f.x[-1]).any()
        or ((encoded @ f.coefficients + f.intercept) < f.x[0]).any()
        for f in again.folds
    )
    assert np.abs(again.predict(probes) - expected).max() < 1e-12
    assert np.abs(model.predict(probes) - expected).max() < 1e-12
    # the unseen and the missing rows are scored (as the encoder does: no column set)
    assert len(set(np.round(expected[:5], 12))) == 5
    assert again.reasons(probes) == model.reasons(probes)
    assert (again.version, again.auc, again.brier, again.reliability) == (
        model.version,
        model.auc,
        model.brier,
        model.reliability,
    )


def test_the_stored_encoding_sets_the_columns_the_encoder_sets(fitted):
    _, model = fitted
    again = LeadModel.from_dict(json.loads(json.dumps(model.to_dict())))
    x = np.array([["rare2", "", "mon-09", 1], ["zzz", "1", "tue-01", 0]], dtype=object)
    encoded = model.estimator[0].transform(x)
    dense = encoded.toarray() if hasattr(encoded, "toarray") else encoded
    assert np.array_equal(again.encode(x), np.asarray(dense, dtype=float))
    assert again.encode(x)[1, : len(again.encode(x)[1]) - 1].tolist().count(1.0) == 1  # "1" only


def test_a_stored_model_in_another_format_or_broken_is_refused(fitted):
    _, model = fitted
    data = model.to_dict()
    with pytest.raises(LeadModelError, match="format: expected 1, got 2"):
        LeadModel.from_dict(data | {"format": 2})
    with pytest.raises(LeadModelError, match="model: malformed"):
        LeadModel.from_dict({k: v for k, v in data.items() if k != "folds"})
    short = data | {"folds": [data["folds"][0] | {"coefficients": [1.0]}]}
    with pytest.raises(LeadModelError, match="folds: coefficients or thresholds do not line up"):
        LeadModel.from_dict(short)
