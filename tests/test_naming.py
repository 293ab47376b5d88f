"""Names for people: real schema names of several naming styles, the segmenter's suffix split,
singulars and key stems, and what must not change."""

from __future__ import annotations

import pytest

from lakelight.naming import (
    column_words,
    entity_words,
    key_stem,
    name_parts,
    shared_prefix,
    singular,
    table_naming,
    table_words,
)


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


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("o_custkey", ("customer", "key")),
        ("tailnum", ("tail", "number")),
        ("playerID", ("player", "id")),
        ("userid", ("user", "id")),
        ("username", ("user", "name")),
        ("barcode", ("bar", "code")),
        ("liquid", ("liquid",)),  # common words are not split at a suffix
        ("casino", ("casino",)),
        ("candidate", ("candidate",)),
    ],
)
def test_suffix_split_keeps_common_words(name: str, words: tuple[str, ...]) -> None:
    assert column_words(name, "o_" if name.startswith("o_") else "") == words


@pytest.mark.parametrize(
    ("plural", "one"),
    [
        ("orders", "order"),
        ("categories", "category"),
        ("boxes", "box"),
        ("people", "person"),
        ("status", "status"),
        ("address", "address"),
        ("gas", "gas"),
    ],
)
def test_singular(plural: str, one: str) -> None:
    assert singular(plural) == one


def test_entities_and_key_stems() -> None:
    assert entity_words(table_words("dim_customers")) == ("customer",)
    assert entity_words(table_words("OrderItems")) == ("order", "item")
    assert key_stem(column_words("c_nationkey", "c_")) == ("nation",)
    assert key_stem(("id",)) == ()
    assert key_stem(("total", "price")) is None
