"""Numbers as people write them, and rows named by their keys (single and composite)."""

from __future__ import annotations

from lakelight.index.catalog import TableInfo
from lakelight.naming import table_naming
from lakelight.rag.entities import key_references, normalize_numbers
from lakelight.records import Column


def table(name: str, columns: list[str], key: list[str], origin: str = "id_column") -> TableInfo:
    cols = [Column(c, "integer") for c in columns]
    return TableInfo(
        id=hash(name) % 1000,
        source="lake",
        name=name,
        sql_name=name,
        kind="table",
        key_origin=origin,
        primary_key=key,
        columns=cols,
        profile=None,
        row_count=0,
        foreign_keys=[],
        naming=table_naming(name, columns),
    )


ORDERS = table("orders", ["o_orderkey", "o_custkey", "o_totalprice"], ["o_orderkey"])
LINES = table(
    "lineitem", ["l_orderkey", "l_linenumber", "l_quantity"], ["l_orderkey", "l_linenumber"]
)
BY_ROW = table("notes", ["n_text", "n_size"], [], origin="row_number")


def test_numbers_lose_separators_hashes_and_ordinals() -> None:
    assert normalize_numbers("order 12,345") == "order 12345"
    assert normalize_numbers("customer #42") == "customer  42"
    assert normalize_numbers("the 3rd line") == "the 3 line"
    assert normalize_numbers("1,234,567.50 and 22,638.48") == "1234567.50 and 22638.48"
    assert normalize_numbers("codes 12,34 stay") == "codes 12,34 stay"  # not a thousands group


def test_a_key_is_named_by_its_table_or_its_column() -> None:
    refs = key_references("What is the total price of order 12,345?", [ORDERS, LINES, BY_ROW])
    assert [(r.table.name, r.key) for r in refs] == [("orders", "12345")]
    refs = key_references("Show order no. 7", [ORDERS])
    assert [r.key for r in refs] == ["7"]


def test_a_composite_key_is_named_by_its_parts() -> None:
    refs = key_references("How many units were on line 3 of order 12,345?", [LINES])
    assert [(r.table.name, r.key) for r in refs] == [("lineitem", "12345/3")]
    # one part alone names no row of the composite table
    assert key_references("What was in order 12,345?", [LINES]) == []


def test_row_numbers_are_not_keys_people_name() -> None:
    assert key_references("note 5", [BY_ROW]) == []


def test_a_ranked_value_is_found_by_its_words() -> None:
    from lakelight.rag.values import _keys_of

    assert _keys_of("1-URGENT") == [("1", "urgent"), ("urgent",)]
    assert ("not", "specified") in _keys_of("4-NOT SPECIFIED")
    assert _keys_of("2016 Q1") == [("2016", "q1")]  # a year is no rank
    assert _keys_of("A-1") == [("a", "1")]


def test_a_column_of_lists_and_columns_of_single_values_with_commas() -> None:
    from collections import Counter

    from lakelight.rag.values import list_items
    from tests.chinook import fixture

    f = fixture()
    composers = Counter(v["composer"] for _, v in f["track"] if v["composer"])
    items = list_items(list(composers.items()))
    assert items is not None
    assert items["Robert Plant"] == sum(
        n for value, n in composers.items() if "Robert Plant" in value.split(", ")
    )
    # "Last, First" and "City, Country" always have two parts: single values
    names = Counter(f"{v['lastname']}, {v['firstname']}" for _, v in f["customer"])
    places = Counter(f"{v['city']}, {v['country']}" for _, v in f["customer"])
    assert list_items(list(names.items())) is None and list_items(list(places.items())) is None
