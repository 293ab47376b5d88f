"""A Gaussian copula over numeric and categorical columns, with empirical marginals.

Each column is mapped to a standard normal score through its own empirical distribution:
numbers by rank (ties spread at random), categories by the interval their frequency takes in
[0, 1]. The scores' correlation (Ledoit-Wolf shrunk, so a few examples over many columns still
give a valid matrix) carries the joint structure; sampling draws correlated normals and maps
each back through the column's inverse empirical distribution. Continuous columns interpolate
between real values (new numbers within the real range), discrete ones (few distinct values,
integer codes) keep exactly the real support, so marginals match and 100,000 rows take well
under a second.

Conditions on a column fix its score's interval, and the other columns are drawn from the
normal conditional on it, so a rare category can be boosted without rejection sampling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.covariance import LedoitWolf

from lakelight.generate.privacy import Privacy

_EPS = 1e-6
DISCRETE_MAX_DISTINCT = 30  # numeric columns with at most this many values keep their support


def decimals_of(values: np.ndarray, most: int = 6) -> int | None:
    """The fewest decimals that write 99% of ``values`` exactly (cents: 2), None if more
    than ``most`` are needed."""
    sample = values[:5000]
    for d in range(most + 1):
        if np.mean(np.isclose(np.round(sample, d), sample, rtol=0, atol=1e-9)) >= 0.99:
            return d
    return None


@dataclass
class _Numeric:
    sorted_values: np.ndarray
    discrete: bool
    integer: bool
    null_share: float
    decimals: int | None = None  # synthetic values are written as precisely as real ones

    def to_uniform(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = len(self.sorted_values)
        lo = np.searchsorted(self.sorted_values, values, side="left")
        hi = np.searchsorted(self.sorted_values, values, side="right")
        ranks = lo + rng.random(len(values)) * (hi - lo)  # ties spread uniformly
        return np.clip(ranks / n, _EPS, 1 - _EPS)

    def from_uniform(self, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        del rng  # the interface of _Categorical.from_uniform
        vals = self.sorted_values
        if self.discrete or len(vals) == 1:
            idx = np.minimum((u * len(vals)).astype(int), len(vals) - 1)
            return vals[idx]
        # linear interpolation of the empirical quantile function (Hazen plotting positions)
        positions = (np.arange(len(vals)) + 0.5) / len(vals)
        out = np.interp(u, positions, vals)
        if self.integer:
            return np.round(out)
        return out if self.decimals is None else np.round(out, self.decimals)


@dataclass
class _Categorical:
    categories: list[object]
    cumulative: np.ndarray  # upper edge of each category's interval, last = 1
    # rare categories generalized into one slot (the last), drawn by frequency within it
    rare: list[object] = field(default_factory=list)
    rare_shares: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def slot(self, value: object) -> int:
        value = category(value)
        return len(self.categories) - 1 if value in self.rare else self.categories.index(value)

    def interval(self, index: int) -> tuple[float, float]:
        lo = 0.0 if index == 0 else float(self.cumulative[index - 1])
        return lo, float(self.cumulative[index])

    def to_uniform(self, values: Sequence[object], rng: np.random.Generator) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.categories)}
        index.update({c: len(self.categories) - 1 for c in self.rare})
        idx = np.array([index[category(v)] for v in values])
        lo = np.concatenate([[0.0], self.cumulative[:-1]])[idx]
        hi = self.cumulative[idx]
        return np.clip(lo + rng.random(len(idx)) * (hi - lo), _EPS, 1 - _EPS)

    def from_uniform(self, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        idx = np.minimum(
            np.searchsorted(self.cumulative, u, side="right"), len(self.categories) - 1
        )
        out = np.empty(len(u), dtype=object)
        out[:] = [self.categories[i] for i in idx]
        if self.rare:
            grouped = idx == len(self.categories) - 1
            members = np.empty(len(self.rare), dtype=object)
            members[:] = self.rare
            out[grouped] = rng.choice(members, size=int(grouped.sum()), p=self.rare_shares)
        return out


def category(value: object) -> object:
    """Categories compare as themselves, with every kind of missing value as one category."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value


class GaussianCopula:
    """Fit to a frame's ``numeric`` and ``categorical`` columns; sample new rows."""

    def __init__(
        self,
        numeric: Sequence[str],
        categorical: Sequence[str],
        *,
        seed: int = 0,
        privacy: Privacy | None = None,
    ):
        """``privacy``: its spread, shrink and rare levers shape the model (see
        ``lakelight.generate.privacy``); None is the plain empirical copula."""
        self.numeric, self.categorical = list(numeric), list(categorical)
        self.shrink = privacy.shrink if privacy else 0.0
        self.rare = privacy.rare if privacy else 0
        self.spread = 1.0 + (privacy.spread if privacy else 0.0)
        self.columns = [*self.numeric, *self.categorical]
        self.rng = np.random.default_rng(seed)
        self.marginals: dict[str, _Numeric | _Categorical] = {}
        self.corr = np.eye(len(self.columns))

    def fit(self, frame: pd.DataFrame, *, integer: Sequence[str] = ()) -> GaussianCopula:
        if frame.empty:
            raise ValueError("cannot fit a copula to no rows")
        scores = np.zeros((len(frame), len(self.columns)))
        for j, name in enumerate(self.columns):
            marginal: _Numeric | _Categorical
            if name in self.numeric:
                values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
                present = ~np.isnan(values)
                real = np.sort(values[present]) if present.any() else np.array([np.nan])
                marginal = _Numeric(
                    real,
                    discrete=len(np.unique(real)) <= DISCRETE_MAX_DISTINCT,
                    integer=name in integer,
                    null_share=float(1 - present.mean()),
                    decimals=decimals_of(real) if present.any() else None,
                )
                u = np.full(len(values), 0.5)
                if present.any():
                    u[present] = marginal.to_uniform(values[present], self.rng)
                    u[~present] = self.rng.random((~present).sum())  # nulls carry no signal
            else:
                cats = [category(v) for v in frame[name].tolist()]
                marginal = self._categories(cats)
                u = marginal.to_uniform(cats, self.rng)
            self.marginals[name] = marginal
            scores[:, j] = stats.norm.ppf(u)
        if len(self.columns) > 1 and len(frame) > 1:
            cov = LedoitWolf().fit(scores).covariance_
            d = np.sqrt(np.clip(np.diag(cov), _EPS, None))
            self.corr = cov / np.outer(d, d) * (1 - self.shrink)
            np.fill_diagonal(self.corr, 1.0)
        return self

    def _categories(self, cats: list[object]) -> _Categorical:
        """A column's categories, most frequent first; with ``rare``, the categories held by
        fewer rows (two or more of them, missing values never) share one last slot."""
        counts = pd.Series(cats, dtype=object).value_counts(dropna=False, sort=True)
        names, sizes = [category(c) for c in counts.index], counts.to_numpy(dtype=float)
        rare = (sizes < self.rare) & np.array([name is not None for name in names])
        members: list[object] = []
        shares = np.zeros(0)
        if rare.sum() >= 2:
            members = [names[i] for i in np.flatnonzero(rare)]
            shares = sizes[rare] / sizes[rare].sum()
            names = [names[i] for i in np.flatnonzero(~rare)] + [members[0]]
            sizes = np.append(sizes[~rare], sizes[rare].sum())
        cumulative = np.cumsum(sizes) / sizes.sum()
        cumulative[-1] = 1.0
        return _Categorical(names, cumulative, members, shares)

    def _interval(self, name: str, value: object) -> tuple[float, float]:
        """The normal-score interval where ``name`` equals ``value``."""
        marginal = self.marginals[name]
        if isinstance(marginal, _Categorical):
            if category(value) not in (*marginal.categories, *marginal.rare):
                raise KeyError(value)
            lo, hi = marginal.interval(marginal.slot(value))
        else:
            vals, number = marginal.sorted_values, float(value)  # type: ignore[arg-type]
            lo = float(np.searchsorted(vals, number, side="left")) / len(vals)
            hi = float(np.searchsorted(vals, number, side="right")) / len(vals)
            if hi <= lo:  # a value between real ones: a point on the quantile function
                lo = hi = float(np.interp(number, vals, (np.arange(len(vals)) + 0.5) / len(vals)))
        return float(stats.norm.ppf(max(lo, _EPS))), float(stats.norm.ppf(min(hi, 1 - _EPS)))

    def sample(self, n: int, fixed: Mapping[str, object] | None = None) -> pd.DataFrame:
        """``n`` rows; ``fixed`` columns equal their given value and the rest follow the
        copula conditioned on them."""
        fixed = {k: v for k, v in (fixed or {}).items() if k in self.marginals}
        k = len(self.columns)
        z = np.empty((n, k))
        cond = [self.columns.index(c) for c in fixed]
        free = [j for j in range(k) if j not in cond]
        for j, name in zip(cond, fixed, strict=True):
            a, b = self._interval(name, fixed[name])
            z[:, j] = a if a == b else stats.truncnorm.rvs(a, b, size=n, random_state=self.rng)
        if free:
            mean = np.zeros((n, len(free)))
            cov = self.corr[np.ix_(free, free)]
            if cond:
                s12 = self.corr[np.ix_(free, cond)]
                s22 = self.corr[np.ix_(cond, cond)]
                gain = s12 @ np.linalg.pinv(s22)
                mean = z[:, cond] @ gain.T
                cov = cov - gain @ s12.T
            cov = (cov + cov.T) / 2 + np.eye(len(free)) * 1e-9
            w, v = np.linalg.eigh(cov)
            root = v * np.sqrt(np.clip(w, 0, None))
            z[:, free] = mean + self.rng.standard_normal((n, len(free))) @ root.T * self.spread
        u = np.clip(stats.norm.cdf(z), _EPS, 1 - _EPS)
        out: dict[str, object] = {}
        for j, name in enumerate(self.columns):
            marginal = self.marginals[name]
            col = marginal.from_uniform(u[:, j], self.rng)
            if isinstance(marginal, _Numeric) and marginal.null_share > 0 and name not in fixed:
                col = col.astype(float)
                col[self.rng.random(n) < marginal.null_share] = np.nan
            out[name] = col
        frame = pd.DataFrame(out)
        for name, value in fixed.items():
            frame[name] = [value] * n
        return frame
