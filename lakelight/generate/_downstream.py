"""Downstream check: does a model trained on the synthetic rows predict the real holdout as
well as the same model trained on the real rows?

The model is scikit-learn's HistGradientBoostingClassifier for a categorical label and
HistGradientBoostingRegressor for a numeric one, with fixed settings and seed; categorical
features are ordinal-encoded (learned from the training rows, unknown categories missing) and
passed as categorical features when they have at most 255 categories. Rows whose label is
missing are dropped. Scores on the holdout: accuracy and macro-F1 (plus ROC AUC for a binary
label, and recall of the rarest real class when it is under 20% of the rows), or R² for a
numeric label; each with the synthetic / real ratio.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, f1_score, r2_score, recall_score, roc_auc_score

from lakelight.guard._dcr import MISSING, category_text

__all__ = ["downstream_check"]

_MAX_CATEGORIES = 255  # HistGradientBoosting's limit for a native categorical feature
_IMBALANCED = 0.2


class _Features:
    """The feature matrix of a frame, with categories learned from the training rows."""

    def __init__(self, train: pd.DataFrame, numeric: list[str], categorical: list[str]):
        self.numeric, self.categorical = numeric, categorical
        self.maps = {
            name: {v: i for i, v in enumerate(pd.unique(category_text(train[name])))}
            for name in categorical
        }
        self.mask = [False] * len(numeric) + [
            len(self.maps[n]) <= _MAX_CATEGORIES for n in categorical
        ]

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        parts = [
            pd.to_numeric(frame[n]).to_numpy(dtype=float, na_value=np.nan) for n in self.numeric
        ]
        for name in self.categorical:
            known = self.maps[name]
            parts.append(
                np.array([known.get(v, np.nan) for v in category_text(frame[name])], dtype=float)
            )
        return np.column_stack(parts) if parts else np.zeros((len(frame), 0))


def _fit_predict(
    train: pd.DataFrame,
    test: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    y: np.ndarray,
    *,
    classify: bool,
    seed: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Predictions on ``test`` and, for classification, the class probabilities (columns in
    the order of ``np.unique(y)``)."""
    features = _Features(train, numeric, categorical)
    x_train, x_test = features.matrix(train), features.matrix(test)
    if classify:
        classes = np.unique(y)
        if len(classes) == 1:  # nothing to learn: predict the one class
            return np.full(len(test), classes[0], dtype=object), np.ones((len(test), 1))
        model = HistGradientBoostingClassifier(
            categorical_features=features.mask, random_state=seed
        )
        model.fit(x_train, y)
        return model.predict(x_test), model.predict_proba(x_test)
    regressor = HistGradientBoostingRegressor(categorical_features=features.mask, random_state=seed)
    regressor.fit(x_train, y)
    return regressor.predict(x_test), None


def _ratio(synthetic: float | None, real: float | None) -> float | None:
    if synthetic is None or real is None or real <= 0:
        return None
    return synthetic / real


def _classification_scores(
    truth: np.ndarray,
    predicted: np.ndarray,
    proba: np.ndarray | None,
    train_classes: np.ndarray,
    positive: str | None,
    minority: str | None,
) -> dict[str, float | None]:
    labels = np.unique(truth)
    scores: dict[str, float | None] = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(
            f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
        ),
    }
    if positive is not None:
        column = np.flatnonzero(train_classes == positive)
        if proba is not None and column.size and len(labels) == 2:
            scores["roc_auc"] = float(roc_auc_score(truth == positive, proba[:, column[0]]))
        else:
            scores["roc_auc"] = 0.5 if len(labels) == 2 else None  # constant scores
    if minority is not None:
        scores["minority_recall"] = float(
            recall_score(truth, predicted, labels=[minority], average="macro", zero_division=0)
        )
    return scores


def downstream_check(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    label: str,
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Train on synthetic and on real, score both on the real holdout (module docstring)."""
    classify = label in categorical
    num = [c for c in numeric if c != label]
    cat = [c for c in categorical if c != label]
    if not num and not cat:
        raise ValueError(f"The downstream check needs a feature besides the label {label!r}")

    def target(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        if classify:
            y = category_text(frame[label]).astype(str)
            keep = y != MISSING
        else:
            y = pd.to_numeric(frame[label]).to_numpy(dtype=float, na_value=np.nan)
            keep = ~np.isnan(y)
        return frame.loc[keep], y[keep]

    (real, y_real), (synthetic, y_syn), (holdout, y_test) = map(target, (real, synthetic, holdout))
    if not len(y_real) or not len(y_syn) or not len(y_test):
        raise ValueError(f"The downstream check needs rows with a {label!r} value on every side")
    out: dict[str, Any] = {
        "label": label,
        "task": "classification" if classify else "regression",
        "model": "HistGradientBoostingClassifier" if classify else "HistGradientBoostingRegressor",
        "train_rows": {"real": len(y_real), "synthetic": len(y_syn)},
        "holdout_rows": len(y_test),
    }
    results: dict[str, dict[str, float | None]] = {}
    positive = minority = None
    if classify:
        shares = pd.Series(y_real).value_counts(normalize=True)
        rarest = str(shares.index[-1])
        if len(shares) == 2:
            positive = rarest
        if shares.iloc[-1] < _IMBALANCED:
            minority = rarest
            out["minority_class"] = {"value": rarest, "share": float(shares.iloc[-1])}
    for side, frame, y in (("real", real, y_real), ("synthetic", synthetic, y_syn)):
        predicted, proba = _fit_predict(frame, holdout, num, cat, y, classify=classify, seed=seed)
        if classify:
            results[side] = _classification_scores(
                y_test, predicted, proba, np.unique(y), positive, minority
            )
        else:
            results[side] = {"r2": float(r2_score(y_test, predicted))}
    out["real"], out["synthetic"] = results["real"], results["synthetic"]
    out["ratio"] = {k: _ratio(results["synthetic"][k], v) for k, v in results["real"].items()}
    return out
