"""Conditions of a synthesis request (``--where "col=value"``): parsed, checked against the
table's columns and values, and applied to rows (SQL for the examples, pandas for validation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa

from lakelight.errors import SynthesisError
from lakelight.records import Column

Op = Literal["=", "!=", ">", ">=", "<", "<="]
_PATTERN = re.compile(r"^\s*(?P<col>.+?)\s*(?P<op>!=|>=|<=|==|=|>|<)\s*(?P<value>.*?)\s*$", re.S)


@dataclass(frozen=True, slots=True)
class Condition:
    column: str
    op: Op
    value: Any  # typed to the column: int, float, bool, datetime or str

    def __str__(self) -> str:
        return f"{self.column}{self.op}{self.value}"

    def sql(self, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        if isinstance(self.value, str):  # text compares case-insensitively, as in holds()
            col = sa.func.lower(sa.func.trim(col))
            return Condition(self.column, self.op, self.value.casefold()).sql_plain(col)
        return self.sql_plain(col)

    def sql_plain(self, col: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        ops = {
            "=": col == self.value,
            "!=": col != self.value,
            ">": col > self.value,
            ">=": col >= self.value,
            "<": col < self.value,
            "<=": col <= self.value,
        }
        return ops[self.op]

    def holds(self, values: pd.Series) -> pd.Series:
        """Which of ``values`` satisfy the condition (nulls never do)."""
        v = self.value
        s = values
        if isinstance(v, str):
            s = values.astype("string").str.strip().str.casefold()
            v = v.casefold()
        elif isinstance(v, datetime):
            s = pd.to_datetime(values, errors="coerce")
        result = {
            "=": s == v,
            "!=": s != v,
            ">": s > v,
            ">=": s >= v,
            "<": s < v,
            "<=": s <= v,
        }[self.op]
        return pd.Series(result, index=values.index).fillna(False).astype(bool)


def parse_conditions(texts: Sequence[str], columns: Sequence[Column]) -> list[Condition]:
    """``["default=Yes", "balance>1000"]`` → typed conditions; unknown columns and values of
    the wrong type are refused with the valid choices named."""
    by_name = {c.name: c for c in columns}
    by_fold = {c.name.casefold(): c for c in columns}
    parsed = []
    for text in texts:
        match = _PATTERN.match(text or "")
        if not match or not match["col"] or match["value"] == "":
            raise SynthesisError(
                f"Cannot read condition {text!r}: write it as column=value (or !=, >, >=, <, <=)"
            )
        name, op, raw = match["col"].strip("\"'` "), match["op"], match["value"].strip("\"'")
        column = by_name.get(name) or by_fold.get(name.casefold())
        if column is None:
            known = ", ".join(c.name for c in columns)
            raise SynthesisError(f"Unknown column {name!r} in condition; the columns are: {known}")
        parsed.append(Condition(column.name, "=" if op == "==" else op, _typed(raw, column)))  # type: ignore[arg-type]
    return parsed


def _typed(raw: str, column: Column) -> Any:
    try:
        if column.type == "integer":
            number = float(raw)
            return int(number) if number.is_integer() else number
        if column.type == "float":
            return float(raw)
        if column.type == "boolean":
            folded = raw.casefold()
            if folded in {"true", "yes", "1", "t", "y"}:
                return True
            if folded in {"false", "no", "0", "f", "n"}:
                return False
            raise ValueError(raw)
        if column.type == "datetime":
            return datetime.fromisoformat(raw)
    except ValueError:
        raise SynthesisError(
            f"Condition value {raw!r} is not a valid {column.type} for column {column.name!r}"
        ) from None
    return raw
