"""One copula per combination of telling categories: a single Gaussian copula blurs
relations such as "defaulters carry high balances" (a 3% class is a thin slice of one normal
score), so the rows are split by the few-valued categories that say most about another column,
each part gets its own copula, and parts are drawn in their real proportions. Parts too small
to fit alone use the pooled copula conditioned on their values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from lakelight.generate.copula import GaussianCopula, category
from lakelight.generate.frames import labels
from lakelight.generate.privacy import Privacy

MAX_VALUES = 12  # a category with more values splits the rows too thin
MAX_STRATA = 24  # most combinations of stratum values
MIN_STRATUM_ROWS = 30  # a smaller part borrows the pooled copula, conditioned on its value
MIN_ASSOCIATION = 0.1  # below this the category says too little to be worth a split
SCORE_ROWS = 5_000  # rows the association scores are measured on
MIN_OBSERVED = 20  # candidates of a stratum seen before its losses are made up for
MAX_BOOST = 20.0  # most extra draws per kept row a stratum gets


def _eta(groups: pd.Series, values: pd.Series) -> float:
    """Correlation ratio of a numeric column's ranks by group: 0 unrelated, 1 determined."""
    ranks = values.rank(pct=True)
    present = ranks.notna()
    ranks, groups = ranks[present], groups[present]
    if len(ranks) < 3 or ranks.var() == 0:
        return 0.0
    means = ranks.groupby(groups).transform("mean")
    return float(np.sqrt(((means - ranks.mean()) ** 2).sum() / ((ranks - ranks.mean()) ** 2).sum()))


def _cramers_v(a: pd.Series, b: pd.Series) -> float:
    table = pd.crosstab(a, b).to_numpy(dtype=float)
    if min(table.shape) < 2:
        return 0.0
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / table.sum() / (min(table.shape) - 1)))


def choose_strata(
    frame: pd.DataFrame,
    numeric: Sequence[str],
    categorical: Sequence[str],
    prefer: str | None = None,
) -> list[str]:
    """Categorical columns (2–12 values each) to split the rows by, most telling first: each
    is strongly associated with some other column (rank correlation ratio or Cramér's V), and
    their value combinations stay few. ``prefer`` (the downstream label) comes first when it
    qualifies. Empty when none tells enough or the rows are too few to split. (Discrete
    numbers are left to the copula's rank correlations: splitting by them was measured to
    crowd out the categories that carry a label's relations.)"""
    if len(frame) < 2 * MIN_STRATUM_ROWS:
        return []
    frame = frame.sample(min(len(frame), SCORE_ROWS), random_state=0)
    text = {c: labels(frame[c]) for c in categorical}
    sizes = {c: text[c].nunique() for c in text}
    candidates = [c for c in text if 2 <= sizes[c] <= MAX_VALUES]
    scored: list[tuple[float, str]] = []
    for c in candidates:
        groups = text[c]
        scores = [_eta(groups, pd.to_numeric(frame[n], errors="coerce")) for n in numeric if n != c]
        scores += [_cramers_v(groups, text[o]) for o in categorical if o != c]
        best = max(scores, default=0.0)
        if best >= MIN_ASSOCIATION or c == prefer:
            scored.append((2.0 if c == prefer else best, c))
    chosen: list[str] = []
    combos = 1
    for _, c in sorted(scored, reverse=True):
        if combos * sizes[c] <= MAX_STRATA:
            chosen.append(c)
            combos *= sizes[c]
    return chosen


class StratifiedCopula:
    """The copula interface (``sample(n, fixed)``) over one copula per stratum."""

    def __init__(
        self,
        frame: pd.DataFrame,
        numeric: Sequence[str],
        categorical: Sequence[str],
        strata: Sequence[str],
        *,
        integer: Sequence[str],
        rng: np.random.Generator,
        privacy: Privacy | None = None,
    ):
        """Every copula gets the ``privacy`` levers; a stratum is fitted alone only when it
        holds ``MIN_STRATUM_ROWS`` rows and the privacy's ``rare`` count."""
        self.strata, self.rng = list(strata), rng
        min_rows = max(MIN_STRATUM_ROWS, privacy.rare if privacy else 0)

        def copula(columns: Sequence[str]) -> GaussianCopula:
            return GaussianCopula(numeric, columns, seed=int(rng.integers(2**31)), privacy=privacy)

        self.pooled = copula(categorical).fit(frame, integer=integer)
        rest = [c for c in categorical if c not in self.strata]
        groups = frame.groupby([labels(frame[c]) for c in self.strata], sort=True, dropna=False)
        self.shares: dict[tuple[str, ...], float] = {}
        self.values: dict[tuple[str, ...], dict[str, object]] = {}
        self.parts: dict[tuple[str, ...], GaussianCopula] = {}
        for key, rows in groups:
            key = tuple(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            self.shares[key] = len(rows) / len(frame)
            first = rows.iloc[0]
            self.values[key] = {c: category(first[c]) for c in self.strata}
            if len(rows) >= min_rows:
                self.parts[key] = copula(rest).fit(rows, integer=integer)
        self.made: Counter[tuple[str, ...]] = Counter()
        self.kept: Counter[tuple[str, ...]] = Counter()

    def _keys(self, frame: pd.DataFrame) -> list[tuple[str, ...]]:
        return [
            tuple(str(v) for v in key)
            for key in zip(*(labels(frame[c]) for c in self.strata), strict=True)
        ]

    def observe(self, made: pd.DataFrame, kept: pd.DataFrame) -> None:
        """Count which candidates of each stratum survived the validators and the guard, so
        later draws make up for the strata that lose more (early seasons fail more checks):
        the output keeps the real shares of the strata, and of their empty cells."""
        self.made.update(self._keys(made))
        self.kept.update(self._keys(kept))

    def _weights(self) -> np.ndarray:
        weights = []
        for key, share in self.shares.items():
            made, kept = self.made[key], self.kept[key]
            boost = min(MAX_BOOST, made / max(kept, 1)) if made >= MIN_OBSERVED else 1.0
            weights.append(share * boost)
        total = np.array(weights)
        return total / total.sum()

    def sample(self, n: int, fixed: Mapping[str, object] | None = None) -> pd.DataFrame:
        keys = list(self.shares)
        drawn = self.rng.choice(len(keys), size=n, p=self._weights())
        frames = []
        for i, key in enumerate(keys):
            count = int((drawn == i).sum())
            if not count:
                continue
            values = self.values[key]
            if key in self.parts:
                part = self.parts[key].sample(count, fixed)
                for column, value in values.items():
                    part[column] = [value] * count
            else:
                part = self.pooled.sample(count, {**(fixed or {}), **values})
            frames.append(part)
        out = pd.concat(frames, ignore_index=True)
        order = self.rng.permutation(len(out))  # strata interleaved, as real rows are
        return out.iloc[order].reset_index(drop=True)[self.pooled.columns]
