"""Every test gets its own workspace: LAKELIGHT_* variables point at tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests import data


@pytest.fixture(autouse=True)
def clean_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("LAKELIGHT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LAKELIGHT_HOME", str(tmp_path / "ws"))
    yield


@pytest.fixture(scope="session")
def fail2ban_logs() -> Path:
    return data.fail2ban_logs()


@pytest.fixture(scope="session")
def default() -> pd.DataFrame:
    """ISLP Default: 10,000 rows of default, student, balance, income (3.3% defaults)."""
    return pd.read_csv(data.islp_csv("Default"))


@pytest.fixture(scope="session")
def caravan() -> pd.DataFrame:
    """ISLP Caravan: 5,822 rows × 86 integer-coded columns and a Purchase label."""
    return pd.read_csv(data.islp_csv("Caravan"))


@pytest.fixture(scope="session")
def superstore_csv() -> Path:
    return data.superstore_csv()
