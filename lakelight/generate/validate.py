"""Validators every synthetic row must pass, whatever made it: types, categorical domains,
numeric ranges, formats (emails, dates), the request's conditions, an outlier filter, and
no duplicates. Each rejected row carries its first failing reason."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from lakelight.generate.conditions import Condition
from lakelight.generate.frames import labels, numbers
from lakelight.generate.plan import ColumnPlan

EMAIL = re.compile(r"^[\w.+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_DOMAIN_KINDS = ("categorical", "derived")
ORDER_SHUFFLED_BREAKS = 0.05  # see _orders


class Validators:
    """Built from the real table (``reference``) and the plan; ``check`` judges new rows."""

    def __init__(
        self,
        plans: Sequence[ColumnPlan],
        reference: pd.DataFrame,
        conditions: Sequence[Condition] = (),
    ):
        self.plans, self.conditions = list(plans), list(conditions)
        self.domains = {
            p.name: set(labels(reference[p.name].dropna()))
            for p in plans
            if p.kind in _DOMAIN_KINDS
        }
        # free text is made new: a verbatim real value would copy what a person wrote
        self.real_texts = {
            p.name: set(reference[p.name].dropna().astype(str)) for p in plans if p.kind == "text"
        }
        self.ranges: dict[str, tuple[float, float]] = {}
        self.integers = [p.name for p in plans if p.kind == "numeric" and p.type == "integer"]
        self.emails = [
            p.name
            for p in plans
            if p.pii_type == "EMAIL_ADDRESS"
            or (p.type == "string" and _mostly(reference[p.name], EMAIL))
        ]
        self.dates = [
            p.name
            for p in plans
            if p.type == "string" and p.kind != "pii" and _mostly_dates(reference[p.name])
        ]
        # a column no real row leaves empty must not be empty in a synthetic row either
        self.required = [
            p.name
            for p in plans
            if p.kind not in ("empty", "key") and reference[p.name].notna().all()
        ]
        self.numeric = [p.name for p in plans if p.kind == "numeric"]
        for name in self.numeric:
            values = numbers(reference[name])
            if values.notna().any():
                self.ranges[name] = (float(values.min()), float(values.max()))
        self.orders = _orders(reference, self.numeric)
        self._fit_outliers(reference)

    def _fit_outliers(self, reference: pd.DataFrame) -> None:
        """Mahalanobis distance of rank-normal scores: catches rows whose combination of
        numbers is more extreme than any real row's (a tiny balance with a huge debt ratio),
        not just values out of range. The limit is the largest distance of a real row, so
        heavy tails and discrete columns do not turn ordinary rows into outliers."""
        self.sorted = {n: np.sort(numbers(reference[n]).dropna().to_numpy()) for n in self.numeric}
        self.outlier_cols = [n for n in self.numeric if len(np.unique(self.sorted[n])) > 2]
        self.inverse = None
        if len(self.outlier_cols) < 2 or len(reference) < 10 * len(self.outlier_cols):
            return
        z = self._scores(reference)
        keep = ~np.isnan(z).any(axis=1)
        if keep.sum() < 10 * len(self.outlier_cols):
            return
        cov = np.cov(z[keep], rowvar=False) + np.eye(z.shape[1]) * 1e-6
        self.inverse = np.linalg.inv(cov)
        self.limit = float(_mahalanobis(z[keep], self.inverse).max())

    def _scores(self, frame: pd.DataFrame) -> np.ndarray:
        cols = []
        for name in self.outlier_cols:
            real = self.sorted[name]
            values = numbers(frame[name]).to_numpy(dtype=float)
            mid = (
                np.searchsorted(real, values, "left") + np.searchsorted(real, values, "right")
            ) / 2
            u = np.clip(mid / len(real), 0.5 / len(real), 1 - 0.5 / len(real))
            u[np.isnan(values)] = np.nan
            cols.append(stats.norm.ppf(u))
        return np.column_stack(cols)

    def check(self, frame: pd.DataFrame, seen: set[int] | None = None) -> list[str | None]:
        """The reason each row is rejected, or None when it is valid. ``seen`` holds the
        hashes of rows already accepted (updated), so duplicates across chunks are caught."""
        reasons: list[str | None] = [None] * len(frame)

        def reject(mask: pd.Series | np.ndarray, reason: str) -> None:
            for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
                if reasons[i] is None:
                    reasons[i] = reason

        for name in self.required:
            reject(frame[name].isna(), f"{name}: empty, as no real row is")
        for name in self.dates:
            values = frame[name].dropna().astype(str)
            bad = pd.to_datetime(values, errors="coerce", format="mixed").isna()
            reject(frame.index.isin(values[bad].index), f"{name}: not a date")
        for name in self.integers:
            values = numbers(frame[name])
            reject(values.notna() & (values.round() != values), f"{name}: not an integer")
        for name, (lo, hi) in self.ranges.items():
            values = numbers(frame[name])
            reject((values < lo) | (values > hi), f"{name}: outside the real range")
        for low, high in self.orders:
            a, b = numbers(frame[low]), numbers(frame[high])
            reject(a > b, f"{low} above {high}, as in no real row")
        for name, domain in self.domains.items():
            values = frame[name]
            reject(values.notna() & ~labels(values).isin(domain), f"{name}: value never seen")
        for name, texts in self.real_texts.items():
            reject(frame[name].astype(str).isin(texts), f"{name}: copies a real text")
        for name in self.emails:
            values = frame[name].dropna().astype(str)
            bad = ~values.str.match(EMAIL)
            reject(frame.index.isin(values[bad].index), f"{name}: not an email address")
        for condition in self.conditions:
            reject(~condition.holds(frame[condition.column]), f"breaks condition {condition}")
        if self.inverse is not None:
            z = self._scores(frame)
            reject(
                _mahalanobis(np.nan_to_num(z), self.inverse) > self.limit,
                "outlier: no real row has this combination of numbers",
            )
        content = [p.name for p in self.plans if p.kind not in ("key", "identifier")]
        hashes = pd.util.hash_pandas_object(frame[content].astype(str), index=False).to_numpy()
        seen = seen if seen is not None else set()
        for i, h in enumerate(hashes.tolist()):
            if reasons[i] is None:
                if h in seen:
                    reasons[i] = "duplicate of another synthetic row"
                else:
                    seen.add(h)
        return reasons


def _mahalanobis(z: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    return np.einsum("ij,jk,ik->i", z, inverse, z)


def _orders(reference: pd.DataFrame, numeric: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs (a, b) of numeric or datetime columns with a ≤ b in every real row where both
    are present (profit never above sales, a ship date never before its order date), kept
    only when the order is a relation between the columns and not just their ranges: with
    the pairing shuffled, at least 5% of rows would break it."""
    rng = np.random.default_rng(0)
    values = {n: numbers(reference[n]).to_numpy(dtype=float) for n in numeric}
    pairs = []
    for a in numeric:
        for b in numeric:
            x, y = values[a], values[b]
            both = ~np.isnan(x) & ~np.isnan(y)
            if a == b or both.sum() < 20:
                continue
            x, y = x[both], y[both]
            if not (x <= y).all() or not (x < y).any():
                continue
            if (x > rng.permutation(y)).mean() >= ORDER_SHUFFLED_BREAKS:
                pairs.append((a, b))
    return pairs


def _mostly_dates(values: pd.Series) -> bool:
    """Text that is a date in at least 90% of a sample of real values (and not bare numbers,
    which would parse as years)."""
    present = values.dropna().astype(str).head(200)
    if present.empty or pd.to_numeric(present, errors="coerce").notna().mean() > 0.5:
        return False
    parsed = pd.to_datetime(present, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.9)


def _mostly(values: pd.Series, pattern: re.Pattern[str]) -> bool:
    present = values.dropna().astype(str)
    return len(present) > 0 and present.str.match(pattern).mean() > 0.9
