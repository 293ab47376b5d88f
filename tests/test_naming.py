"""Names for people: real schema names of several naming styles, and what must not change."""

from __future__ import annotations

import pytest

from lakelight.naming import column_words, name_parts, shared_prefix, table_naming, table_words


@pytest.mark.parametrize(
    ("name", "prefix", "words"),
    [
        ("c_acctbal", "c_", ("account", "balance")),
        ("o_totalprice", "o_", ("total", "price")),
        ("l_shipmode", "l_", ("ship", "mode")),
        ("c_mktsegment", "c_", ("market", "segment")),
        ("n_nationkey", "n_", ("nation", "key")),
        ("l_linenumber", "l_", ("line", "number")),
        ("ps_availqty", "ps_", ("available", "quantity")),
        ("InvoiceDate", "", ("invoice", "date")),
        ("BillingAddress", "", ("billing", "address")),
        ("playerID", "", ("player", "id")),
        ("support_rep_id", "", ("support", "rep", "id")),
        ("HTTPStatus", "", ("http", "status")),
        ("remoteaddr", "", ("remote", "address")),
        ("Sub-Category", "", ("sub", "category")),
        ("total", "", ("total",)),
        ("Quantity", "", ("quantity",)),
    ],
)
def test_column_words(name: str, prefix: str, words: tuple[str, ...]) -> None:
    assert column_words(name, prefix) == words


def test_a_prefix_is_shared_by_every_column_or_it_is_none() -> None:
    assert shared_prefix(["c_custkey", "c_name", "c_acctbal"]) == "c_"
    assert shared_prefix(["ps_partkey", "ps_suppkey", "ps_availqty"]) == "ps_"
    assert shared_prefix(["first_name", "last_name"]) == ""  # "first_" is a word, not a prefix
    assert shared_prefix(["c_custkey", "name"]) == ""
    assert shared_prefix(["c_custkey"]) == ""  # one column: nothing to compare


def test_words_that_are_words_stay_whole() -> None:
    for word in ("customer", "database", "container", "composer", "timestamp", "password"):
        assert column_words(word) == (word,)


def test_table_words_and_stored_naming() -> None:
    assert table_words("lineitem") == ("line", "item")
    assert table_words("InvoiceLine") == ("invoice", "line")
    assert table_words("orders.csv") == ("orders",)
    naming = table_naming("customer", ["c_custkey", "c_name", "c_phone"])
    assert naming["prefix"] == "c_"
    assert naming["columns"] == {
        "c_custkey": ["customer", "key"],
        "c_name": ["name"],
        "c_phone": ["phone"],
    }


def test_name_parts_split_case_and_separators() -> None:
    assert name_parts("InvoiceLineID") == ["invoice", "line", "id"]
    assert name_parts("x_acctbal") == ["x", "acctbal"]
    assert name_parts("Postal Code") == ["postal", "code"]
