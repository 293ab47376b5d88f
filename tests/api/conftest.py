"""One real workspace for the API tests, shared by the module: Superstore sales open to every
key, Chinook's customers readable by group "support" and its employees by group "hr" (from a
second copy of the database, so they are two sources), and a key per kind of caller."""

from __future__ import annotations

import csv
import gzip
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lakelight.api import create_app
from lakelight.config import load_settings
from lakelight.workspace import Workspace
from tests import data
from tests.chinook import load_chinook

SALES_ROWS = 300


@dataclass
class Served:
    ws: Workspace
    client: TestClient
    keys: dict[str, str]  # key name → secret
    root: Path  # the one folder callers may ingest files from
    chinook: Path

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}


def sales_csv(path: Path, n: int = SALES_ROWS) -> Path:
    with gzip.open(data.superstore_csv(), "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))[: n + 1]
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def build(home: Path, **settings: object) -> Served:
    root = home / "lake"
    root.mkdir(parents=True)
    chinook = home / "chinook.db"
    load_chinook(f"sqlite:///{chinook}")
    staff = home / "staff.db"
    shutil.copy(chinook, staff)
    ws = Workspace(
        load_settings(
            home=str(home / "ws"),
            llm_backend="none",
            ingest_roots=[str(root)],
            api_rate_limit=0,
            **settings,
        )
    )
    ws.ingest(str(sales_csv(root / "sales.csv")), table="sales")
    ws.ingest(f"sqlite:///{chinook}", table="Customer", groups=["support"])
    ws.ingest(f"sqlite:///{staff}", table="Employee", groups=["hr"])
    keys = {
        "nogroup": ws.create_key("nogroup", "")[1],
        "support": ws.create_key("support", "support")[1],
        "hr": ws.create_key("hr", "hr")[1],
        "admin": ws.create_key("admin", "", "admin")[1],
        "loader": ws.create_key("loader", "support", "ingest")[1],
    }
    return Served(ws, TestClient(create_app(ws)), keys, root, chinook)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = build(tmp_path_factory.mktemp("api"))
    with s.client:
        yield s
    s.ws.close()
