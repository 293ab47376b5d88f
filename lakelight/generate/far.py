"""The ``far`` privacy lever: most synthetic rows lie at least a set share of the random
baseline's distance from every real row.

DCR baseline protection (``quality.py``) is the median distance of synthetic rows to their
closest real row over that of random rows. A model that draws rows where real rows are dense
puts most of them near some real row; blocking every row closer than the target distance (a
threshold floor) would take all the rows of the dense middle away, and the column shapes with
them. ``FarFilter`` keeps every candidate at or beyond the target distance and, of the closer
ones, only as many as keep ``FAR_SHARE`` of the kept rows far: the median then sits beyond the
target while the near half still follows the model, so the output leaves the real rows' shape
by half as much as a floor would. Which rows are near is measured exactly, against the rows the
quality report compares with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lakelight.guard.leakage import dcr_to_real

__all__ = ["FAR_SHARE", "FarFilter"]

FAR_SHARE = 0.55  # share of kept rows at or beyond the target distance (the median: 0.5)
RANDOM_ROWS = 2_000  # random rows whose median distance sets the scale


class FarFilter:
    """Keeps ``FAR_SHARE`` of the rows at ``protection`` × the random rows' median DCR."""

    def __init__(
        self,
        real: pd.DataFrame,
        numeric: Sequence[str],
        categorical: Sequence[str],
        protection: float,
        *,
        seed: int = 0,
    ):
        from lakelight.generate.quality import random_baseline

        self.real, self.numeric, self.categorical = real, list(numeric), list(categorical)
        random = random_baseline(
            real, self.numeric, self.categorical, min(RANDOM_ROWS, max(len(real), 50)), seed=seed
        )
        self.random_median = float(
            np.median(dcr_to_real(random, real, self.numeric, self.categorical))
        )
        self.threshold = protection * self.random_median
        self.far = 0
        self.near = 0

    def keep(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` to keep: every far one, near ones while the share holds."""
        if frame.empty:
            return np.zeros(0, dtype=bool)
        dcr = dcr_to_real(frame, self.real, self.numeric, self.categorical)
        keep = np.zeros(len(frame), dtype=bool)
        for i, far in enumerate((dcr >= self.threshold).tolist()):
            if far:
                self.far += 1
                keep[i] = True
            elif (self.near + 1) * FAR_SHARE <= self.far * (1 - FAR_SHARE):
                self.near += 1
                keep[i] = True
        return keep

    def is_far(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows lie at or beyond the target distance (counted nowhere)."""
        if frame.empty:
            return np.zeros(0, dtype=bool)
        return dcr_to_real(frame, self.real, self.numeric, self.categorical) >= self.threshold

    def report(self) -> dict[str, float | int]:
        return {
            "threshold": round(self.threshold, 6),
            "random_median": round(self.random_median, 6),
            "far_rows": self.far,
            "near_rows": self.near,
        }
