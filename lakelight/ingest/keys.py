"""The key of a table that declares none, found on its first rows: people cite and join rows by
their ids and codes, so a unique id or code column beats row numbers.

In order: a unique id-like column named for its table (``c_custkey`` in customer, ``CustomerID``
in Customer), a bare ``id``, another unique id-like column (``tailnum``, ``iata_code``,
``ProductNumber``), a unique column of code-shaped values (``JFK``, ``N10156``), a unique pair
of id-like columns (``l_orderkey`` + ``l_linenumber``), else none (row numbers)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from lakelight.ingest.rows import is_null
from lakelight.naming import (
    ID_WORDS,
    column_words,
    entity_words,
    key_stem,
    shared_prefix,
    table_words,
)
from lakelight.records import Column

__all__ = ["detect_key", "is_id_name"]

_NOT_IDS = frozenset(
    {"phone", "mobile", "fax", "zip", "postal", "house", "street", "telephone", "postcode"}
)
_LEADING_IDS = frozenset({"id", "uuid", "guid"})
# Codes are short upper-case tokens; "Customer#000000042" or "Rock" are names, not codes.
_CODE = re.compile(r"^[A-Z0-9]+(?:[-_./][A-Z0-9]+)*$")
_LETTER = re.compile(r"[A-Z]")
_MAX_CODE_CHARS = 24
_NAME_WORDS = frozenset({"name", "title", "description", "comment", "text", "label"})
_MAX_PAIR_COLUMNS = 12  # id-like columns tried in pairs: 66 pairs at most


def is_id_name(name: str, prefix: str = "") -> bool:
    """``id``, ``order_id``, ``CustomerID``, ``c_custkey``, ``tailnum``, ``iata_code``,
    ``Order Number``; not ``Phone Number`` or ``Postal Code``."""
    words = column_words(name, prefix)
    if not words or words[0] in _NOT_IDS or "".join(words) in _NOT_IDS:
        return False
    return words[-1] in ID_WORDS or words[0] in _LEADING_IDS


def detect_key(
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    declared: Sequence[str] = (),
    table: str = "",
) -> tuple[list[str], str]:
    """Key columns and where they came from: the declared primary key, else unique id-like or
    code columns (checked on the rows given: a later duplicate is kept under ``key#position``),
    else none (row numbers are used)."""
    if declared:
        return list(declared), "primary_key"
    if not rows:
        return [], "row_number"
    prefix = shared_prefix([c.name for c in columns])
    entity = entity_words(table_words(table)) if table else ()
    ids = [
        c
        for c in columns
        if c.type in ("integer", "string")
        and is_id_name(c.name, prefix)
        and _complete(rows, c.name)
    ]
    singles = [c for c in ids if _unique(rows, (c.name,))]
    if singles:
        best = min(singles, key=lambda c: _single_rank(c.name, prefix, entity))
        return [best.name], "id_column"
    if len(rows) >= 2:
        for col in columns:
            if col not in ids and _is_code_column(col, rows, prefix):
                return [col.name], "id_column"
        pairs = list(combinations(ids[:_MAX_PAIR_COLUMNS], 2))
        pairs.sort(key=lambda p: -sum(_shares_word(c.name, prefix, entity) for c in p))
        for pair in pairs:
            if _unique(rows, (pair[0].name, pair[1].name)):
                return [pair[0].name, pair[1].name], "id_column"
    return [], "row_number"


def _single_rank(name: str, prefix: str, entity: tuple[str, ...]) -> int:
    """0 named for the table, 1 a bare id, 2 any other id (``min`` keeps column order)."""
    stem = key_stem(column_words(name, prefix))
    if stem and stem == entity:
        return 0
    return 1 if not stem else 2


def _shares_word(name: str, prefix: str, entity: tuple[str, ...]) -> bool:
    """``l_linenumber`` shares "line" with lineitem: a key part of its own table."""
    return bool(set(entity_words(column_words(name, prefix))) & set(entity))


def _complete(rows: Sequence[dict[str, Any]], name: str) -> bool:
    return all(not is_null(row.get(name)) for row in rows)


def _unique(rows: Sequence[dict[str, Any]], names: tuple[str, ...]) -> bool:
    seen = {tuple(str(row.get(n)) for n in names) for row in rows}
    return len(seen) == len(rows)


def _is_code_column(col: Column, rows: Sequence[dict[str, Any]], prefix: str) -> bool:
    if col.type != "string" or _NAME_WORDS & set(column_words(col.name, prefix)):
        return False
    values = [row.get(col.name) for row in rows]
    return all(
        isinstance(v, str)
        and len(v) <= _MAX_CODE_CHARS
        and _CODE.match(v) is not None
        and _LETTER.search(v) is not None
        for v in values
    ) and len(set(values)) == len(values)
