"""Ingest runs end to end on the real embedding model: incremental, idempotent, crash-safe."""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lakelight.config import load_settings
from lakelight.errors import SourceError
from lakelight.workspace import Workspace
from tests import data

ROOT = Path(__file__).resolve().parents[2]


def superstore_rows(n: int) -> list[dict[str, str]]:
    with gzip.open(data.superstore_csv(), "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[:n]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def consistent(ws: Workspace) -> None:
    """Catalog, FAISS and the keyword index hold exactly the same records."""
    truth = ws.catalog.all_vids()
    assert set(ws.indexes.vectors.ids().tolist()) == truth
    assert ws.indexes.keywords.ids() == truth


def test_reingest_is_incremental(tmp_path: Path) -> None:
    rows = [dict(r, order_id=f"ORD-{i:05d}") for i, r in enumerate(superstore_rows(120))]
    src = write_csv(tmp_path / "orders.csv", rows)
    ws = Workspace()
    first = ws.ingest(str(src))
    assert first.counts == {
        "read": 120,
        "new": 120,
        "changed": 0,
        "unchanged": 0,
        "removed": 0,
        "rejected": 0,
    }
    consistent(ws)
    (info,) = ws.tables()
    assert info.key_origin == "id_column" and info.row_count == 120
    assert info.profile and info.profile["Region"]["distinct"] == len({r["Region"] for r in rows})

    calls: list[int] = []
    real_embed = ws.embedder.embed
    ws.indexes.embedder = type(
        "Spy",
        (),
        {"embed": lambda _, t: calls.append(len(t)) or real_embed(t), "dim": ws.embedder.dim},
    )()
    again = ws.ingest(str(src))
    assert again.counts["unchanged"] == 120 and again.counts["new"] == 0
    assert sum(calls) == 0  # nothing re-embedded

    rows[3]["Sales"] = "99999.5"
    del rows[10:15]
    rows.append(dict(rows[0], order_id="ORD-NEW01", City="Reykjavik"))
    write_csv(src, rows)
    third = ws.ingest(str(src))
    assert (third.counts["changed"], third.counts["removed"], third.counts["new"]) == (1, 5, 1)
    assert sum(calls) == 2  # only the changed and the new row
    consistent(ws)
    hit = ws.search("ORD-00003", 1)[0]
    assert hit.key == "ORD-00003" and hit.row["Sales"] == 99999.5
    assert not [h for h in ws.search("ORD-00012", 5) if h.key == "ORD-00012"]
    with ws.catalog.connect() as conn:
        mat = conn.execute(
            sa.text('SELECT "Sales" FROM orders WHERE _key = :k'), {"k": "ORD-00003"}
        )
        assert mat.scalar() == 99999.5
        assert conn.execute(sa.text("SELECT count(*) FROM orders")).scalar() == 116
    ws.close()


def test_hybrid_search_finds_exact_values_and_filters(tmp_path: Path) -> None:
    ws = Workspace()
    ws.ingest(str(write_csv(tmp_path / "sales.csv", superstore_rows(200))))
    ws.ingest(str(data.fail2ban_logs() / "sshd"))
    hits = ws.search("194.117.26.69", 5)
    assert hits and "194.117.26.69" in hits[0].row["message"]
    only_sales = ws.search("194.117.26.69", 5, tables=["sales"])
    assert only_sales and {h.table for h in only_sales} == {"sales"}
    chairs = ws.search("chairs in Los Angeles", 5, tables=["sales"])
    assert any(h.row["City"] == "Los Angeles" and h.row["Sub-Category"] == "Chairs" for h in chairs)
    ws.close()


def test_failed_source_leaves_catalog_untouched(tmp_path: Path) -> None:
    ws = Workspace()
    with pytest.raises(SourceError, match="No such file"):
        ws.ingest(str(tmp_path / "missing.csv"))
    assert ws.tables() == []
    ws.close()


def test_killed_run_resumes_and_stays_consistent(tmp_path: Path) -> None:
    rows = superstore_rows(3000)
    src = write_csv(tmp_path / "big.csv", rows)
    env = {**os.environ, "LAKELIGHT_READ_BATCH_SIZE": "100", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lakelight.cli", "ingest", str(src)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = sa.create_engine(load_settings().catalog)
    deadline = time.monotonic() + 240
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        try:
            with engine.connect() as conn:
                committed = conn.execute(sa.text("SELECT count(*) FROM ll_records")).scalar() or 0
        except sa.exc.OperationalError:
            continue
        if committed >= 500:
            break
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    engine.dispose()
    assert 0 < committed < 3000

    ws = Workspace()
    report = ws.ingest(str(src))
    assert report.counts["read"] == 3000
    assert report.counts["new"] + report.counts["unchanged"] == 3000
    assert report.counts["unchanged"] >= committed  # what the killed run committed is kept
    consistent(ws)
    assert len(ws.catalog.all_vids()) == 3000
    ws.close()
