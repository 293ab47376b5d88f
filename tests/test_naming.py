"""Words of names: the segmenter's suffix split, singulars and key stems."""

from __future__ import annotations

import pytest

from lakelight.naming import column_words, entity_words, key_stem, singular, table_words


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
