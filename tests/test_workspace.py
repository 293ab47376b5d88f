"""The Workspace as a server shares it: parts built once across threads, faces' rules inside."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lakelight.config import load_settings
from lakelight.errors import NothingIngestedError
from lakelight.workspace import Workspace


def test_parts_are_built_once_across_threads(tmp_path: Path) -> None:
    ws = Workspace(load_settings(home=str(tmp_path / "ws")))
    barrier = threading.Barrier(8)
    seen: list[object] = []

    def grab() -> None:
        barrier.wait()
        seen.append(ws.catalog)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and len({id(c) for c in seen}) == 1
    ws.close()


def test_search_on_an_empty_workspace_says_nothing_is_ingested(tmp_path: Path) -> None:
    ws = Workspace(load_settings(home=str(tmp_path / "ws")))
    with pytest.raises(NothingIngestedError, match="Nothing ingested yet"):
        ws.search("anything")
    assert "embedder" not in ws.__dict__  # refused before any model loaded
    ws.close()


def test_scan_counts_findings_by_type(tmp_path: Path) -> None:
    ws = Workspace(load_settings(home=str(tmp_path / "ws")))
    scan = ws.scan_pii("Write to ana.silva@example.pt or call +351 912 345 678")
    assert scan["counts"].get("EMAIL_ADDRESS") == 1
    assert all("ana.silva" not in str(f) for f in scan["findings"])
    assert "catalog" not in ws.__dict__  # a scan opens no catalog
    ws.close()
