"""Distance to closest record (DCR), exactly as SDMetrics defines it, computed with FAISS.

Per cell: a numeric column gives |s − r| / range (range of the real column, capped at 1; a
missing value is 1 from any present value and 0 from another missing one; a column whose real
range is 0 or undefined counts 0 if equal, else 1); a categorical column gives 0 if equal,
else 1 (compared as text, a missing value is its own category). A row's distance is the mean
over the columns, and a record's DCR is the minimum over the real records.

Every cell is encoded so that the L1 distance between two encoded rows is the sum of the cell
distances, and an exact ``IndexFlat(d, METRIC_L1)`` search with k=1 gives the minimum:

- numeric, t = (clip(v, min, max) − min) / range: the two coordinates (t/2, (1 − t)/2), whose
  L1 distance is |t_s − t_r|; a missing value is (−1/4, −1/4), at L1 distance exactly 1 from
  every present value and 0 from another missing one. Clipping the synthetic value to the real
  [min, max] keeps every cell at most 1; inside the range this is SDMetrics' capped cell
  exactly. Outside it the clipped cell can only be smaller than SDMetrics'
  min(|s − r| / range, 1), by at most the value's excess over the range divided by the range,
  so the DCR found is a lower bound of SDMetrics' DCR: the guard errs towards blocking.
- categorical with K real categories: the vertices ±e_i/2 of a cross-polytope, every pair of
  them 1 apart (the one-hot code scaled by 0.5 in half the dimensions); one more vertex stands
  for every category the real column does not have, 1 from each real category.

Many-valued categories (cities, postal codes) make that encoding wide, and a FAISS L1 search
costs per dimension. When the categorical dimensions outweigh the columns several times over,
the same sum is computed in numpy instead: the numeric coordinates' L1 plus, per categorical
column, whether the integer codes differ. Both give the same distances.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import pandas as pd

__all__ = [
    "MISSING",
    "RecordEncoder",
    "category_text",
    "check_roles",
    "nearest_distances",
    "row_keys",
]

MISSING = "\x00<missing>"  # the category of NaN/None; no real text starts with a NUL
_CHUNK_BYTES = 64 * 2**20  # encoded queries held at once
_MAX_INDEX_BYTES = 2 * 2**30  # encoded real rows; beyond this a column is surely an identifier
_NUMPY_WIDTH_RATIO = 4  # encoded width over column count beyond which numpy beats FAISS L1
_NUMPY_CELLS = 4_000_000  # query × real pairs summed at once by the numpy search


def check_roles(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str], *, what: str
) -> list[str]:
    """The compared columns, in order; ValueError if a role names a missing column, a column has
    two roles, no column is named, or a numeric column is not numeric."""
    columns = [*numeric, *categorical]
    if not columns:
        raise ValueError("No columns to compare: name at least one numeric or categorical column")
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise ValueError(f"Columns named twice in the column roles: {twice}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"The {what} table has no column {missing}")
    for name in numeric:
        series = frame[name]
        if not (
            pd.api.types.is_numeric_dtype(series) or series.isna().all()
        ) or pd.api.types.is_complex_dtype(series):
            raise ValueError(
                f"Numeric column {name!r} of the {what} table holds {series.dtype} values; "
                "convert datetimes to epoch seconds and pass text as categorical"
            )
    return columns


def numeric_values(series: pd.Series) -> np.ndarray:
    """A numeric column as float64, missing values as NaN."""
    return np.asarray(pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan), dtype=float)


def category_text(series: pd.Series) -> np.ndarray:
    """A column's cells as comparable text (object array): integral floats lose their ``.0`` so
    a code read as 3.0 next to missing values equals 3, and missing values are ``MISSING``."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(values) & (np.abs(values) < 2**53)
        integral[integral] = values[integral] == np.round(values[integral])
        text = values.astype(str).astype(object)
        text[integral] = values[integral].astype(np.int64).astype(str)
    else:
        # a copy: pandas hands out a read-only view (an empty column's, at least)
        text = np.array(series.astype(object).map(str), dtype=object)
    text[missing] = MISSING
    return np.asarray(text, dtype=object)


def row_keys(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> np.ndarray:
    """A 64-bit hash per row over the compared columns, equal exactly when the rows are equal
    cell by cell (numbers as float64, 0.0 == -0.0, NaN == NaN; categories as text)."""
    parts: dict[str, Any] = {}
    for name in numeric:
        parts[name] = numeric_values(frame[name]) + 0.0
    for name in categorical:
        parts[name] = category_text(frame[name])
    normal = pd.DataFrame(parts, index=pd.RangeIndex(len(frame)))
    return np.asarray(pd.util.hash_pandas_object(normal, index=False).to_numpy(), dtype=np.uint64)


@dataclass(frozen=True)
class _Numeric:
    name: str
    low: float
    span: float


@dataclass(frozen=True)
class _Categorical:
    name: str
    slots: dict[str, int]  # category -> signed slot: +k is +e_k/2, -k is -e_k/2 (k from 1)
    dims: int
    unseen: int  # the signed slot of every category the real column does not have


class RecordEncoder:
    """Encodes rows so L1 distance / n_columns is SDMetrics' row distance (see module doc)."""

    def __init__(self, real: pd.DataFrame, numeric: list[str], categorical: list[str]):
        self.columns = check_roles(real, numeric, categorical, what="real")
        self.numeric: list[_Numeric] = []
        self.categorical: list[_Categorical] = []
        for name in numeric:
            values = numeric_values(real[name])
            present = values[~np.isnan(values)]
            span = float(present.max() - present.min()) if present.size else 0.0
            if span > 0 and np.isfinite(span):
                self.numeric.append(_Numeric(name, float(present.min()), span))
            else:  # SDMetrics: range 0 (or none) counts equal 0, different 1
                self.categorical.append(self._categories(name, real[name]))
        for name in categorical:
            self.categorical.append(self._categories(name, real[name]))
        self.dim = 2 * len(self.numeric) + sum(c.dims for c in self.categorical)
        self.coded = self.dim > _NUMPY_WIDTH_RATIO * (2 * len(self.numeric) + len(self.categorical))
        if not self.coded and len(real) * self.dim * 4 > _MAX_INDEX_BYTES:
            wide = max(self.categorical, key=lambda c: c.dims, default=None)
            raise ValueError(
                f"Encoding {len(real)} rows in {self.dim} dimensions exceeds the memory bound; "
                f"drop identifier or free-text columns from the categorical ones "
                f"(widest: {wide.name if wide else '?'!r})"
            )

    @staticmethod
    def _categories(name: str, series: pd.Series) -> _Categorical:
        seen = pd.unique(category_text(series))
        slots = {str(v): (i // 2 + 1) * (1 if i % 2 == 0 else -1) for i, v in enumerate(seen)}
        n = len(seen)
        unseen = (n // 2 + 1) * (1 if n % 2 == 0 else -1)
        return _Categorical(name, slots, (n + 1 + 1) // 2, unseen)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    def encode_numbers(self, frame: pd.DataFrame) -> np.ndarray:
        """The numeric coordinates alone: float32 rows of width ``numeric_dims``."""
        out = np.zeros((len(frame), self.numeric_dims), dtype=np.float32)
        for j, col in enumerate(self.numeric):
            values = numeric_values(frame[col.name])
            t = (np.clip(values, col.low, col.low + col.span) - col.low) / col.span
            gone = np.isnan(t)
            out[:, 2 * j] = np.where(gone, -0.25, t / 2)
            out[:, 2 * j + 1] = np.where(gone, -0.25, (1 - t) / 2)
        return out

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """float32 rows of width ``dim``; frame must hold every compared column."""
        out = np.zeros((len(frame), self.dim), dtype=np.float32)
        at = self.numeric_dims
        out[:, :at] = self.encode_numbers(frame)
        for cat in self.categorical:
            text = category_text(frame[cat.name])
            signed = np.fromiter(
                (cat.slots.get(v, cat.unseen) for v in text), dtype=np.int64, count=len(text)
            )
            rows = np.arange(len(frame))
            out[rows, at + np.abs(signed) - 1] = np.where(signed > 0, 0.5, -0.5)
            at += cat.dims
        return out

    def codes(self, frame: pd.DataFrame) -> np.ndarray:
        """One integer per categorical cell (its signed slot: equal exactly when the
        categories are equal, the unseen ones included)."""
        out = np.zeros((len(frame), len(self.categorical)), dtype=np.int32)
        for j, cat in enumerate(self.categorical):
            text = category_text(frame[cat.name])
            out[:, j] = np.fromiter(
                (cat.slots.get(v, cat.unseen) for v in text), dtype=np.int32, count=len(text)
            )
        return out

    @property
    def numeric_dims(self) -> int:
        return 2 * len(self.numeric)

    def index(self, real: pd.DataFrame) -> Any:
        """An exact index over the rows of ``real``: FAISS L1 over the encoded rows, or, for
        wide categorical encodings, the numeric coordinates and category codes for numpy."""
        if self.coded:
            numbers = self.encode_numbers(real) if self.numeric else None
            return _CodedRows(numbers, self.codes(real))
        index = faiss.IndexFlat(self.dim, faiss.METRIC_L1)
        for start in range(0, len(real), self.chunk_rows):
            index.add(self.encode(real.iloc[start : start + self.chunk_rows]))
        return index

    @property
    def chunk_rows(self) -> int:
        return int(max(256, min(16_384, _CHUNK_BYTES // (4 * max(self.dim, 1)))))


@dataclass(frozen=True)
class _CodedRows:
    """Real rows as numeric coordinates (None without numeric columns) and category codes."""

    numbers: np.ndarray | None
    codes: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)


def _coded_search(
    encoder: RecordEncoder, real: _CodedRows, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The L1 sums and nearest positions, with categories compared as integer codes."""
    numbers = encoder.encode_numbers(frame) if real.numbers is not None else None
    codes = encoder.codes(frame)
    step = max(1, _NUMPY_CELLS // max(len(real), 1))
    sums = np.empty(len(frame), dtype=float)
    nearest = np.empty(len(frame), dtype=np.int64)
    for start in range(0, len(frame), step):
        stop = min(len(frame), start + step)
        total = np.zeros((stop - start, len(real)), dtype=np.float32)
        for j in range(codes.shape[1]):
            total += codes[start:stop, j, None] != real.codes[None, :, j]
        if numbers is not None and real.numbers is not None:
            for d in range(numbers.shape[1]):
                total += np.abs(numbers[start:stop, d, None] - real.numbers[None, :, d])
        nearest[start:stop] = total.argmin(axis=1)
        sums[start:stop] = total[np.arange(stop - start), nearest[start:stop]]
    return sums, nearest


def nearest_distances(
    encoder: RecordEncoder, index: Any, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """(DCR per row of ``frame``, position of its closest indexed row), queries in chunks."""
    if isinstance(index, _CodedRows):
        sums, nearest = _coded_search(encoder, index, frame)
        return np.clip(sums / encoder.n_columns, 0.0, 1.0), nearest
    n = len(frame)
    dcr = np.empty(n, dtype=float)
    nearest = np.empty(n, dtype=np.int64)
    for start in range(0, n, encoder.chunk_rows):
        stop = min(n, start + encoder.chunk_rows)
        distances, positions = index.search(encoder.encode(frame.iloc[start:stop]), 1)
        dcr[start:stop] = distances[:, 0].astype(float) / encoder.n_columns
        nearest[start:stop] = positions[:, 0]
    return np.clip(dcr, 0.0, 1.0), nearest
