"""Exact-match fusion on real TPC-H rows and the real embedding model: a row named by a
zero-padded id, an exact value or its whole phrase ranks first; a term many rows hold pins
nothing; table filters hold for the exact tier too."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lakelight.config import load_settings
from lakelight.index.keyword_index import KeywordIndex
from lakelight.workspace import Workspace
from tests import data


def _rows(name: str) -> list[dict[str, str]]:
    with data.tpch_csv(name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    home = tmp_path_factory.mktemp("exact")
    workspace = Workspace(load_settings(home=home / "ws"))
    for name in ("supplier", "customer", "part"):
        workspace.ingest(str(data.tpch_csv(name)))
    return workspace


def _first(ws: Workspace, text: str, **filters: list[str]) -> tuple[str, dict[str, object]]:
    hit = ws.retriever.search(text, 5, **filters)[0]  # type: ignore[arg-type]
    return hit.table, hit.row


def test_zero_padded_ids_rank_their_row_first(ws: Workspace) -> None:
    for n in (42, 7, 1337):
        table, row = _first(ws, f"Customer#{n:09d}")
        assert (table, row["c_custkey"]) == ("customer", n)
    table, row = _first(ws, "Supplier#000000042")
    assert (table, row["s_suppkey"]) == ("supplier", 42)


def test_exact_values_and_whole_phrases_rank_first(ws: Workspace) -> None:
    customer = _rows("customer")[99]
    table, row = _first(ws, customer["c_phone"])
    assert (table, row["c_custkey"]) == ("customer", 100)
    part = _rows("part")[499]
    table, row = _first(ws, part["p_name"])
    assert (table, row["p_partkey"]) == ("part", 500)


def test_plain_rrf_misses_what_the_tier_finds(ws: Workspace) -> None:
    """The tier is what ranks the id first: with it off, RRF lets other rows win."""
    settings = ws.retriever.settings
    try:
        ws.retriever.settings = settings.model_copy(update={"exact_max_rows": 0})
        misses = sum(
            _first(ws, f"Customer#{n:09d}")[1].get("c_custkey") != n for n in (42, 7, 1337, 99)
        )
    finally:
        ws.retriever.settings = settings
    assert misses >= 1


def test_table_filters_bind_the_exact_tier(ws: Workspace) -> None:
    """Customer#000000042 and Supplier#000000042 share the number: within suppliers, the
    supplier holding it comes first, and no customer row comes back."""
    hits = ws.retriever.search("Customer#000000042", 5, tables=["supplier"])
    assert hits and all(h.table == "supplier" for h in hits)
    assert hits[0].row["s_suppkey"] == 42 and hits[0].score > 1 > hits[1].score


def test_a_term_many_rows_hold_identifies_nothing(tmp_path: Path) -> None:
    kw = KeywordIndex(tmp_path / "k.db")
    rows = [(i, f"order {1000 + i} placed 2016-03-0{i % 9 + 1} status shipped") for i in range(50)]
    kw.apply(rows, (), generation=1)
    assert kw.identifying("order 1007", 20) == {7: 2}  # the number and the phrase
    assert kw.identifying("placed in 2016", 20) == {}  # every row holds the year
    assert kw.identifying("2016-03-01", 20) == {i: 1 for i in range(0, 50, 9)}
    assert kw.identifying("status shipped", 20) == {}  # all 50 rows hold the phrase
    assert kw.identifying("status shipped", 60) == {i: 1 for i in range(50)}
    assert kw.identifying("order 1007", 20, allowed={8}) == {}
