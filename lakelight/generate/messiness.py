"""Messiness: synthetic rows as untidy as the real ones, at the real rates.

Generators are cleaner than life: Faker never leaves a name empty, the outlier filter lets no
odd number through, and a category spelt two ways loses its rare spelling when rare values
are merged. ``Messiness.fit`` measures three kinds of noise in the example rows, and
``inject`` tops the synthetic rows up to the same rates, never beyond:

- **nulls** (always): the share of empty cells per column, within each stratum of the run
  (the categories it was split by), so "no email for walk-in customers" stays where it was;
- **misspellings** (``--messiness``): spellings of a category that other rows write another
  way, found in the data itself: the same text up to case, spaces and punctuation
  ("Toa Baja", "Toabaja"), or two neighbouring letters swapped in a value ten times as rare
  ("La Habnaa" beside "La Habana"). Other one-letter differences are left alone: they are
  mostly other places (Boston, Bolton). A synthetic cell holding the common spelling is
  replaced by one of its real variants, in their real proportions;
- **outliers** (``--messiness``): numbers beyond the real column's far fences (quartiles ∓ 3
  IQR); a cell is replaced by a value drawn between the fence and the real extreme, so it
  stays within the real range (and, written as precisely as the real values, still beyond
  the fence).

Misspellings and outliers are topped up to the real rate over the rows output so far
(``record``) plus the rows at hand, not per round: a run's rounds are small or cut (the last
one makes more rows than it keeps, and drops the rest at random), and a per-round rate lost
a few rows' noise to each. ``inject`` on the kept rows of a round (``synthesize``) then makes
up what the cut took. What was injected is counted per column and kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lakelight.generate.copula import decimals_of
from lakelight.generate.frames import labels, numbers
from lakelight.generate.plan import ColumnPlan

__all__ = ["Messiness", "missing_report", "null_shares"]

_FENCE = 3.0  # IQRs beyond the quartiles where a number is an outlier
_COMMON = 10  # a one-edit variant must be this many times rarer than its common spelling
_MIN_LENGTH = 5  # shorter values are too often one edit apart by chance (CA / PA)
_MAX_VALUES = 5_000  # columns with more distinct values are names, not categories
_TEXT_KINDS = ("categorical", "derived", "constant")


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _swaps(text: str) -> list[str]:
    """``text`` with each pair of neighbouring letters swapped (the commonest typo)."""
    return [text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in range(len(text) - 1)]


def misspellings(values: pd.Series) -> dict[str, dict[str, int]]:
    """{common spelling: {variant: real count}} of one text column (module docstring)."""
    counts = values.dropna().astype(str).value_counts()
    if len(counts) < 2 or len(counts) > _MAX_VALUES:
        return {}
    out: dict[str, dict[str, int]] = {}
    by_normal: dict[str, str] = {}
    for value in counts.index:  # most common first: the first spelling of a form is its own
        key = _normal(value)
        if key and key in by_normal:
            out.setdefault(by_normal[key], {})[value] = int(counts[value])
        else:
            by_normal.setdefault(key, value)
    seen = {v for variants in out.values() for v in variants}
    for value in counts.index:
        if len(value) < _MIN_LENGTH or value in seen:
            continue
        for swapped in _swaps(value):
            if swapped != value and counts.get(swapped, 0) >= _COMMON * counts[value]:
                out.setdefault(swapped, {})[value] = int(counts[value])
                break
    return out


def null_shares(
    frame: pd.DataFrame, columns: Sequence[str], strata: Sequence[str]
) -> dict[tuple[str, ...], dict[str, float]]:
    """{stratum key: {column: share of empty cells}}; the key () is the whole frame."""
    out: dict[tuple[str, ...], dict[str, float]] = {
        (): {c: float(frame[c].isna().mean()) for c in columns}
    }
    if strata and not frame.empty:
        keys = [labels(frame[s]) for s in strata]
        for key, rows in frame.groupby(keys, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            out[tuple(str(k) for k in key)] = {c: float(rows[c].isna().mean()) for c in columns}
    return out


@dataclass(frozen=True)
class _Fences:
    low: float  # below this a number is an outlier
    high: float  # above this too
    lowest: float  # the real extremes, which injected outliers stay within
    highest: float
    above: float  # share of the real outliers above ``high``
    decimals: int | None  # as precisely as the real values are written


@dataclass
class Messiness:
    """The real rates of nulls, misspellings and outliers, and what ``inject`` added."""

    strata: list[str]
    nulls: dict[tuple[str, ...], dict[str, float]]
    variants: dict[str, dict[str, dict[str, int]]]  # column -> common spelling -> variants
    variant_rates: dict[str, float]  # column -> share of real rows holding a variant
    fences: dict[str, _Fences]
    outlier_rates: dict[str, float]
    noise: bool  # misspellings and outliers too, not only nulls
    injected: dict[str, dict[str, int]] = field(default_factory=dict)
    # per column, in the rows output so far: [cells holding a variant or outlier, cells]
    output: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        reference: pd.DataFrame,
        plans: Sequence[ColumnPlan],
        strata: Sequence[str],
        *,
        noise: bool,
    ) -> Messiness:
        made = [p.name for p in plans if p.kind not in ("key", "empty")]
        nulls = null_shares(reference, made, [s for s in strata if s in reference])
        variants: dict[str, dict[str, dict[str, int]]] = {}
        rates: dict[str, float] = {}
        for p in plans:
            if p.kind in _TEXT_KINDS and p.type == "string":
                found = misspellings(reference[p.name])
                if found:
                    variants[p.name] = found
                    held = sum(n for v in found.values() for n in v.values())
                    rates[p.name] = held / max(1, int(reference[p.name].notna().sum()))
        fences: dict[str, _Fences] = {}
        outliers: dict[str, float] = {}
        for p in plans:
            if p.kind != "numeric":
                continue
            values = numbers(reference[p.name]).dropna().to_numpy(dtype=float)
            if len(values) < 20:
                continue
            q1, q3 = np.quantile(values, [0.25, 0.75])
            low, high = q1 - _FENCE * (q3 - q1), q3 + _FENCE * (q3 - q1)
            out = (values < low) | (values > high)
            if out.any() and q3 > q1:
                above = float(np.mean(values[out] > high))
                fences[p.name] = _Fences(
                    low, high, float(values.min()), float(values.max()), above, decimals_of(values)
                )
                outliers[p.name] = float(out.mean())
        return cls(list(strata), nulls, variants, rates, fences, outliers, noise)

    def inject(self, frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """``frame`` with noise topped up to the real rates; counts added to ``injected``."""
        if frame.empty:
            return frame
        frame = frame.copy()
        self._nulls(frame, rng)
        if self.noise:
            self._noise(frame, rng)
        return frame

    def _noise(self, frame: pd.DataFrame, rng: np.random.Generator) -> None:
        for name, common in self.variants.items():
            self._misspell(frame, name, common, rng)
        for name in self.fences:
            self._outliers(frame, name, rng)

    def top_up(
        self,
        frame: pd.DataFrame,
        rng: np.random.Generator,
        passes: Callable[[pd.DataFrame, pd.DataFrame], np.ndarray],
    ) -> pd.DataFrame:
        """The rows a round outputs, with the misspellings and outliers its cut took made up
        (module docstring), then ``record``-ed. A changed row is kept only where
        ``passes(before, after)`` (the guard's checks, on the changed rows), else as it was."""
        if self.noise and not frame.empty:
            before = frame.reset_index(drop=True)
            after = before.copy()
            self._noise(after, rng)
            changed = ~(before.eq(after) | (before.isna() & after.isna())).all(axis=1).to_numpy()
            if changed.any():
                rows = np.flatnonzero(changed)
                ok = passes(before.iloc[rows], after.iloc[rows])
                back = rows[~ok]
                for name in (*self.variants, *self.fences):
                    if name in after and len(back):
                        moved = int((before[name].iloc[back] != after[name].iloc[back]).sum())
                        kind = "misspellings" if name in self.variants else "outliers"
                        self._count(kind, name, -moved)
                after.iloc[back] = before.iloc[back]
            frame = after
        self.record(frame)
        return frame

    def _count(self, kind: str, column: str, n: int) -> None:
        if n:
            per_kind = self.injected.setdefault(kind, {})
            per_kind[column] = per_kind.get(column, 0) + n
            if not per_kind[column]:
                del per_kind[column]

    def record(self, frame: pd.DataFrame) -> None:
        """Count the noise of rows that were output, which later rounds' rates include."""
        if not self.noise or frame.empty:
            return
        for name in self.variants:
            if name in frame:
                held, cells = self._variant_cells(frame[name])
                self._add_output(name, int(held.sum()), cells)
        for name in self.fences:
            if name in frame:
                held, cells = self._outlier_cells(frame[name])
                self._add_output(name, int(held.sum()), cells)

    def _add_output(self, name: str, held: int, cells: int) -> None:
        counts = self.output.setdefault(name, [0, 0])
        counts[0] += held
        counts[1] += cells

    def _wanted(self, name: str, rate: float, held: int, cells: int) -> int:
        """Cells to add so the rows output so far plus these hold ``rate`` of noise."""
        before_held, before_cells = self.output.get(name, (0, 0))
        return round(rate * (before_cells + cells)) - before_held - held

    def _variant_cells(self, column: pd.Series) -> tuple[pd.Series, int]:
        text = column.astype(object)
        variants = {v for vs in self.variants[column.name].values() for v in vs}
        return text.isin(variants), int(text.notna().sum())

    def _outlier_cells(self, column: pd.Series) -> tuple[pd.Series, int]:
        fence = self.fences[str(column.name)]
        values = pd.to_numeric(column, errors="coerce")
        return (values < fence.low) | (values > fence.high), int(values.notna().sum())

    def _nulls(self, frame: pd.DataFrame, rng: np.random.Generator) -> None:
        groups: list[tuple[dict[str, float], np.ndarray]] = []
        strata = [s for s in self.strata if s in frame]
        if strata and len(self.nulls) > 1:
            keys = list(zip(*(labels(frame[s]) for s in strata), strict=True))
            for key in set(keys):
                shares = self.nulls.get(tuple(str(k) for k in key), self.nulls[()])
                groups.append((shares, np.array([k == key for k in keys])))
        else:
            groups.append((self.nulls[()], np.ones(len(frame), dtype=bool)))
        for shares, rows in groups:
            for column, share in shares.items():
                if share <= 0 or column not in frame:
                    continue
                cells = frame[column][rows]
                want = round(share * len(cells)) - int(cells.isna().sum())
                present = cells.index[cells.notna().to_numpy()]
                if want > 0 and len(present):
                    chosen = rng.choice(present, size=min(want, len(present)), replace=False)
                    frame.loc[chosen, column] = None
                    self._count("nulls", column, len(chosen))

    def _misspell(
        self,
        frame: pd.DataFrame,
        name: str,
        common: dict[str, dict[str, int]],
        rng: np.random.Generator,
    ) -> None:
        if name not in frame:
            return
        text = frame[name].astype(object)
        held, cells = self._variant_cells(frame[name])
        want = self._wanted(name, self.variant_rates[name], int(held.sum()), cells)
        candidates = text.index[text.isin(list(common)).to_numpy()]
        if want <= 0 or not len(candidates):
            return
        chosen = rng.choice(candidates, size=min(want, len(candidates)), replace=False)
        for i in chosen:
            spellings = common[str(text[i])]
            names, counts = list(spellings), np.array(list(spellings.values()), dtype=float)
            frame.loc[i, name] = names[int(rng.choice(len(names), p=counts / counts.sum()))]
        self._count("misspellings", name, len(chosen))

    def _outliers(self, frame: pd.DataFrame, name: str, rng: np.random.Generator) -> None:
        if name not in frame or pd.api.types.is_datetime64_any_dtype(frame[name]):
            return
        fence = self.fences[name]
        values = pd.to_numeric(frame[name], errors="coerce")
        present = values.notna()
        held, cells = self._outlier_cells(frame[name])
        want = self._wanted(name, self.outlier_rates[name], int(held.sum()), cells)
        candidates = values.index[(present & values.between(fence.low, fence.high)).to_numpy()]
        if want <= 0 or not len(candidates):
            return
        chosen = rng.choice(candidates, size=min(want, len(candidates)), replace=False)
        k = len(chosen)
        above = rng.random(k) < fence.above  # each side as often as in the real rows
        up = rng.uniform(fence.high, max(fence.high, fence.highest), k)
        down = rng.uniform(min(fence.low, fence.lowest), fence.low, k)
        integer = pd.api.types.is_integer_dtype(frame[name])
        decimals = 0 if integer else fence.decimals
        if decimals is not None:  # as precisely as the real values, and still beyond the fence
            step = 10.0**-decimals
            up = np.maximum(up.round(decimals), (np.floor(fence.high / step) + 1) * step)
            down = np.minimum(down.round(decimals), (np.ceil(fence.low / step) - 1) * step)
        drawn = np.where(above, up, down)
        if integer:
            frame.loc[chosen, name] = np.round(drawn).astype(np.int64)
        else:
            frame.loc[chosen, name] = drawn if decimals is None else drawn.round(decimals)
        self._count("outliers", name, k)

    def report(self) -> dict[str, Any]:
        """The real rates and what was injected, JSON-ready."""
        return {
            "noise": self.noise,
            "real_rates": {
                "nulls": {c: s for c, s in self.nulls[()].items() if s > 0},
                "misspellings": self.variant_rates,
                "outliers": self.outlier_rates,
            },
            "variants": {
                c: {k: sorted(v) for k, v in common.items()} for c, common in self.variants.items()
            },
            "injected": self.injected,
        }


MAX_MISSING_ROWS = 40  # rows of the missing-values table, largest gap first


def missing_report(
    real: pd.DataFrame, synthetic: pd.DataFrame, columns: Sequence[str], strata: Sequence[str]
) -> dict[str, Any]:
    """Shares of empty cells, real vs synthetic, per column and per stratum, for the columns
    that have any: {worst_gap, rows: [{stratum, column, real, synthetic}]} (largest gap first;
    the stratum "all" is the whole table)."""
    columns = [c for c in columns if c in real and c in synthetic]
    strata = [s for s in strata if s in real and s in synthetic]
    real_shares = null_shares(real, columns, strata)
    synthetic_shares = null_shares(synthetic, columns, strata)
    rows: list[dict[str, Any]] = []
    for key, shares in real_shares.items():
        made = synthetic_shares.get(key)
        if made is None:
            continue
        name = ", ".join(f"{s}={v}" for s, v in zip(strata, key, strict=True)) if key else "all"
        for column, share in shares.items():
            if share > 0 or made[column] > 0:
                rows.append(
                    {"stratum": name, "column": column, "real": share, "synthetic": made[column]}
                )
    rows.sort(key=lambda r: -abs(r["real"] - r["synthetic"]))
    worst = abs(rows[0]["real"] - rows[0]["synthetic"]) if rows else 0.0
    return {"worst_gap": worst, "rows": rows[:MAX_MISSING_ROWS], "total_rows": len(rows)}
