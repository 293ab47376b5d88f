"""Strata keep the relations one Gaussian copula blurs: defaulters' balances on ISLP Default."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lakelight.generate.copula import GaussianCopula
from lakelight.generate.strata import StratifiedCopula, choose_strata


def test_telling_few_valued_columns_are_chosen(default: pd.DataFrame) -> None:
    frame = default
    assert set(choose_strata(frame, ["balance", "income"], ["default", "student"])) == {
        "default",
        "student",
    }
    assert choose_strata(frame, ["balance", "income"], ["default", "student"], "default")[0] == (
        "default"
    )
    assert choose_strata(frame.head(20), ["balance"], ["default"]) == []  # too few rows
    noise = frame.assign(coin=np.random.default_rng(0).choice(["a", "b"], len(frame)))
    assert "coin" not in choose_strata(noise, ["balance", "income"], ["coin"])


def by_default_and_student(frame: pd.DataFrame, seed: int) -> StratifiedCopula:
    return StratifiedCopula(
        frame,
        ["balance", "income"],
        ["default", "student"],
        ["default", "student"],
        integer=[],
        rng=np.random.default_rng(seed),
    )


def test_stratified_copula_keeps_the_minority_class_distribution(default: pd.DataFrame) -> None:
    frame = default
    strata = by_default_and_student(frame, seed=0)
    plain = GaussianCopula(["balance", "income"], ["default", "student"], seed=0).fit(frame)
    real = frame.groupby("default")["balance"].median()
    made = strata.sample(20_000).groupby("default")["balance"].median()
    blurred = plain.sample(20_000).groupby("default")["balance"].median()
    assert abs(made["Yes"] - real["Yes"]) < 0.1 * real["Yes"]
    assert abs(blurred["Yes"] - real["Yes"]) > abs(made["Yes"] - real["Yes"])
    shares = strata.sample(20_000)["default"].value_counts(normalize=True)
    assert abs(shares["Yes"] - (frame["default"] == "Yes").mean()) < 0.01


def test_missing_values_are_a_stratum_of_their_own(default: pd.DataFrame) -> None:
    frame = default.copy()
    frame["student"] = frame["student"].astype("str").where(frame.index % 9 != 0)  # NaN
    strata = by_default_and_student(frame, seed=1)
    made = strata.sample(9_000)
    assert abs(made["student"].isna().mean() - frame["student"].isna().mean()) < 0.02
    assert set(made["student"].dropna()) == {"Yes", "No"}


def test_strata_that_lose_more_candidates_are_drawn_more(default: pd.DataFrame) -> None:
    strata = by_default_and_student(default, seed=4)
    made = strata.sample(20_000)
    # a check drops half the defaulters' rows: later draws make up for it
    yes = made["default"].astype(str).isin(["True", "Yes"])
    drop = yes & (np.random.default_rng(0).random(len(made)) < 0.5)
    strata.observe(made, made[~drop])
    again = strata.sample(40_000)
    again_yes = again["default"].astype(str).isin(["True", "Yes"]).mean()
    assert again_yes == pytest.approx(2 * yes.mean(), rel=0.15)
    again_is_yes = again["default"].astype(str).isin(["True", "Yes"])
    kept = again[~(again_is_yes & (np.arange(len(again)) % 2 == 0))]
    kept_yes = kept["default"].astype(str).isin(["True", "Yes"]).mean()
    assert kept_yes == pytest.approx(yes.mean(), rel=0.15)  # the real share, after the check


def test_a_round_that_keeps_no_row_is_observed(default: pd.DataFrame) -> None:
    strata = by_default_and_student(default, seed=4)
    made = strata.sample(500)
    strata.observe(made, made.iloc[:0])  # every candidate rejected (Caravan's far pilots)
    assert len(strata.sample(100)) == 100
