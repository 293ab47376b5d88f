"""Lookups on a warehouse named the TPC-H way (``c_nationkey``, ``o_totalprice``, keys of
two columns), built from Chinook's real rows by ``tests.warehouse`` with no declared keys:
keys written as people write them, keys no row has, words that mean a linked table or a
column without spelling it. Expectations come from the fixture rows, never from lakelight."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lakelight.config import load_settings
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.embedder import get_embedder
from lakelight.rag.entities import key_references
from lakelight.rag.lookup import Evidence, answer_lookup, named_rows, rows_where
from lakelight.rag.meaning import ColumnMeanings
from tests.lake import ingest
from tests.warehouse import tpch_tables

TABLES = ("region", "nation", "customer", "orders", "lineitem", "part")


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, Any]]]:
    return tpch_tables()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    from tests.warehouse import tpch_csvs

    home = tmp_path_factory.mktemp("tpch")
    folder = tpch_csvs(home / "csv")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}", home)
    for name in TABLES:
        ingest(catalog, str(folder / f"{name}.csv"), home)
    yield catalog
    catalog.close()


@pytest.fixture(scope="module")
def meanings() -> ColumnMeanings:
    return ColumnMeanings(get_embedder(load_settings()).embed)


def _tables(catalog: Catalog) -> list[TableInfo]:
    return catalog.list_tables()


def _lookup(catalog: Catalog, question: str, meanings: ColumnMeanings | None = None) -> str:
    infos = _tables(catalog)
    named, _ = named_rows(question, infos, catalog)
    assert named, f"no row named in {question!r}"
    found = answer_lookup(question, [], infos, catalog, named, meanings)
    assert found is not None, question
    return found.text


def test_a_key_no_row_has_is_reported_missing(warehouse: Catalog, rows) -> None:
    last = max(r["o_orderkey"] for r in rows["orders"])
    named, missing = named_rows(f"What was the total price of order {last + 1:,}?",
                                _tables(warehouse), warehouse)  # fmt: skip
    assert named == [] and [(m.table.name, m.key) for m in missing] == [("orders", str(last + 1))]


def test_zero_padded_and_non_numeric_keys(warehouse: Catalog) -> None:
    infos = _tables(warehouse)
    refs = key_references("What's the phone number of Customer#000000042?", infos)
    assert [(r.table.name, r.key, r.written) for r in refs] == [("customer", "42", ("000000042",))]
    # an integer key is never a word: "customer IV" names no row
    assert key_references("What's the phone number of customer IV?", infos) == []


def test_a_stated_key_is_not_the_answer(warehouse: Catalog, rows) -> None:
    """ "When was order 12 placed": its date, not the order 12 the question gives."""
    order = next(r for r in rows["orders"] if r["o_orderkey"] == 12)
    text = _lookup(warehouse, "When was order 12 placed?")
    assert order["o_orderdate"] in text and "order is" not in text


def test_a_chain_whose_last_table_holds_the_asked_column(warehouse: Catalog, rows) -> None:
    order = next(r for r in rows["orders"] if r["o_orderkey"] == 10)
    customer = next(r for r in rows["customer"] if r["c_custkey"] == order["o_custkey"])
    text = _lookup(warehouse, "What's the phone number of the customer who placed order 10?")
    assert customer["c_phone"] in text


@pytest.mark.e2e
def test_a_linked_table_named_by_meaning(warehouse: Catalog, rows, meanings) -> None:
    """ "country" means the ``nation`` table that ``c_nationkey`` points at."""
    customer = next(r for r in rows["customer"] if r["c_custkey"] == 5)
    nation = next(r for r in rows["nation"] if r["n_nationkey"] == customer["c_nationkey"])
    assert nation["n_name"] in _lookup(warehouse, "Which country is customer #5 in?", meanings)
    # without the embedding model, a word that spells no table or column answers nothing
    infos = _tables(warehouse)
    named, _ = named_rows("Which country is customer #5 in?", infos, warehouse)
    assert answer_lookup("Which country is customer #5 in?", [], infos, warehouse, named) is None


@pytest.mark.e2e
def test_how_many_on_a_named_row_reads_its_count_column(warehouse: Catalog, rows, meanings):
    line = next(r for r in rows["lineitem"] if r["l_orderkey"] == 98 and r["l_linenumber"] == 2)
    text = _lookup(warehouse, "How many units were on line 2 of order 98?", meanings)
    assert f"quantity is {line['l_quantity']}" in text
    # a count the row does not hold is no column of it
    infos = _tables(warehouse)
    question = "How many beats per minute were on line 2 of order 98?"
    named, _ = named_rows(question, infos, warehouse)
    found = answer_lookup(question, [], infos, warehouse, named, meanings)
    assert found is None or str(line["l_quantity"]) not in found.text


def test_a_quoted_name_after_an_apostrophe(warehouse: Catalog, rows) -> None:
    """ "What's ... 'Name'": the apostrophe of "what's" opens no quote, so the name is found."""
    part = rows["part"][41]
    table = next(t for t in _tables(warehouse) if t.name == "part")
    [(key, row)] = rows_where(warehouse, table, "p_partkey", part["p_partkey"])
    question = f"What's the retail price of the part called '{part['p_name']}'?"
    found = answer_lookup(question, [Evidence(table.source, "part", key, row)],
                          _tables(warehouse), warehouse, [])  # fmt: skip
    assert found is not None and f"{part['p_retailprice']:g}" in found.text
