"""The quality report and its HTML page on real data: ISLP Default and Caravan."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from lakelight.generate.quality import quality_report, random_baseline
from lakelight.generate.report_html import render_html

NUMERIC = ["balance", "income"]
CATEGORICAL = ["default", "student"]


@pytest.fixture(scope="module")
def split(default: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(0).permutation(len(default))
    return default.iloc[order[:7000]], default.iloc[order[7000:]]


def shuffled_columns(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Every column shuffled on its own: the same marginals, no relations between columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.permutation(frame[c].to_numpy()) for c in frame.columns})


def test_identical_data_scores_one_and_is_all_copies(
    split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    real, holdout = split
    report = quality_report(real, real, NUMERIC, CATEGORICAL, label="default", holdout=holdout)
    assert report["column_shapes"]["score"] == 1.0
    assert report["column_pair_trends"]["score"] == 1.0
    assert report["overall"] == 1.0
    privacy = report["privacy"]
    assert privacy["exact_copy_share"] == 1.0
    assert privacy["dcr_synthetic_to_real"]["median"] == 0.0
    assert privacy["dcr_baseline_protection"]["score"] == 0.0
    assert privacy["dcr_holdout_to_real"]["median"] > 0
    downstream = report["downstream"]
    assert downstream["task"] == "classification"
    assert downstream["ratio"]["accuracy"] == pytest.approx(1.0, abs=1e-3)
    assert downstream["minority_class"]["value"] == "Yes"
    assert set(downstream["real"]) == {"accuracy", "macro_f1", "roc_auc", "minority_recall"}
    assert downstream["real"]["roc_auc"] > 0.9
    json.dumps(report, allow_nan=False)


def test_shuffled_columns_keep_shapes_and_lose_trends(
    split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    real, holdout = split
    report = quality_report(
        real, shuffled_columns(real, 1), NUMERIC, CATEGORICAL, label="default", holdout=holdout
    )
    assert report["column_shapes"]["score"] == 1.0  # a permutation keeps every marginal
    pairs = {tuple(p["columns"]): p for p in report["column_pair_trends"]["pairs"]}
    assert pairs[("balance", "income")]["real"] < -0.1
    assert abs(pairs[("balance", "income")]["synthetic"]) < 0.05
    assert pairs[("balance", "default")]["score"] < 0.97
    assert pairs[("income", "student")]["score"] < 0.75  # students have low incomes
    assert report["column_pair_trends"]["score"] < 0.93
    # SDMetrics' recent reports: only pairs related in the real data count
    assert [p["columns"] for p in pairs.values() if p["strong"]] == [
        ["balance", "default"],
        ["income", "student"],
    ]
    assert pairs[("income", "student")]["real_cramers_v"] > 0.8
    trends = report["column_pair_trends"]
    assert trends["score_strong_pairs"] < trends["score"]
    assert report["overall_strong_pairs"] < report["overall"]
    assert report["privacy"]["exact_copy_share"] < 0.01  # only where balance 0 meets its income
    # balance no longer says who defaults: the synthetic model finds nobody
    assert report["downstream"]["synthetic"]["minority_recall"] < 0.1
    assert report["downstream"]["ratio"]["roc_auc"] < 0.7


def test_other_real_rows_look_real_and_train_as_well(
    split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, holdout = split
    real, other = train.iloc[:3500], train.iloc[3500:]
    report = quality_report(real, other, NUMERIC, CATEGORICAL, label="default", holdout=holdout)
    assert report["overall"] > 0.95
    assert report["privacy"]["exact_copy_share"] == 0.0
    assert report["privacy"]["dcr_baseline_protection"]["score"] < 0.2  # real rows are dense
    ratio = report["downstream"]["ratio"]
    assert ratio["accuracy"] == pytest.approx(1.0, abs=0.02)
    assert ratio["roc_auc"] == pytest.approx(1.0, abs=0.1)


def test_numeric_label_is_a_regression(split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, holdout = split
    real, other = train.iloc[:3500], train.iloc[3500:]
    report = quality_report(real, other, NUMERIC, CATEGORICAL, label="balance", holdout=holdout)
    downstream = report["downstream"]
    assert downstream["task"] == "regression"
    assert downstream["real"]["r2"] > 0.1
    assert downstream["ratio"]["r2"] == pytest.approx(1.0, abs=0.25)


def test_random_uniform_data_is_poor_and_far(split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    real, _ = split
    random = random_baseline(real, NUMERIC, CATEGORICAL, 3000, seed=5)
    assert random["balance"].between(real["balance"].min(), real["balance"].max()).all()
    assert set(random["default"]) == {"No", "Yes"}
    report = quality_report(real, random, NUMERIC, CATEGORICAL, seed=5)
    assert report["column_shapes"]["score"] < 0.7
    assert report["overall"] < 0.75
    protection = report["privacy"]["dcr_baseline_protection"]
    assert protection["score"] > 0.9  # the same distribution as the baseline
    assert report["privacy"]["dcr_synthetic_to_real"]["median"] > 0.01


def test_validity_is_embedded(split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    real, holdout = split
    report = quality_report(
        real, holdout, NUMERIC, CATEGORICAL, validity={"valid": 2950, "total": 3000}
    )
    assert report["validity"] == {"valid": 2950, "total": 3000, "share": 0.9833}
    assert report["downstream"] is None


def test_wide_caravan_computes_every_pair(caravan: pd.DataFrame) -> None:
    numeric, categorical = list(caravan.columns[:-1]), ["Purchase"]
    report = quality_report(caravan, shuffled_columns(caravan, 2), numeric, categorical)
    trends = report["column_pair_trends"]
    assert trends["pairs_total"] == trends["pairs_computed"] == 86 * 85 // 2
    assert not trends["sampled"]
    assert report["column_shapes"]["score"] == 1.0
    assert trends["score"] < 0.97


def test_missing_values_and_an_all_missing_column(default: pd.DataFrame) -> None:
    real = default.iloc[:3000].copy()
    synthetic = default.iloc[3000:6000].copy()
    real.loc[::4, "income"] = np.nan
    real["blank"] = np.nan
    synthetic["blank"] = np.nan
    report = quality_report(real, synthetic, [*NUMERIC, "blank"], CATEGORICAL)
    shapes = {c["column"]: c for c in report["column_shapes"]["columns"]}
    assert shapes["income"]["missing_real"] == 0.25
    assert shapes["income"]["score"] > 0.95
    assert shapes["blank"]["score"] is None and "note" in shapes["blank"]
    pairs = {tuple(p["columns"]): p for p in report["column_pair_trends"]["pairs"]}
    assert pairs[("balance", "blank")]["score"] is None
    assert pairs[("income", "student")]["score"] < 0.9  # the missing quarter counts
    json.dumps(report, allow_nan=False)


@pytest.mark.parametrize(
    ("real_rows", "drop", "label", "message"),
    [
        (0, None, None, "empty"),
        (100, "student", None, "synthetic table has no column"),
        (100, None, "nope", "label"),
    ],
)
def test_bad_input(
    default: pd.DataFrame, real_rows: int, drop: str | None, label: str | None, message: str
) -> None:
    synthetic = default.iloc[100:200]
    if drop:
        synthetic = synthetic.drop(columns=[drop])
    with pytest.raises(ValueError, match=message):
        quality_report(default.iloc[:real_rows], synthetic, NUMERIC, CATEGORICAL, label=label)


def test_single_row_real_table(default: pd.DataFrame) -> None:
    report = quality_report(default.iloc[:1], default.iloc[1:50], NUMERIC, CATEGORICAL)
    assert report["rows"]["real"] == 1
    pairs = {tuple(p["columns"]): p for p in report["column_pair_trends"]["pairs"]}
    assert pairs[("balance", "income")]["score"] is None  # no correlation in one row
    json.dumps(report, allow_nan=False)


def test_html_is_self_contained_and_escaped(split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    real, holdout = split
    synthetic = holdout.copy()
    synthetic.loc[synthetic.index[:40], "student"] = "<script>alert(1)</script>"
    report = quality_report(
        real,
        synthetic,
        NUMERIC,
        CATEGORICAL,
        label="default",
        holdout=holdout,
        validity={"valid": 3000, "total": 3000},
    )
    page = render_html(
        report, real, synthetic, NUMERIC, CATEGORICAL, title="Default <b>&</b> synthetic"
    )
    assert "http" not in page.lower()
    assert "<script" not in page.lower()
    assert "Default &lt;b&gt;&amp;&lt;/b&gt; synthetic" in page
    assert len(re.findall(r'<img alt="" src="data:image/png;base64,', page)) == 4 + 1
    assert "Downstream check" in page and "Baseline protection" in page


def test_html_caps_wide_tables(caravan: pd.DataFrame) -> None:
    numeric, categorical = list(caravan.columns[:44]), ["Purchase"]
    sample = caravan.iloc[:600]
    report = quality_report(sample, sample, numeric, categorical)
    page = render_html(report, sample, sample, numeric, categorical, title="Caravan")
    assert "The first 40 of 45 columns are drawn" in page
    assert "not drawn: MINK123M, MINKGEM, MKOOPKLA, PWAPART, Purchase." in page
    assert page.count("data:image/png;base64,") == 40 + 1
    assert "http" not in page.lower()
