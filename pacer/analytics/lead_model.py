"""Predictive lead score: the calibrated probability that a lead converts, from what is
known when it arrives (never from how fast it was answered, which is not known yet).

The model is a logistic regression on one-hot categorical features (source, channel,
location, form, and the weekday and hour of arrival in the location's time zone, e.g.
``"mon-09"``: one feature, so the model can learn when staff are on shift) and 0/1
features (a phone number given, a postal code given), calibrated by isotonic regression
over 5 cross-validation folds (``CalibratedClassifierCV``). It is fitted on a stratified
share of the leads and judged on the rest (the holdout): AUC, Brier score and a
reliability table (predicted against observed conversion in bins of the predicted
probability).

Example
-------
>>> rng = np.random.default_rng(0)
>>> rows = [{"channel": rng.choice(["paid", "organic"]), "has_phone": int(rng.random() < 0.5)}
...         for _ in range(3000)]
>>> p = np.array([0.1 + 0.3 * (r["channel"] == "paid") + 0.2 * r["has_phone"] for r in rows])
>>> model = fit_lead_model(rows, (rng.random(3000) < p).astype(int),
...                        categorical=("channel",), binary=("has_phone",))
>>> round(model.auc, 2), model.predict([{"channel": "paid", "has_phone": 1}]).round(1).tolist()
(0.73, [0.6])
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

CATEGORICAL = ("source", "channel", "location", "form", "weekday_hour")
BINARY = ("has_phone", "has_postal_code")
MIN_LEADS = 200
MIN_CONVERSIONS = 20
BINS = 10
STORED_FORMAT = 1


class LeadModelError(ValueError):
    """Refused input: too few leads or conversions, or malformed features."""


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    leads: int
    predicted: float  # mean predicted probability in the bin
    observed: float  # share converted in the bin


@dataclass(frozen=True)
class Reason:
    feature: str  # a feature's name ("channel", "has_phone")
    value: str  # the lead's value of it ("paid", "1")
    effect: float  # its share of the lead's log-odds against the average training lead


@dataclass(frozen=True)
class Encoded:
    """One categorical feature's columns in the encoder's output: its frequent values,
    one column each, then one column for all its infrequent values (if any)."""

    feature: str
    categories: tuple[str, ...]
    infrequent: tuple[str, ...]


@dataclass(frozen=True)
class Fold:
    """One calibration fold: its logistic regression on the encoded columns and the
    isotonic calibration of that regression's log-odds (thresholds ``x`` → ``y``,
    interpolated linearly and clipped at the ends)."""

    coefficients: np.ndarray
    intercept: float
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class LeadModel:
    version: str  # a digest of the features, the training rows and the settings
    categorical: tuple[str, ...]
    binary: tuple[str, ...]
    trained_on: int
    holdout: int
    auc: float
    brier: float
    base_rate: float  # conversion share in the holdout
    reliability: list[ReliabilityBin]
    holdout_rows: np.ndarray = field(repr=False)  # positions of the holdout in the input
    holdout_predictions: np.ndarray = field(repr=False)
    estimator: object = field(repr=False)  # none when read back with ``from_dict``
    # the logistic regressions' mean coefficient per encoded column, the column's mean
    # over the training rows and the feature it encodes
    coefficients: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    column_means: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    column_features: tuple[str, ...] = field(repr=False, default=())
    # the fitted estimator as data (``to_dict``): the encoder's columns and each
    # calibration fold; predictions and reasons come from these, in NumPy
    encoding: tuple[Encoded, ...] = field(repr=False, default=())
    folds: tuple[Fold, ...] = field(repr=False, default=())

    def predict(self, rows: Sequence[Mapping]) -> np.ndarray:
        """Calibrated probabilities to convert, one per row: as the fitted
        ``CalibratedClassifierCV`` computes them (the mean over the folds of the fold's
        isotonic calibration of its logistic regression's log-odds), from the stored
        form, so a model read back with ``from_dict`` predicts without scikit-learn."""
        if not rows:
            return np.zeros(0)
        encoded = self.encode(_matrix(rows, self.categorical, self.binary))
        total = np.zeros(len(rows))
        for fold in self.folds:
            calibrated = np.interp(encoded @ fold.coefficients + fold.intercept, fold.x, fold.y)
            calibrated[(calibrated > 1.0) & (calibrated <= 1.0 + 1e-5)] = 1.0
            total += calibrated
        return total / len(self.folds)

    def encode(self, x: np.ndarray) -> np.ndarray:
        """The encoder's output for ``_matrix`` rows: one 0/1 column per frequent value
        of each categorical feature, one for its infrequent values (if any), none set
        for a value not seen in training; then the binary features as they are."""
        width = sum(len(e.categories) + bool(e.infrequent) for e in self.encoding)
        out = np.zeros((x.shape[0], width + len(self.binary)))
        start = 0
        for j, encoded in enumerate(self.encoding):
            column = {value: start + k for k, value in enumerate(encoded.categories)}
            column |= {value: start + len(encoded.categories) for value in encoded.infrequent}
            for i in range(x.shape[0]):
                k = column.get(x[i, j])
                if k is not None:
                    out[i, k] = 1.0
            start += len(encoded.categories) + bool(encoded.infrequent)
        out[:, width:] = x[:, len(self.encoding) :].astype(float)
        return out

    def to_dict(self) -> dict:
        """The model as plain data (JSON): what ``from_dict`` needs to predict and give
        reasons, and its figures; not the holdout's rows nor the estimator object."""
        return {
            "format": STORED_FORMAT,
            "version": self.version,
            "categorical": list(self.categorical),
            "binary": list(self.binary),
            "trained_on": self.trained_on,
            "holdout": self.holdout,
            "auc": self.auc,
            "brier": self.brier,
            "base_rate": self.base_rate,
            "reliability": [vars(b) for b in self.reliability],
            "encoding": [
                {
                    "feature": e.feature,
                    "categories": list(e.categories),
                    "infrequent": list(e.infrequent),
                }
                for e in self.encoding
            ],
            "folds": [
                {
                    "coefficients": f.coefficients.tolist(),
                    "intercept": f.intercept,
                    "x": f.x.tolist(),
                    "y": f.y.tolist(),
                }
                for f in self.folds
            ],
            "coefficients": self.coefficients.tolist(),
            "column_means": self.column_means.tolist(),
            "column_features": list(self.column_features),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "LeadModel":
        """A model written by ``to_dict``; refuses (``LeadModelError``) another format
        or columns that do not line up."""
        if data.get("format") != STORED_FORMAT:
            raise LeadModelError(f"format: expected {STORED_FORMAT}, got {data.get('format')!r}")
        try:
            encoding = tuple(
                Encoded(e["feature"], tuple(e["categories"]), tuple(e["infrequent"]))
                for e in data["encoding"]
            )
            folds = tuple(
                Fold(
                    np.asarray(f["coefficients"], dtype=float),
                    float(f["intercept"]),
                    np.asarray(f["x"], dtype=float),
                    np.asarray(f["y"], dtype=float),
                )
                for f in data["folds"]
            )
            model = cls(
                version=data["version"],
                categorical=tuple(data["categorical"]),
                binary=tuple(data["binary"]),
                trained_on=data["trained_on"],
                holdout=data["holdout"],
                auc=data["auc"],
                brier=data["brier"],
                base_rate=data["base_rate"],
                reliability=[ReliabilityBin(**b) for b in data["reliability"]],
                holdout_rows=np.zeros(0, dtype=np.int64),
                holdout_predictions=np.zeros(0),
                estimator=None,
                coefficients=np.asarray(data["coefficients"], dtype=float),
                column_means=np.asarray(data["column_means"], dtype=float),
                column_features=tuple(data["column_features"]),
                encoding=encoding,
                folds=folds,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise LeadModelError(f"model: malformed stored model ({error!r})") from error
        width = len(model.column_features)
        if not folds or [e.feature for e in encoding] != list(model.categorical):
            raise LeadModelError("encoding: must list every categorical feature, with folds")
        if any(f.coefficients.shape != (width,) or f.x.shape != f.y.shape for f in folds):
            raise LeadModelError("folds: coefficients or thresholds do not line up")
        return model

    def reasons(self, rows: Sequence[Mapping], top: int = 3) -> list[list[Reason]]:
        """Per row, the ``top`` features that move its score most, largest first: each
        feature's effect is the sum over its encoded columns of coefficient × (the row's
        value − the training mean), in log-odds of the (uncalibrated) logistic model
        averaged over the calibration folds, so the effects of all features add up to
        the row's log-odds minus those of the average training lead. Positive raises the
        chance to convert. Features without effect (|effect| < 1e-9) are left out."""
        if not rows:
            return []
        encoded = self.encode(_matrix(rows, self.categorical, self.binary))
        per_column = (encoded - self.column_means) * self.coefficients
        names = self.categorical + self.binary
        out = []
        for i, row in enumerate(rows):
            effects = {
                name: float(per_column[i, np.array(self.column_features) == name].sum())
                for name in names
            }
            ranked = sorted(
                (n for n in names if abs(effects[n]) >= 1e-9), key=lambda n: -abs(effects[n])
            )
            out.append(
                [
                    Reason(name, "" if row.get(name) is None else str(row.get(name)), effects[name])
                    for name in ranked[:top]
                ]
            )
        return out


def _dense(matrix) -> np.ndarray:
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


def _column_features(encode, categorical: tuple, binary: tuple) -> tuple[str, ...]:
    """The feature each output column of the encoder comes from."""
    one_hot = encode.named_transformers_["categories"]
    out = []
    for name in one_hot.get_feature_names_out(list(categorical)):
        out.append(max((c for c in categorical if name.startswith(f"{c}_")), key=len))
    return (*out, *binary)


def _encoding(one_hot, categorical: tuple) -> tuple[Encoded, ...]:
    """The fitted ``OneHotEncoder``'s columns per feature (frequent values in its
    category order, then the infrequent ones' shared column)."""
    out = []
    for j, name in enumerate(categorical):
        rare = one_hot.infrequent_categories_[j]
        infrequent = () if rare is None else tuple(str(v) for v in rare)
        categories = tuple(str(v) for v in one_hot.categories_[j] if str(v) not in infrequent)
        out.append(Encoded(name, categories, infrequent))
    return tuple(out)


def _matrix(rows: Sequence[Mapping], categorical: tuple, binary: tuple) -> np.ndarray:
    table = np.empty((len(rows), len(categorical) + len(binary)), dtype=object)
    for i, row in enumerate(rows):
        for j, name in enumerate(categorical):
            value = row.get(name)
            table[i, j] = "" if value is None else str(value)
        for j, name in enumerate(binary, start=len(categorical)):
            value = row.get(name, 0)
            if value not in (0, 1, True, False):
                raise LeadModelError(f"rows[{i}].{name}: must be 0 or 1, got {value!r}")
            table[i, j] = int(value)
    return table


def reliability(predicted: np.ndarray, observed: np.ndarray, bins: int = BINS) -> list:
    """Predicted against observed conversion in ``bins`` equal-count bins of the
    predicted probability (ties kept together).

    >>> [(b.leads, b.predicted, b.observed) for b in reliability(np.array([.1, .1, .9, .9]),
    ...                                                            np.array([0, 0, 1, 0]), 2)]
    [(2, 0.1, 0.0), (2, 0.9, 0.5)]
    """
    edges = np.unique(np.quantile(predicted, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, len(edges) - 2)
    out = []
    for b in range(len(edges) - 1):
        inside = which == b
        if inside.any():
            out.append(
                ReliabilityBin(
                    float(edges[b]),
                    float(edges[b + 1]),
                    int(inside.sum()),
                    float(predicted[inside].mean()),
                    float(observed[inside].mean()),
                )
            )
    return out


def fit_lead_model(
    rows: Sequence[Mapping],
    converted,
    *,
    categorical: tuple[str, ...] = CATEGORICAL,
    binary: tuple[str, ...] = BINARY,
    holdout_share: float = 0.25,
    seed: int = 0,
) -> LeadModel:
    """Fit the calibrated classifier on ``1 − holdout_share`` of ``rows`` (feature
    mappings) with outcomes ``converted`` (0/1) and judge it on the rest."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    y = np.asarray(converted)
    if y.shape != (len(rows),):
        raise LeadModelError("converted: must have one outcome per row")
    if not np.all((y == 0) | (y == 1)):
        raise LeadModelError("converted: must be 0 or 1")
    y = y.astype(np.int64)
    if len(rows) < MIN_LEADS:
        raise LeadModelError(f"rows: needs at least {MIN_LEADS} leads, got {len(rows)}")
    if min(y.sum(), len(y) - y.sum()) < MIN_CONVERSIONS:
        raise LeadModelError(
            f"converted: needs at least {MIN_CONVERSIONS} converted and not converted leads"
        )
    if not 0.05 <= holdout_share <= 0.5:
        raise LeadModelError("holdout_share: must be between 0.05 and 0.5")
    x = _matrix(rows, categorical, binary)
    positions = np.arange(len(rows))
    train, test = train_test_split(
        positions, test_size=holdout_share, stratify=y, random_state=seed
    )
    encode = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", min_frequency=5),
                list(range(len(categorical))),
            )
        ],
        remainder="passthrough",
    )
    estimator = make_pipeline(
        encode,
        CalibratedClassifierCV(LogisticRegression(C=1.0, max_iter=2000), method="isotonic", cv=5),
    )
    estimator.fit(x[train], y[train])
    predicted = estimator.predict_proba(x[test])[:, 1]
    calibrated = estimator[-1].calibrated_classifiers_
    folds = tuple(
        Fold(
            c.estimator.coef_[0].astype(float),
            float(c.estimator.intercept_[0]),
            c.calibrators[0].X_thresholds_.astype(float),
            c.calibrators[0].y_thresholds_.astype(float),
        )
        for c in calibrated
    )
    coefficients = np.mean([c.estimator.coef_[0] for c in calibrated], axis=0)
    column_means = _dense(encode.transform(x[train])).astype(float).mean(axis=0)
    digest = hashlib.sha256(
        json.dumps(
            [categorical, binary, seed, holdout_share, x[train].tolist(), y[train].tolist()]
        ).encode()
    ).hexdigest()[:12]
    return LeadModel(
        version=f"lr-iso-{digest}",
        categorical=tuple(categorical),
        binary=tuple(binary),
        trained_on=int(train.size),
        holdout=int(test.size),
        auc=float(roc_auc_score(y[test], predicted)),
        brier=float(brier_score_loss(y[test], predicted)),
        base_rate=float(y[test].mean()),
        reliability=reliability(predicted, y[test]),
        holdout_rows=test,
        holdout_predictions=predicted,
        estimator=estimator,
        coefficients=coefficients,
        column_means=column_means,
        column_features=_column_features(encode, tuple(categorical), tuple(binary)),
        encoding=_encoding(encode.named_transformers_["categories"], tuple(categorical)),
        folds=folds,
    )


def auc_standard_error(auc: float, positives: int, negatives: int) -> float:
    """Hanley and McNeil's (1982) standard error of an AUC.

    >>> round(auc_standard_error(0.75, 100, 400), 4)
    0.03
    """
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / (positives * negatives)
    return float(np.sqrt(variance))
