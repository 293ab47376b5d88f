"""The quality report of a synthetic table: fidelity, privacy and usefulness in one dict.

Figures follow SDMetrics' definitions, so they compare with SDMetrics and SDV:

- ``column_shapes``: KSComplement / TVComplement per column and their mean;
- ``column_pair_trends``: CorrelationSimilarity / ContingencySimilarity per pair and their mean
  (pairs are sampled, with the seed, when a wide table would take long; the output says so);
- ``overall``: the mean of the two, as SDMetrics' QualityReport; ``overall_strong_pairs``
  uses the pair trends of the pairs related in the real data only, as recent SDMetrics
  QualityReports do (see ``lakelight.generate._fidelity``);
- ``privacy``: the share of synthetic rows identical to a real row on every compared column,
  DCR statistics (synthetic → real, and holdout → real for reference), and
  DCRBaselineProtection: min(1, median DCR(synthetic → real) / median DCR(random → real)),
  random rows drawn uniformly in each numeric column's real range (integers for an integer
  column) and uniformly over each categorical column's real categories, with the real share
  of missing values;
- ``validity``: the counts the caller passes (``valid`` / ``total`` give ``share``);
- ``downstream``: train on synthetic vs on real, score on the real holdout, when ``label``
  and ``holdout`` are given.

Column roles are the caller's: ``numeric`` (ints, floats, datetimes as epoch seconds) and
``categorical`` (compared as text, a missing value its own category). Every number in the
returned dict is a plain float rounded to 4 places (None where undefined), so it serialises to
JSON as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lakelight.generate._downstream import downstream_check
from lakelight.generate._fidelity import column_pair_trends, column_shapes
from lakelight.guard._dcr import check_roles, numeric_values, row_keys
from lakelight.guard.leakage import dcr_to_real

__all__ = ["quality_report", "random_baseline"]

_DECIMALS = 4


def plain(value: Any) -> Any:
    """``value`` with numpy scalars, NaN and nested containers made JSON-ready (4 places)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else round(number, _DECIMALS)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def random_baseline(
    real: pd.DataFrame, numeric: list[str], categorical: list[str], n: int, *, seed: int = 0
) -> pd.DataFrame:
    """``n`` rows drawn as SDMetrics' DCRBaselineProtection draws its random data."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    for name in [*numeric, *categorical]:
        series = real[name]
        present = series.dropna()
        if present.empty:
            columns[name] = pd.Series([np.nan] * n)
            continue
        if name in numeric:
            values = numeric_values(present)
            low, high = float(values.min()), float(values.max())
            if pd.api.types.is_integer_dtype(series):
                drawn: Any = rng.integers(int(low), int(high) + 1, size=n).astype(float)
            else:
                drawn = rng.uniform(low, high, size=n)
        else:
            drawn = rng.choice(np.asarray(pd.unique(present), dtype=object), size=n)
        column = pd.Series(drawn, dtype=float if name in numeric else object)
        column[rng.random(n) < series.isna().mean()] = np.nan
        columns[name] = column
    return pd.DataFrame(columns)


def _dcr_stats(dcr: np.ndarray) -> dict[str, float]:
    return {
        "median": float(np.median(dcr)),
        "p5": float(np.quantile(dcr, 0.05)),
        "min": float(dcr.min()),
        "mean": float(dcr.mean()),
    }


def _privacy(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    holdout: pd.DataFrame | None,
    seed: int,
) -> dict[str, Any]:
    keys = np.unique(row_keys(real, numeric, categorical))
    copies = np.isin(row_keys(synthetic, numeric, categorical), keys)
    dcr = dcr_to_real(synthetic, real, numeric, categorical)
    random = random_baseline(real, numeric, categorical, len(synthetic), seed=seed)
    random_median = float(np.median(dcr_to_real(random, real, numeric, categorical)))
    synthetic_median = float(np.median(dcr))
    out: dict[str, Any] = {
        "exact_copies": int(copies.sum()),
        "exact_copy_share": float(copies.mean()),
        "dcr_synthetic_to_real": _dcr_stats(dcr),
        "dcr_baseline_protection": {
            "score": min(1.0, synthetic_median / random_median) if random_median > 0 else None,
            "median_dcr_synthetic": synthetic_median,
            "median_dcr_random": random_median,
        },
    }
    if holdout is not None:
        out["dcr_holdout_to_real"] = _dcr_stats(dcr_to_real(holdout, real, numeric, categorical))
    return out


def _privacy_of_codes(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    holdout: pd.DataFrame | None,
    seed: int,
    codes: Sequence[str],
) -> dict[str, Any]:
    """``_privacy`` with the ``codes`` among the categorical columns compared as numbers."""
    codes = [c for c in codes if c in categorical]
    if not codes:
        return _privacy(real, synthetic, numeric, categorical, holdout, seed)
    frames = [
        as_code_numbers(f, codes) if f is not None else None for f in (real, synthetic, holdout)
    ]
    rest = [c for c in categorical if c not in codes]
    assert frames[0] is not None and frames[1] is not None
    return _privacy(frames[0], frames[1], [*numeric, *codes], rest, frames[2], seed)


def as_code_numbers(frame: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """A copy with the ``codes`` columns as floats (NaN where empty or not a number)."""
    out = frame.copy()
    for name in codes:
        out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
    return out


def _validity(validity: dict[str, Any] | None) -> dict[str, Any] | None:
    if validity is None:
        return None
    out = dict(validity)
    valid, total = out.get("valid"), out.get("total")
    if isinstance(valid, int | float) and isinstance(total, int | float) and total > 0:
        out["share"] = valid / total
    return out


def _overall(*scores: float | None) -> float | None:
    present = [s for s in scores if s is not None]
    return float(np.mean(present)) if present else None


def quality_report(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    *,
    label: str | None = None,
    holdout: pd.DataFrame | None = None,
    validity: dict[str, Any] | None = None,
    seed: int = 0,
    codes: Sequence[str] = (),
) -> dict[str, Any]:
    """The report (module docstring) as a JSON-ready dict. ``codes``: categorical columns of
    integer codes (postal codes), which the privacy figures compare as numbers, since a
    neighbouring code is a near value, while fidelity compares them as categories. ValueError
    on an empty table, a compared column missing from either table, or a label that is not a
    compared column."""
    check_roles(real, numeric, categorical, what="real")
    check_roles(synthetic, numeric, categorical, what="synthetic")
    if real.empty or synthetic.empty:
        raise ValueError(
            f"Cannot report on an empty table ({len(real)} real, {len(synthetic)} synthetic rows)"
        )
    if holdout is not None:
        check_roles(holdout, numeric, categorical, what="holdout")
        if holdout.empty:
            raise ValueError("The holdout table is empty; pass None to skip its checks")
    if label is not None and label not in [*numeric, *categorical]:
        raise ValueError(f"The label {label!r} is neither a numeric nor a categorical column")
    real, synthetic = real.reset_index(drop=True), synthetic.reset_index(drop=True)
    if holdout is not None:
        holdout = holdout.reset_index(drop=True)

    shapes = column_shapes(real, synthetic, numeric, categorical)
    trends = column_pair_trends(real, synthetic, numeric, categorical, seed=seed)
    report: dict[str, Any] = {
        "rows": {
            "real": len(real),
            "synthetic": len(synthetic),
            "holdout": None if holdout is None else len(holdout),
        },
        "columns": {"numeric": list(numeric), "categorical": list(categorical)},
        "overall": _overall(shapes["score"], trends["score"]),
        "overall_strong_pairs": _overall(shapes["score"], trends["score_strong_pairs"]),
        "column_shapes": shapes,
        "column_pair_trends": trends,
        "validity": _validity(validity),
        "privacy": _privacy_of_codes(real, synthetic, numeric, categorical, holdout, seed, codes),
        "downstream": None,
    }
    if label is not None and holdout is not None:
        report["downstream"] = downstream_check(
            real, synthetic, holdout, numeric, categorical, label, seed=seed
        )
    elif label is not None:
        report["downstream_note"] = "label given without a holdout: no downstream check"
    return dict(plain(report))
