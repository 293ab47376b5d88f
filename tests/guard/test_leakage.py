"""The near-duplicate guard on real data: ISLP Default (10,000 rows) and Caravan (86 columns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lakelight.guard.leakage import LeakageGuard, dcr_to_real

NUMERIC = ["balance", "income"]
CATEGORICAL = ["default", "student"]


def brute_dcr(
    synthetic: pd.DataFrame, real: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> np.ndarray:
    """SDMetrics' definition cell by cell, with no encoding: the reference."""
    total = np.zeros((len(synthetic), len(real)))
    for name in numeric:
        r = real[name].to_numpy(dtype=float)
        s = synthetic[name].to_numpy(dtype=float)
        span = np.nanmax(r) - np.nanmin(r)
        cell = np.minimum(np.abs(s[:, None] - r[None, :]) / span, 1.0)
        one_missing = np.isnan(s)[:, None] ^ np.isnan(r)[None, :]
        both_missing = np.isnan(s)[:, None] & np.isnan(r)[None, :]
        total += np.where(one_missing, 1.0, np.where(both_missing, 0.0, cell))
    for name in categorical:
        r = real[name].astype(object).where(real[name].notna(), "<NA>").astype(str).to_numpy()
        s = synthetic[name].astype(object).where(synthetic[name].notna(), "<NA>")
        total += s.astype(str).to_numpy()[:, None] != r[None, :]
    return np.asarray(total.min(axis=1) / (len(numeric) + len(categorical)))


def within(synthetic: pd.DataFrame, real: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    """``synthetic`` with numeric values clipped to the real range, where DCR is exact."""
    out = synthetic.copy()
    for name in numeric:
        out[name] = out[name].clip(real[name].min(), real[name].max())
    return out


def noisy_sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Real rows with income shuffled, balance jittered and some students flipped."""
    rng = np.random.default_rng(seed)
    out = frame.sample(n, random_state=seed).reset_index(drop=True)
    out["balance"] = out["balance"] + rng.normal(0, 30, n)
    out["income"] = rng.permutation(out["income"].to_numpy())
    flip = rng.random(n) < 0.3
    out.loc[flip, "student"] = np.where(out.loc[flip, "student"] == "Yes", "No", "Yes")
    return out


def test_dcr_equals_brute_force_on_default(default: pd.DataFrame) -> None:
    real = default.iloc[:3000]
    synthetic = within(noisy_sample(default, 400, seed=1), real, NUMERIC)
    fast = dcr_to_real(synthetic, real, NUMERIC, CATEGORICAL)
    np.testing.assert_allclose(fast, brute_dcr(synthetic, real, NUMERIC, CATEGORICAL), atol=1e-6)
    assert fast.min() < 0.01 < fast.max()  # a spread, not a constant


def test_dcr_equals_brute_force_with_missing_values_and_unseen_categories(
    default: pd.DataFrame,
) -> None:
    real = default.iloc[:1000].copy()
    real.loc[::7, "income"] = np.nan
    real.loc[::11, "student"] = None
    synthetic = within(noisy_sample(default, 300, seed=2), real, NUMERIC)
    synthetic.loc[::5, "balance"] = np.nan
    synthetic.loc[::13, "income"] = np.nan
    synthetic.loc[::3, "default"] = "Maybe"  # a category the real column does not have
    synthetic.loc[1::17, "student"] = None
    fast = dcr_to_real(synthetic, real, NUMERIC, CATEGORICAL)
    np.testing.assert_allclose(fast, brute_dcr(synthetic, real, NUMERIC, CATEGORICAL), atol=1e-6)


def test_dcr_equals_brute_force_on_caravan(caravan: pd.DataFrame) -> None:
    columns = list(caravan.columns)
    numeric, categorical = columns[:40], columns[40:]  # codes both ways: many dimensions
    real = caravan.iloc[:1500]
    shuffled = caravan.iloc[1500:1800].apply(
        lambda c: c.sample(frac=1, random_state=len(c.name)).to_numpy()
    )
    synthetic = within(shuffled, real, numeric)
    fast = dcr_to_real(synthetic, real, numeric, categorical)
    np.testing.assert_allclose(fast, brute_dcr(synthetic, real, numeric, categorical), atol=1e-6)


def test_out_of_range_values_are_clipped_a_lower_bound(default: pd.DataFrame) -> None:
    real = default.iloc[:2000]
    synthetic = noisy_sample(default, 200, seed=3)
    synthetic["balance"] = synthetic["balance"] * 1.5 - 300  # many cells leave the real range
    fast = dcr_to_real(synthetic, real, NUMERIC, CATEGORICAL)
    capped = brute_dcr(synthetic, real, NUMERIC, CATEGORICAL)
    inside = synthetic["balance"].between(real["balance"].min(), real["balance"].max())
    assert 0 < inside.sum() < len(synthetic)
    np.testing.assert_allclose(fast[inside], capped[inside], atol=1e-6)
    assert (fast <= capped + 1e-6).all()
    assert (fast[~inside] < capped[~inside] - 1e-4).any()


def test_copies_blocked_and_fresh_real_rows_mostly_pass(default: pd.DataFrame) -> None:
    order = np.random.default_rng(7).permutation(len(default))
    train, fresh = default.iloc[order[:8000]], default.iloc[order[8000:]]
    guard = LeakageGuard().fit(train, NUMERIC, CATEGORICAL, quantile=0.01)
    calibration = guard.calibration
    assert calibration["method"] == "holdout" and calibration["holdout_rows"] == 1600
    assert 0 < guard.threshold < calibration["real_to_real_median"]

    copy = train.iloc[:50].copy()
    nudged = train.iloc[50:100].copy()
    nudged["income"] += 1.0  # one cell moved by a dollar: still a copy
    result = guard.check(pd.concat([copy, nudged]))
    assert result.blocked.all()
    assert set(result.reasons[:50]) == {"exact copy of a real row"}
    assert all(
        r and r.startswith("near copy of a real row (distance ") for r in result.reasons[50:]
    )
    np.testing.assert_array_equal(result.dcr[:50], 0.0)

    unseen = guard.check(fresh)
    assert unseen.blocked.mean() < 0.04  # about the 1% quantile, with sampling noise
    assert unseen.n_blocked == sum(r is not None for r in unseen.reasons)
    assert not unseen.blocked[unseen.dcr >= guard.threshold].any()


def test_exact_copies_blocked_even_with_zero_threshold(default: pd.DataFrame) -> None:
    real = pd.concat([default.iloc[:500]] * 2, ignore_index=True)  # every row twice
    guard = LeakageGuard().fit(real, NUMERIC, CATEGORICAL, quantile=0.5)
    assert guard.threshold == 0.0
    result = guard.check(pd.concat([default.iloc[:3], noisy_sample(default, 3, seed=4)]))
    assert result.blocked.tolist()[:3] == [True, True, True]
    assert not result.blocked[3:].any()


def test_one_row_table_uses_the_floor(default: pd.DataFrame) -> None:
    real = default.iloc[:1]
    guard = LeakageGuard().fit(real, NUMERIC, CATEGORICAL, quantile=0.01)
    assert guard.calibration["method"] == "floor"
    assert guard.threshold == pytest.approx(1 / 8)
    near = real.copy()
    near["student"] = "Yes" if real["student"].iloc[0] == "No" else "No"  # 1 of 4 cells: 0.25
    nearer = real.copy()
    nearer["balance"] = real["balance"] + 1  # constant real column: a different value is 1 cell
    closer = real.copy()
    closer["default"] = "Maybe"
    result = guard.check(pd.concat([real, near, nearer, closer], ignore_index=True))
    assert result.blocked.tolist() == [True, False, False, False]
    np.testing.assert_allclose(result.dcr, [0, 0.25, 0.25, 0.25])


def test_empty_synthetic_gives_an_empty_result(default: pd.DataFrame) -> None:
    guard = LeakageGuard().fit(default.iloc[:100], NUMERIC, CATEGORICAL, quantile=0.01)
    result = guard.check(default.iloc[:0])
    assert result.dcr.shape == (0,) and result.reasons == []


def test_all_missing_column_is_a_category(default: pd.DataFrame) -> None:
    real = default.iloc[:200].copy()
    real["income"] = np.nan
    synthetic = real.iloc[:2].copy()
    synthetic.loc[synthetic.index[1], "income"] = 5.0
    fast = dcr_to_real(synthetic, real, NUMERIC, CATEGORICAL)
    np.testing.assert_allclose(fast, [0, 0.25])


@pytest.mark.parametrize(
    ("real_rows", "synthetic_drop", "numeric", "categorical", "message"),
    [
        (0, None, NUMERIC, CATEGORICAL, "empty"),
        (100, "income", NUMERIC, CATEGORICAL, "synthetic table has no column"),
        (100, None, [*NUMERIC, "student"], CATEGORICAL, "named twice"),
        (100, None, ["balance", "default"], ["student"], "holds"),
        (100, None, [], [], "No columns"),
    ],
)
def test_bad_input(
    default: pd.DataFrame,
    real_rows: int,
    synthetic_drop: str | None,
    numeric: list[str],
    categorical: list[str],
    message: str,
) -> None:
    real = default.iloc[:real_rows]
    synthetic = default.iloc[:10]
    if synthetic_drop:
        synthetic = synthetic.drop(columns=[synthetic_drop])
    with pytest.raises(ValueError, match=message):
        LeakageGuard().fit(real, numeric, categorical, quantile=0.01).check(synthetic)


def test_check_before_fit_and_bad_quantile(default: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="before fit"):
        LeakageGuard().check(default)
    with pytest.raises(ValueError, match="quantile"):
        LeakageGuard().fit(default, NUMERIC, CATEGORICAL, quantile=1.0)


@pytest.mark.parametrize("name", ["default", "caravan"])
def test_screen_blocks_exactly_what_check_blocks(
    name: str, default: pd.DataFrame, caravan: pd.DataFrame
) -> None:
    frame = default if name == "default" else caravan
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in frame.columns if c not in numeric]
    real, rest = frame.iloc[:4000], frame.iloc[4000:5000].reset_index(drop=True)
    guard = LeakageGuard().fit(real, numeric, categorical, quantile=0.05, seed=1)
    rng = np.random.default_rng(3)
    copies = real.sample(200, random_state=2).reset_index(drop=True)
    nudged = copies.copy()
    nudged[numeric[0]] = nudged[numeric[0]] + rng.normal(0, 1e-3, len(nudged))
    candidates = pd.concat([rest, copies, nudged], ignore_index=True)
    result = guard.check(candidates)
    blocked, reasons = guard.screen(candidates)
    assert guard.threshold * len(frame.columns) <= 1  # the grouped path ran
    np.testing.assert_array_equal(blocked, result.blocked)
    assert [r is None for r in reasons] == [r is None for r in result.reasons]
    assert blocked[len(rest) : len(rest) + 200].all()  # the copies


def test_many_valued_categories_take_the_coded_search_with_the_same_distances(
    superstore_csv: Path,
) -> None:
    frame = pd.read_csv(superstore_csv).astype({"Postal Code": str})
    numeric = ["Sales", "Quantity", "Discount", "Profit"]
    categorical = ["Ship Mode", "Segment", "City", "State", "Postal Code", "Region"]
    real, synthetic = frame.iloc[:3000], frame.iloc[3000:3400].reset_index(drop=True)
    synthetic.loc[::7, "City"] = "Atlantis"  # a category the real rows never had
    synthetic.loc[::5, "Sales"] = np.nan
    from lakelight.guard._dcr import RecordEncoder

    assert RecordEncoder(real, numeric, categorical).coded
    expected = brute_dcr(within(synthetic, real, numeric), real, numeric, categorical)
    np.testing.assert_allclose(
        dcr_to_real(synthetic, real, numeric, categorical), expected, atol=1e-5
    )
    guard = LeakageGuard().fit(real, numeric, categorical, quantile=0.05)
    copies = pd.concat([synthetic, real.iloc[:50]], ignore_index=True)
    blocked, _ = guard.screen(copies)
    np.testing.assert_array_equal(blocked, guard.check(copies).blocked)
    assert blocked[-50:].all()
