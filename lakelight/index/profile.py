"""Per-column profile of a materialized table, computed in SQL so it works on any catalog."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lakelight.index.materialize import table_for
from lakelight.records import Column

TOP_VALUES = 5


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def profile_table(
    conn: Connection, sql_name: str, columns: list[Column]
) -> tuple[dict[str, Any], int]:
    """{column: {type, nulls, distinct, min, max | top}} and the row count."""
    table = table_for(sql_name, columns)
    rows = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
    profile: dict[str, Any] = {}
    for col in columns:
        c = table.c[col.name]
        nulls, distinct = conn.execute(
            sa.select(
                sa.func.count() - sa.func.count(c), sa.func.count(sa.distinct(c))
            ).select_from(table)
        ).one()
        entry: dict[str, Any] = {"type": col.type, "nulls": int(nulls), "distinct": int(distinct)}
        if col.type in ("integer", "float", "datetime"):
            lo, hi = conn.execute(sa.select(sa.func.min(c), sa.func.max(c))).one()
            entry["min"], entry["max"] = _plain(lo), _plain(hi)
        else:
            top = conn.execute(
                sa.select(c, sa.func.count().label("n"))
                .where(c.is_not(None))
                .group_by(c)
                .order_by(sa.desc("n"), c)
                .limit(TOP_VALUES)
            ).all()
            entry["top"] = [
                [_plain(v)[:200] if isinstance(v, str) else _plain(v), int(n)] for v, n in top
            ]
        profile[col.name] = entry
    return profile, rows
