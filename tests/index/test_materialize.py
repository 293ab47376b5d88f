"""The materialized SQL tables: text columns of few values get an index (and the database its
statistics), so an aggregate filtered by one reads the matching rows, not the whole table."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from lakelight.config import load_settings
from lakelight.index.materialize import INDEX_MIN_ROWS
from lakelight.workspace import Workspace
from tests.api.conftest import sales_csv


def _indexed(ws: Workspace, sql_name: str) -> set[str]:
    inspector = sa.inspect(ws.catalog.engine)
    return {c for ix in inspector.get_indexes(sql_name) for c in ix["column_names"]}


def test_few_valued_text_columns_are_indexed_and_used(tmp_path: Path) -> None:
    ws = Workspace(load_settings(home=str(tmp_path / "ws"), llm_backend="none"))
    try:
        ws.ingest(str(sales_csv(tmp_path / "big.csv", INDEX_MIN_ROWS + 500)), table="big")
        ws.ingest(str(sales_csv(tmp_path / "small.csv", 300)), table="small")
        (big,) = [t for t in ws.catalog.list_tables() if t.name == "big"]
        indexed = _indexed(ws, big.sql_name)
        assert {"City", "State", "Segment", "Ship Mode", "Sub-Category"} <= indexed
        assert not indexed & {"Sales", "Profit", "Discount", "Order ID", "Row ID"}
        (small,) = [t for t in ws.catalog.list_tables() if t.name == "small"]
        assert _indexed(ws, small.sql_name) == set()  # a scan is as fast
        with ws.catalog.connect() as conn:
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    f'EXPLAIN QUERY PLAN SELECT SUM("Sales") FROM {big.sql_name} '
                    "WHERE \"Segment\" = 'Consumer' AND \"City\" = 'Seattle'"
                )
            )
        assert "USING INDEX" in plan and "City" in plan  # the selective one, by statistics
        answer = ws.ask("What were the total sales in Seattle?", table="big", use_llm=False)
        with ws.catalog.connect() as conn:
            total = conn.exec_driver_sql(
                f'SELECT SUM("Sales") FROM {big.sql_name} WHERE "City" = \'Seattle\''
            ).scalar()
        assert answer.route == "aggregate" and f"{total:,.2f}" in answer.answer
    finally:
        ws.close()
