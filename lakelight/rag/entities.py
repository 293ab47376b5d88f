"""Entity linking: rows a question names by key, written the way people write them.

Numbers are normalized first ("12,345" → 12345, "#42" → 42, "3rd" → 3). A table's key is
named by its own words: "order 12,345" for a key column ``o_orderkey`` or a table ``orders``,
"customer #42", "invoice no. 100". A composite key is named by its parts: "line 3 of order
12,345" is the row keyed (12345, 3) when the key columns are ``l_orderkey`` and
``l_linenumber``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakelight.index.catalog import TableInfo
from lakelight.rag.linking import KEY_WORDS, column_form, table_form

__all__ = ["KeyRef", "key_references", "normalize_numbers"]

_THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3})((?:,\d{3})+)(?![\d,]*\d)")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_HASH = re.compile(r"(?<![\w#])#\s?(?=\w)")
# After a key's name: an optional "number"/"no."/"#"/"id" marker, then the value.
_MARKER = r"(?:\s+(?i:number|no|nr|num|id|key|code)\b\.?)?\s*[:#]?\s*"
# a value holds a digit ("12345", "CA-2016-1", "A7") or is an upper-case code ("JFK", "N-123")
_VALUE = r"(\b(?:[A-Za-z]+[-_]?)?\d[\w.-]*|\b[A-Z]{2,}[A-Z\d-]*\b)"
_KEYED = ("primary_key", "id_column")


def normalize_numbers(text: str) -> str:
    """ "order 12,345" → "order 12345", "line #3" → "line 3", "the 3rd line" → "the 3 line"."""
    text = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", ""), text)
    text = _ORDINAL.sub(r"\1", text)
    return _HASH.sub(" ", text)


@dataclass(frozen=True)
class KeyRef:
    table: TableInfo
    key: str  # as the catalog keys the record: parts joined by "/"
    written: tuple[str, ...] = ()  # each part as the question writes it ("000000137")


def _names(table: TableInfo, column: str, single: bool) -> list[str]:
    """The words a key column is named by in a question: its own words without the key word
    ("order" for ``o_orderkey``), and the table's words when it is the only key column."""
    names = []
    ws = [w for w in column_form(table, column)[0] if w not in KEY_WORDS] if column else []
    if ws:
        names.append(" ".join(ws))
    if single:
        names.append(" ".join(table_form(table)[0]))
    return [n for n in dict.fromkeys(names) if n]


def _value_after(name: str, text: str) -> list[str]:
    pattern = rf"\b(?i:{re.escape(name)}(?:e?s)?){_MARKER}{_VALUE}"
    return [m.group(1).rstrip(".-") for m in re.finditer(pattern, text)]


def key_references(question: str, tables: list[TableInfo]) -> list[KeyRef]:
    """Keys of rows the question names: one per table whose every key column is named."""
    text = normalize_numbers(question)
    found: list[KeyRef] = []
    for table in tables:
        if table.kind != "table" or table.key_origin not in _KEYED:
            continue
        columns = table.primary_key or [""]  # a detected key may not say which column
        single = len(columns) == 1
        parts: list[str] = []
        for column in columns:
            values: list[str] = []
            for name in _names(table, column, single):
                values += _value_after(name, text)
            if not values:
                break
            parts.append(values[0])
        else:
            keys = [_as_key(table, c, v) for c, v in zip(columns, parts, strict=True)]
            if all(k is not None for k in keys):
                found.append(KeyRef(table, "/".join(k or "" for k in keys), tuple(parts)))
    return found


def _as_key(table: TableInfo, column: str, value: str) -> str | None:
    """A value of the key as the catalog keys it: "Customer#000000137" names 137. None
    when it cannot be one: "album IV" names no integer key."""
    col = next((c for c in table.columns if c.name == column), None)
    if col is None or col.type != "integer":
        return value
    return str(int(value)) if value.isdigit() else None
