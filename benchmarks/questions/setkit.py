"""What the per-schema question generators share: a SQLite copy to compute golds with, record
keys as lakelight gives them, and the checks that keep a gold honest."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.questions.generate import QuestionSet, close, money, num, same, unique_top

__all__ = [
    "Db",
    "QuestionSet",
    "close",
    "comma",
    "money",
    "num",
    "same",
    "top_n",
    "unique_top",
]

KEY_CHUNK = 2000  # lakelight's read_batch_size: a key column must be unique in the first chunk


def comma(n: int | str) -> str:
    """An integer the way people write it: 12,345."""
    return f"{int(n):,}"


def top_n(counts: dict[Any, float], n: int, what: str) -> list[Any]:
    """The ``n`` largest keys; the n-th and (n+1)-th must not tie."""
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > n and math.isclose(ranked[n - 1][1], ranked[n][1]):
        raise AssertionError(f"{what}: tie at place {n}: {ranked[n - 1]} and {ranked[n]}")
    return [k for k, _ in ranked[:n]]


class Db:
    """A SQLite database (a copy in memory, or a file read-only) plus the record keys of its
    tables as lakelight makes them (``_record_keys``); a repeated key after the first chunk
    gets ``#<row>`` appended."""

    def __init__(
        self,
        frames: dict[str, pd.DataFrame] | None = None,
        path: Path | None = None,
    ) -> None:
        if path is not None:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        else:
            self.conn = sqlite3.connect(":memory:")
            for name, df in (frames or {}).items():
                df.to_sql(name, self.conn, index=False)
        self._keys: dict[str, list[str]] = {}

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, args).fetchall()

    def one(self, sql: str, *args: Any) -> tuple[Any, ...]:
        """The only row of ``sql``: fails unless exactly one row matches."""
        found = self.rows(sql, *args)
        if len(found) != 1:
            raise AssertionError(f"{sql} {args} gives {len(found)} rows, not one")
        return found[0]

    def value(self, sql: str, *args: Any) -> Any:
        return self.one(sql, *args)[0]

    def frame(self, table: str) -> pd.DataFrame:
        return pd.read_sql_query(f'SELECT * FROM "{table}"', self.conn)

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def all_columns(self) -> list[str]:
        tables = [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type='table'")]
        return [c for t in tables for c in self.columns(t)]

    def keys(self, table: str) -> list[str]:
        """The record key of every row of ``table``, in row order."""
        if table not in self._keys:
            cursor = self.conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            self._keys[table] = _record_keys(table, names, rows)
        return self._keys[table]

    def key(self, table: str, rowid: int) -> str:
        """``table:key`` of the row with SQLite ``rowid`` (1-based insertion order)."""
        return f"{table}:{self.keys(table)[rowid - 1]}"


def _record_keys(table: str, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[str]:
    """Keys by lakelight's own rule (``lakelight.ingest.keys.detect_key`` on the first chunk):
    a key names a row, it is no answer, so the golds may use the library's choice."""
    from lakelight.ingest.keys import detect_key
    from lakelight.ingest.rows import infer_columns

    head = [dict(zip(names, r, strict=True)) for r in rows[:KEY_CHUNK]]
    columns, _ = detect_key(infer_columns(list(names), head), head, table=table)
    if not columns:
        return [str(n) for n in range(1, len(rows) + 1)]
    at = [list(names).index(c) for c in columns]
    keys, seen = [], set()
    for position, row in enumerate(rows, 1):
        key = "/".join(str(row[i]) for i in at)
        if key in seen:
            key = f"{key}#{position}"
        seen.add(key)
        keys.append(key)
    return keys
