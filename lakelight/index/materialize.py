"""Each ingested table also lives as a typed SQL table in the catalog database (``_key`` plus
its columns), so aggregate questions can be answered with SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lakelight.records import Column, Record

KEY_COLUMN = "_key"

_TYPES: dict[str, Any] = {
    "integer": sa.BigInteger,
    "float": sa.Float,
    "boolean": sa.Boolean,
    "datetime": sa.DateTime,
    "string": sa.Text,
}


def table_for(sql_name: str, columns: Sequence[Column]) -> sa.Table:
    """The SQLAlchemy description of a materialized table (no I/O)."""
    return sa.Table(
        sql_name,
        sa.MetaData(),
        sa.Column(KEY_COLUMN, sa.String(1000), primary_key=True),
        *(sa.Column(c.name, _TYPES[c.type]) for c in columns if c.name != KEY_COLUMN),
    )


def create_table(conn: Connection, sql_name: str, columns: Sequence[Column]) -> None:
    table = table_for(sql_name, columns)
    table.drop(conn, checkfirst=True)
    table.create(conn)


def _typed(value: Any, type_: str) -> Any:
    if value is None:
        return None
    try:
        if type_ == "integer":
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
            return number if number is not None and abs(number) < 2**63 else None
        if type_ == "float":
            return float(value)
        if type_ == "boolean":
            return value if isinstance(value, bool) else None
        if type_ == "datetime":
            dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt
    except (ValueError, TypeError, OverflowError):
        return None  # the raw value stays in the record; the typed column holds NULL
    return value if isinstance(value, str) else str(value)


def typed_rows(batch: Sequence[Record], columns: Sequence[Column]) -> list[dict[str, Any]]:
    return [
        {
            KEY_COLUMN: r.key,
            **{
                c.name: _typed(r.fields.get(c.name), c.type)
                for c in columns
                if c.name != KEY_COLUMN
            },
        }
        for r in batch
    ]
