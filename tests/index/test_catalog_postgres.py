"""The catalog on a real PostgreSQL server: same code, URL setting only."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from lakelight.config import load_settings
from lakelight.workspace import Workspace
from tests.index.test_pipeline import consistent, superstore_rows, write_csv
from tests.servers import server_database


def test_ingest_and_search_with_a_postgresql_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with server_database("postgresql") as url:
        monkeypatch.setenv("LAKELIGHT_CATALOG_URL", url)
        rows = superstore_rows(150)
        src = write_csv(tmp_path / "West Sales.csv", rows)
        ws = Workspace(load_settings())
        report = ws.ingest(str(src))
        assert report.counts["new"] == 150
        assert ws.ingest(str(src)).counts["unchanged"] == 150
        consistent(ws)
        (info,) = ws.tables()
        assert info.sql_name == "west_sales"
        assert info.profile and info.profile["Sales"]["min"] == min(float(r["Sales"]) for r in rows)
        with ws.catalog.connect() as conn:
            total = conn.execute(sa.text('SELECT round(sum("Sales")::numeric, 2) FROM west_sales'))
            assert float(total.scalar()) == pytest.approx(sum(float(r["Sales"]) for r in rows))
        hit = ws.search("Henderson Kentucky bookcases", 1)[0]
        assert hit.row["City"] == "Henderson"
        # what a served request reads: the counters, a kept key, a cached answer kept behind
        _, secret = ws.create_key("pg", "")
        assert ws.keys.authenticate(secret).name == ws.keys.authenticate(secret).name == "pg"
        question = "How many rows are in the Consumer segment?"
        answer = ws.ask(question, use_llm=False, keep=True)
        assert ws.cached_answer(question, use_llm=False) is not None
        ws.rate(answer.answer_id or "", 1)
        assert ws.catalog.stamps()["ratings"] == 1 and ws.feedback.rated()[0]["rating"] == 1
        ws.close()
