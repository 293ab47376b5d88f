"""Near-duplicate leakage: block synthetic records that copy, or nearly copy, a real one.

Distance is SDMetrics' distance to closest record (DCR): per cell |s − r| / range for a numeric
column (range of the real column, capped at 1) and 0 if equal else 1 for a categorical one,
averaged over the compared columns; a synthetic record's DCR is the minimum over all real
records. It is computed exactly with a FAISS L1 index (see ``lakelight.guard._dcr``).

Calibration: how close is "too close" depends on the table, so the threshold is measured on
the real rows themselves. ``LeakageGuard.fit`` holds out a random ``holdout_share`` of them
(seeded), computes each held-out row's DCR to the rest, and takes the ``quantile`` of those
distances (``guard_dcr_quantile`` in the settings, 0.01 by default) as the threshold. A fresh
real record from the same population lies that close to an existing one only that often, so a
synthetic record closer than the threshold (strictly) is treated as a near-copy and blocked;
roughly ``quantile`` of genuinely new records are blocked too, the price of the check. The rest
holds 1 − holdout_share of the rows while synthetic rows are compared with all of them, so the
threshold is slightly generous (larger) on small tables. The index used by ``check`` covers
every real row.

Exact copies (identical to a real row on every compared column, found by hashing the rows, so
float rounding never decides) are always blocked, even when the threshold is 0 because the
real table itself holds duplicate rows.

Tiny tables: with fewer than 2 held-out rows or fewer than 2 remaining rows (e.g. 1–7 rows at
the default share) no calibration is possible, and the threshold is the fixed floor
1 / (2 · n_columns): a synthetic record must differ by at least half a cell's worth in total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import faiss
import numpy as np
import pandas as pd

from lakelight.guard._dcr import RecordEncoder, check_roles, nearest_distances, row_keys

__all__ = ["LeakageGuard", "LeakageResult", "dcr_to_real"]

_MIN_CALIBRATION_ROWS = 2  # in each of the held-out part and the rest


def _nearest_l1(queries: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Smallest L1 distance of each query row to the rows of ``real``."""
    if len(real) * real.shape[1] <= 4096:  # a small group: plain numpy
        return np.abs(queries[:, None, :] - real[None, :, :]).sum(-1).min(1)
    index = faiss.IndexFlat(real.shape[1], faiss.METRIC_L1)
    index.add(np.ascontiguousarray(real, dtype=np.float32))
    distances, _ = index.search(np.ascontiguousarray(queries, dtype=np.float32), 1)
    return distances[:, 0].astype(float)


def dcr_to_real(
    synthetic: pd.DataFrame, real: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> np.ndarray:
    """SDMetrics' DCR of every synthetic row to the real rows (float64, in [0, 1])."""
    if real.empty:
        raise ValueError("The real table is empty: there is nothing to measure distance to")
    encoder = RecordEncoder(real, numeric, categorical)
    check_roles(synthetic, numeric, categorical, what="synthetic")
    if synthetic.empty:
        return np.zeros(0, dtype=float)
    return nearest_distances(encoder, encoder.index(real), synthetic)[0]


@dataclass
class LeakageResult:
    """Per synthetic row: its DCR, whether it is blocked and why (None when it passes)."""

    dcr: np.ndarray
    blocked: np.ndarray
    reasons: list[str | None]
    calibration: dict[str, Any] = field(default_factory=dict)

    @property
    def n_blocked(self) -> int:
        return int(self.blocked.sum())


class LeakageGuard:
    """Fit on the real rows, then ``check`` synthetic rows against every one of them."""

    def __init__(self) -> None:
        self._encoder: RecordEncoder | None = None
        self._index: Any = None
        self._keys: np.ndarray = np.zeros(0, dtype=np.uint64)
        self._numeric: list[str] = []
        self._categorical: list[str] = []
        self.threshold = 0.0
        self.calibration: dict[str, Any] = {}

    def fit(
        self,
        real: pd.DataFrame,
        numeric: list[str],
        categorical: list[str],
        *,
        quantile: float,
        holdout_share: float = 0.2,
        seed: int = 0,
    ) -> LeakageGuard:
        """Index every real row and calibrate the threshold (module docstring). ValueError on
        an empty table, bad column roles or a quantile/share outside [0, 1)."""
        if not 0 <= quantile < 1:
            raise ValueError(f"quantile must be in [0, 1), not {quantile}")
        if not 0 < holdout_share < 1:
            raise ValueError(f"holdout_share must be in (0, 1), not {holdout_share}")
        if real.empty:
            raise ValueError("The real table is empty: there is nothing to guard against")
        real = real.reset_index(drop=True)
        self._encoder = RecordEncoder(real, numeric, categorical)
        self._index = self._encoder.index(real)
        self._keys = np.unique(row_keys(real, numeric, categorical))
        self._numeric, self._categorical = list(numeric), list(categorical)
        # for screen(): real rows grouped by their categorical cells, with their number part
        groups = self._groups(real)
        self._real_groups = np.unique(groups)
        numbers = self._numbers(real)
        # group key -> numeric coordinates of its real rows, built once for every screen()
        self._real_by_group = {
            key: numbers[rows.to_numpy()]
            for key, rows in pd.Series(np.arange(len(groups))).groupby(groups)
        }
        n_columns = self._encoder.n_columns

        n = len(real)
        n_holdout = round(n * holdout_share)
        calibration: dict[str, Any] = {
            "quantile": float(quantile),
            "holdout_share": float(holdout_share),
            "real_rows": n,
            "n_columns": n_columns,
            "seed": seed,
        }
        if min(n_holdout, n - n_holdout) < _MIN_CALIBRATION_ROWS:
            self.threshold = 1 / (2 * n_columns)
            calibration.update(
                method="floor",
                holdout_rows=0,
                note=f"{n} real rows are too few to hold some out; threshold is the floor "
                "1/(2·n_columns)",
            )
        else:
            order = np.random.default_rng(seed).permutation(n)
            held, rest = real.iloc[order[:n_holdout]], real.iloc[order[n_holdout:]]
            encoder = RecordEncoder(rest, numeric, categorical)
            distances = nearest_distances(encoder, encoder.index(rest), held)[0]
            self.threshold = float(np.quantile(distances, quantile))
            calibration.update(
                method="holdout",
                holdout_rows=int(n_holdout),
                real_to_real_median=round(float(np.median(distances)), 6),
                real_to_real_p5=round(float(np.quantile(distances, 0.05)), 6),
                real_to_real_min=round(float(distances.min()), 6),
            )
        calibration["threshold"] = round(self.threshold, 6)
        self.calibration = calibration
        return self

    def _groups(self, frame: pd.DataFrame) -> np.ndarray:
        assert self._encoder is not None
        names = [c.name for c in self._encoder.categorical]
        if not names:
            return np.zeros(len(frame), dtype=np.uint64)
        return row_keys(frame, [], names)

    def _numbers(self, frame: pd.DataFrame) -> np.ndarray:
        assert self._encoder is not None
        return self._encoder.encode_numbers(frame)

    def screen(self, synthetic: pd.DataFrame) -> tuple[np.ndarray, list[str | None]]:
        """Which synthetic rows ``check`` would block, and why, without the full search.

        When threshold · n_columns ≤ 1 (the usual case), one differing category alone puts a
        row at or beyond the threshold, so only real rows with the same categorical cells can
        be too close: the distance is computed within those groups, exactly, on the numeric
        cells. Otherwise this is ``check``."""
        if self._encoder is None:
            raise ValueError("LeakageGuard.screen called before fit")
        n_columns = self._encoder.n_columns
        if self.threshold * n_columns > 1:
            result = self.check(synthetic)
            return result.blocked, result.reasons
        check_roles(synthetic, self._numeric, self._categorical, what="synthetic")
        synthetic = synthetic.reset_index(drop=True)
        blocked = np.zeros(len(synthetic), dtype=bool)
        reasons: list[str | None] = [None] * len(synthetic)
        if synthetic.empty:
            return blocked, reasons
        exact = np.isin(row_keys(synthetic, self._numeric, self._categorical), self._keys)
        for i in np.flatnonzero(exact):
            blocked[i], reasons[i] = True, "exact copy of a real row"
        groups = self._groups(synthetic)
        candidates = np.flatnonzero(~exact & np.isin(groups, self._real_groups))
        if not len(candidates) or not self._encoder.numeric:
            return blocked, reasons
        numbers = self._numbers(synthetic.iloc[candidates])
        by_group = pd.Series(np.arange(len(candidates))).groupby(groups[candidates])
        for key, positions in by_group:
            part = positions.to_numpy()
            real = self._real_by_group[key]
            for j, total in zip(part, _nearest_l1(numbers[part], real), strict=True):
                dcr = float(total) / n_columns
                if dcr < self.threshold:
                    i = candidates[j]
                    blocked[i] = True
                    reasons[i] = (
                        f"near copy of a real row (distance {dcr:.3g} < threshold "
                        f"{self.threshold:.3g})"
                    )
        return blocked, reasons

    def check(self, synthetic: pd.DataFrame) -> LeakageResult:
        """DCR of each synthetic row to the real rows, and which rows are blocked: exact copies
        always, others when their DCR is below the threshold."""
        if self._encoder is None:
            raise ValueError("LeakageGuard.check called before fit")
        check_roles(synthetic, self._numeric, self._categorical, what="synthetic")
        if synthetic.empty:
            empty = np.zeros(0, dtype=float)
            return LeakageResult(empty, empty.astype(bool), [], dict(self.calibration))
        synthetic = synthetic.reset_index(drop=True)
        dcr = nearest_distances(self._encoder, self._index, synthetic)[0]
        exact = np.isin(row_keys(synthetic, self._numeric, self._categorical), self._keys)
        near = ~exact & (dcr < self.threshold)
        reasons: list[str | None] = [None] * len(synthetic)
        for i in np.flatnonzero(exact):
            reasons[i] = "exact copy of a real row"
        for i in np.flatnonzero(near):
            reasons[i] = (
                f"near copy of a real row (distance {dcr[i]:.3g} < threshold {self.threshold:.3g})"
            )
        dcr[exact] = 0.0
        return LeakageResult(dcr, exact | near, reasons, dict(self.calibration))
