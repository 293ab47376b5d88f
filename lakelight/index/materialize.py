"""Each ingested table also lives as a typed SQL table in the catalog database (``_key`` plus
its columns), so aggregate questions can be answered with SQL."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lakelight.records import Column, Record

KEY_COLUMN = "_key"
# text columns of few values are what aggregate questions filter by ('in Texas', 'by Second
# Class'): an index on each turns a scan of the whole table into a lookup of its rows. Below
# INDEX_MIN_ROWS rows a scan is as fast; past INDEX_MAX_DISTINCT values a column is free text
INDEX_MIN_ROWS = 5_000
INDEX_MAX_DISTINCT = 2_000

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


def index_few_valued(
    conn: Connection,
    sql_name: str,
    columns: Sequence[Column],
    profile: Mapping[str, Any],
    rows: int,
) -> list[str]:
    """Index the table's text columns of few values (from its ``profile``) and refresh the
    database's statistics of it, so the planner takes the most selective index of a query's
    filters; returns the columns indexed."""
    if rows < INDEX_MIN_ROWS:
        return []
    table = table_for(sql_name, columns)
    chosen = [
        c.name
        for c in columns
        if c.type == "string"
        and c.name != KEY_COLUMN
        and 1 < int(profile.get(c.name, {}).get("distinct", 0)) <= INDEX_MAX_DISTINCT
    ]
    for name in chosen:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        sa.Index(f"ix_{sql_name[:40]}_{digest}", table.c[name]).create(conn, checkfirst=True)
    if chosen:
        quoted = conn.dialect.identifier_preparer.quote(sql_name)
        conn.exec_driver_sql(f"ANALYZE {quoted}")
    return chosen


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
