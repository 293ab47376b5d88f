"""Column shapes and column pair trends, as SDMetrics' QualityReport defines them.

Column shapes: KSComplement (1 − the two-sample Kolmogorov–Smirnov statistic) for a numeric
column and TVComplement (1 − ½ Σ |p − q| over the categories) for a categorical one; both
ignore missing values, as SDMetrics does, so the report lists missing shares beside them.

Column pair trends: CorrelationSimilarity (1 − |ρ_real − ρ_synthetic| / 2, Pearson, over the
rows where both cells are present) for two numeric columns, ContingencySimilarity (1 − the
total variation distance of the two-way tables of shares, a missing value its own category)
for every other pair; a numeric column in such a pair is cut into 10 equal-width bins on the
real range (the end bins open-ended, as SDMetrics' ``discretize_column``). A pair whose score
SDMetrics cannot compute (a constant column in a correlation) scores None and is left out of
the mean.

``score`` is the mean over all pairs. Recent SDMetrics QualityReports (0.2x on) average only
the pairs related in the real data (|ρ| > 0.5, Cramér's V > 0.3) and give the rest no score;
that mean is ``score_strong_pairs`` (None when no pair qualifies), with each pair's ``strong``
flag. Those reports also bin the synthetic side of a mixed pair on the synthetic range, not the
real one, so their mixed-pair scores differ a little from the metric's own definition used here.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from lakelight.guard._dcr import MISSING, category_text

__all__ = ["column_pair_trends", "column_shapes"]

_BINS = 10
_KS_DECIMALS = 14  # SDMetrics rounds before the KS test
# Work bound of the pair trends: pairs × (real rows + synthetic rows); beyond it pairs are
# sampled. Caravan's 3,655 pairs of 5,822 + 5,822 rows take about 4e7.
_PAIR_BUDGET = 2e8
# SDMetrics' QualityReport (0.2x and later) averages only the pairs related in the real data
_STRONG_CORRELATION = 0.5  # |Pearson ρ|
_STRONG_ASSOCIATION = 0.3  # Cramér's V
_MIN_PAIRS = 200


def _mean(scores: list[float | None]) -> float | None:
    present = [s for s in scores if s is not None]
    return float(np.mean(present)) if present else None


def _numbers(series: pd.Series) -> np.ndarray:
    return np.asarray(pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    real, synthetic = real[~np.isnan(real)], synthetic[~np.isnan(synthetic)]
    if not real.size or not synthetic.size:
        return None
    statistic = ks_2samp(np.round(real, _KS_DECIMALS), np.round(synthetic, _KS_DECIMALS))[0]
    return 1.0 - float(statistic)


def _tv_complement(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    real, synthetic = real[real != MISSING], synthetic[synthetic != MISSING]
    if not real.size or not synthetic.size:
        return None
    p = pd.Series(real).value_counts(normalize=True)
    q = pd.Series(synthetic).value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def column_shapes(
    real: pd.DataFrame, synthetic: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> dict[str, Any]:
    """{score, columns: [{column, metric, score, missing_real, missing_synthetic}]}."""
    rows: list[dict[str, Any]] = []
    for name in [*numeric, *categorical]:
        if name in numeric:
            metric, score = (
                "KSComplement",
                _ks_complement(_numbers(real[name]), _numbers(synthetic[name])),
            )
        else:
            metric, score = (
                "TVComplement",
                _tv_complement(category_text(real[name]), category_text(synthetic[name])),
            )
        row: dict[str, Any] = {
            "column": name,
            "metric": metric,
            "score": score,
            "missing_real": float(real[name].isna().mean()),
            "missing_synthetic": float(synthetic[name].isna().mean()),
        }
        if score is None:
            row["note"] = "no present values on one side; left out of the mean"
        rows.append(row)
    return {"score": _mean([r["score"] for r in rows]), "columns": rows}


def _codes(
    real: pd.DataFrame, synthetic: pd.DataFrame, name: str, numeric: bool
) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of one column on both sides (bins for a numeric one) and their count."""
    if numeric:
        r, s = _numbers(real[name]), _numbers(synthetic[name])
        present = r[~np.isnan(r)]
        edges = np.histogram_bin_edges(present, bins=_BINS)
        edges[0], edges[-1] = -np.inf, np.inf
        # digitize puts NaN past the last edge: bin _BINS + 1, its own category
        return np.digitize(r, edges), np.digitize(s, edges), _BINS + 2
    both = pd.concat([real[name], synthetic[name]], ignore_index=True)
    codes, uniques = pd.factorize(category_text(both))
    return codes[: len(real)], codes[len(real) :], len(uniques)


def _contingency(
    a: tuple[np.ndarray, np.ndarray, int], b: tuple[np.ndarray, np.ndarray, int]
) -> tuple[float, float | None]:
    """ContingencySimilarity, and Cramér's V of the real two-way table (None if degenerate).
    Both are computed over the cells that occur, so many-valued columns (titles, dates) cost
    what their rows cost, not the product of their value counts."""
    width = np.int64(b[2])
    real_keys, real_counts = np.unique(a[0].astype(np.int64) * width + b[0], return_counts=True)
    syn_keys, syn_counts = np.unique(a[1].astype(np.int64) * width + b[1], return_counts=True)
    cells = np.union1d(real_keys, syn_keys)
    p = np.zeros(len(cells))
    q = np.zeros(len(cells))
    p[np.searchsorted(cells, real_keys)] = real_counts / len(a[0])
    q[np.searchsorted(cells, syn_keys)] = syn_counts / len(a[1])
    similarity = 1.0 - 0.5 * float(np.abs(p - q).sum())
    rows, cols = real_keys // width, real_keys % width
    row_totals = np.bincount(a[0], minlength=a[2])
    col_totals = np.bincount(b[0], minlength=b[2])
    k = min(int((row_totals > 0).sum()), int((col_totals > 0).sum()))
    cramer = None
    if k >= 2:
        n = len(a[0])
        # chi² = n (Σ O² / (R C) − 1), summed over the occupied cells only
        chi2 = n * (float((real_counts**2 / (row_totals[rows] * col_totals[cols])).sum()) - 1)
        cramer = float(np.sqrt(max(chi2, 0.0) / (n * (k - 1))))
    return similarity, cramer


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rho = float(np.corrcoef(x, y)[0, 1])
    return None if math.isnan(rho) else rho


class _Correlations:
    """Pearson ρ of numeric column pairs on one side; one matrix product when no value is
    missing, pair by pair (over rows where both are present) otherwise."""

    def __init__(self, values: dict[str, np.ndarray]):
        self.values = values
        self.position = {name: i for i, name in enumerate(values)}
        self.matrix: np.ndarray | None = None
        stacked = np.column_stack(list(values.values())) if values else np.zeros((0, 0))
        if values and len(stacked) >= 2 and not np.isnan(stacked).any():
            spread = np.ptp(stacked, axis=0) > 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                matrix = np.corrcoef(stacked, rowvar=False).reshape(len(values), len(values))
            matrix[~spread, :] = np.nan
            matrix[:, ~spread] = np.nan
            self.matrix = matrix

    def rho(self, a: str, b: str) -> float | None:
        if self.matrix is None:
            return _pearson(self.values[a], self.values[b])
        value = float(self.matrix[self.position[a], self.position[b]])
        return None if math.isnan(value) else value


def column_pair_trends(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """{score, pairs_total, pairs_computed, sampled, pairs: [{columns, metric, score, ...}]}."""
    columns = [*numeric, *categorical]
    pairs = list(itertools.combinations(columns, 2))
    total = len(pairs)
    cap = max(_MIN_PAIRS, int(_PAIR_BUDGET // max(1, len(real) + len(synthetic))))
    sampled = total > cap
    if sampled:
        chosen = np.random.default_rng(seed).choice(total, size=cap, replace=False)
        pairs = [pairs[i] for i in sorted(chosen)]

    is_numeric = set(numeric)
    codes: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
    rho_real = _Correlations({n: _numbers(real[n]) for n in numeric})
    rho_synthetic = _Correlations({n: _numbers(synthetic[n]) for n in numeric})
    rows: list[dict[str, Any]] = []
    for a, b in pairs:
        if a in is_numeric and b in is_numeric:
            rho_r, rho_s = rho_real.rho(a, b), rho_synthetic.rho(a, b)
            score = None if rho_r is None or rho_s is None else 1 - abs(rho_r - rho_s) / 2
            row: dict[str, Any] = {
                "columns": [a, b],
                "metric": "CorrelationSimilarity",
                "score": score,
                "real": rho_r,
                "synthetic": rho_s,
            }
            row["strong"] = rho_r is not None and abs(rho_r) > _STRONG_CORRELATION
            if score is None:
                row["note"] = "a constant or empty column: no correlation; left out of the mean"
        else:
            for name in (a, b):
                if name not in codes:
                    codes[name] = _codes(real, synthetic, name, name in is_numeric)
            score, cramer = _contingency(codes[a], codes[b])
            row = {
                "columns": [a, b],
                "metric": "ContingencySimilarity",
                "score": score,
                "real_cramers_v": cramer,
            }
            row["strong"] = cramer is not None and cramer > _STRONG_ASSOCIATION
        rows.append(row)
    result: dict[str, Any] = {
        "score": _mean([r["score"] for r in rows]),
        "score_strong_pairs": _mean([r["score"] for r in rows if r["strong"]]),
        "pairs_strong": sum(r["strong"] for r in rows),
        "pairs_total": total,
        "pairs_computed": len(rows),
        "sampled": sampled,
        "pairs": rows,
    }
    if sampled:
        result["note"] = f"{len(rows)} of {total} column pairs sampled (seed {seed}) to bound time"
    return result
