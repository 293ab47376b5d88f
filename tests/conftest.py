"""Every test gets its own workspace: LAKELIGHT_* variables point at tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
def superstore_csv() -> Path:
    return data.superstore_csv()
