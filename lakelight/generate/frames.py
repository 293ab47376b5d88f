"""Small conversions between catalog rows and the numbers the models and metrics use."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from lakelight.guard._dcr import category_text

_EPOCH = pd.Timestamp("1970-01-01")


def numbers(values: pd.Series) -> pd.Series:
    """Numbers as floats; datetimes as seconds since the epoch; anything else NaN."""
    if pd.api.types.is_datetime64_any_dtype(values) or _holds_datetimes(values):
        stamps = pd.to_datetime(values, errors="coerce")
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(None)
        return (stamps - _EPOCH) / pd.Timedelta(seconds=1)
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    return pd.to_numeric(values, errors="coerce").astype(float)


def to_datetimes(seconds: np.ndarray | pd.Series) -> pd.Series:
    """Seconds since the epoch back to timestamps (whole seconds), NaN to NaT."""
    values = pd.Series(np.asarray(seconds, dtype=float))
    return pd.to_datetime(values.round(), unit="s", errors="coerce")


def _holds_datetimes(values: pd.Series) -> bool:
    if values.dtype != object:
        return False
    present = values.dropna()
    return len(present) > 0 and isinstance(present.iloc[0], datetime)


def labels(values: pd.Series) -> pd.Series:
    """Values as comparable text labels, as the guard compares them (``category_text``):
    every kind of missing value is one label, and 31603.0 is 31603. (``astype(str)`` keeps
    missing values missing under pandas' string dtype, and groupby would drop them.)"""
    return pd.Series(category_text(values), index=values.index, dtype=object)
