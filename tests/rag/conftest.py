"""Catalogs built by the real ingest path without embeddings: Superstore, Chinook and fail2ban
logs, in SQLite (session-scoped) or any database URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lakelight.index.catalog import Catalog
from tests.lake import build_lake


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    home = tmp_path_factory.mktemp("lake")
    catalog = build_lake(f"sqlite:///{home / 'catalog.db'}", home)
    yield catalog
    catalog.close()
