"""Shared by every connector: value typing, record keys and the text each record is embedded by.
Which columns form the key is ``keys.detect_key``."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from lakelight.records import Column, ColumnType, Record, Rejected, TableSchema

_INT = re.compile(r"^[+-]?\d{1,18}$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_BOOLS = {"true": True, "false": False, "yes": True, "no": False}
_NULLS = {"", "null", "none", "nan", "n/a", "na", "\\n"}
_DATE_SHAPE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)

# Text of a record is bounded: a longer text only costs embedding time past the model's window.
MAX_TEXT_VALUE_CHARS = 300
MAX_TEXT_CHARS = 2000


def is_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _NULLS


def _text_type(value: str) -> ColumnType:
    v = value.strip()
    if _INT.match(v) and not (len(v) > 1 and v.lstrip("+-").startswith("0")):
        return "integer"
    if _FLOAT.match(v):
        return "float"
    if v.lower() in _BOOLS:
        return "boolean"
    if _DATE_SHAPE.match(v):
        return "datetime"
    return "string"


def value_type(value: Any) -> ColumnType | None:
    """The column type a single value suggests, or None for a null."""
    if is_null(value):
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "float"
    if isinstance(value, datetime | date):
        return "datetime"
    if isinstance(value, str):
        return _text_type(value)
    return "string"


_WIDEN: dict[frozenset[str], ColumnType] = {
    frozenset({"integer", "float"}): "float",
}


def infer_type(values: Iterable[Any]) -> ColumnType:
    """The narrowest type all non-null values fit; a mix widens to string."""
    seen: set[str] = set()
    for value in values:
        t = value_type(value)
        if t is not None:
            seen.add(t)
    if not seen:
        return "string"
    if len(seen) == 1:
        return seen.pop()  # type: ignore[return-value]
    return _WIDEN.get(frozenset(seen), "string")


def infer_columns(names: Sequence[str], rows: Sequence[dict[str, Any]]) -> list[Column]:
    return [Column(name, infer_type(row.get(name) for row in rows)) for name in names]


def coerce(value: Any, type_: ColumnType) -> Any:
    """A value converted to its column's type; a value that does not fit is kept as it is."""
    if is_null(value):
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return value
    v = value.strip()
    try:
        if type_ == "integer" and _INT.match(v):
            return int(v)
        if type_ == "float" and _FLOAT.match(v):
            return float(v)
        if type_ == "boolean" and v.lower() in _BOOLS:
            return _BOOLS[v.lower()]
    except ValueError:
        pass
    return value


def record_text(table: str, fields: dict[str, Any]) -> str:
    """Text a record is embedded and keyword-indexed by: the table, then ``name: value`` lines
    for non-empty fields (newlines cost no tokens, unlike visible separators). Fields holding
    words come first, in their order, then numbers and dates: the embedding sees only the
    first tokens, and in a wide table (forty statistics, then the team's name) the words are
    what a question names the row by."""
    parts = [table]
    wordy = sorted(fields.items(), key=lambda kv: not _has_words(kv[1]))
    for name, value in wordy:
        if is_null(value):
            continue
        text = str(value)
        if len(text) > MAX_TEXT_VALUE_CHARS:
            text = text[:MAX_TEXT_VALUE_CHARS] + "…"
        parts.append(f"{name}: {text}")
    return "\n".join(parts)[:MAX_TEXT_CHARS]


def _has_words(value: Any) -> bool:
    return isinstance(value, str) and any(c.isalpha() for c in value)


class RecordBuilder:
    """Turns raw rows of one table into Records (typed, keyed) or Rejected rows."""

    def __init__(self, schema: TableSchema, key_columns: Sequence[str], max_cell_bytes: int):
        self.schema = schema
        self.key_columns = list(key_columns)
        self.max_cell_bytes = max_cell_bytes
        self._seen_keys: set[str] = set()

    def build(self, row: dict[str, Any], position: int, location: str) -> Record | Rejected:
        """``position`` is the 1-based row number; ``location`` names it in messages."""
        fields: dict[str, Any] = {}
        for col in self.schema.columns:
            value = row.get(col.name)
            if isinstance(value, str):
                if "\x00" in value:
                    return Rejected(location, f"column '{col.name}' contains NUL bytes")
                if (
                    len(value) > self.max_cell_bytes // 4
                    and (size := len(value.encode("utf-8", "replace"))) > self.max_cell_bytes
                ):
                    return Rejected(
                        location,
                        f"column '{col.name}' is {size / 1e6:.1f} MB, over the "
                        f"{self.max_cell_bytes / 1e6:g} MB cell limit (LAKELIGHT_MAX_CELL_BYTES)",
                    )
            fields[col.name] = coerce(value, col.type)
        key = self._key(fields, position)
        if key is None:
            names = ", ".join(self.key_columns)
            return Rejected(location, f"key column ({names}) is empty")
        if key in self._seen_keys:
            if self.schema.key_origin == "primary_key":
                return Rejected(location, f"duplicate primary key {key!r}")
            key = f"{key}#{position}"  # detected id repeats: keep the row, keyed by its position
        self._seen_keys.add(key)
        return Record(
            self.schema.source,
            self.schema.table,
            key,
            fields,
            record_text(self.schema.table, fields),
        )

    def _key(self, fields: dict[str, Any], position: int) -> str | None:
        if not self.key_columns:
            return str(position)
        values = [fields.get(c) for c in self.key_columns]
        if any(is_null(v) for v in values):
            return None
        return "/".join(str(v) for v in values)
