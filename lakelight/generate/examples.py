"""Real rows a synthesis run learns from: the rows matching ``--where``, or the rows nearest
``--like``, read from the table's typed SQL copy in the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from lakelight.generate.conditions import Condition
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.materialize import KEY_COLUMN, table_for
from lakelight.index.retriever import Retriever

_CHUNK = 500


def count_rows(catalog: Catalog, table: TableInfo, conditions: Sequence[Condition]) -> int:
    mat = table_for(table.sql_name, table.columns)
    query = sa.select(sa.func.count()).select_from(mat)
    query = query.where(*(c.sql(mat.c[c.column]) for c in conditions))
    with catalog.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def load_rows(
    catalog: Catalog,
    table: TableInfo,
    conditions: Sequence[Condition] = (),
    *,
    limit: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Typed rows of ``table`` that satisfy every condition; above ``limit`` rows, a seeded
    uniform sample of them."""
    mat = table_for(table.sql_name, table.columns)
    where = [c.sql(mat.c[c.column]) for c in conditions]
    if limit is None or count_rows(catalog, table, conditions) <= limit:
        with catalog.connect() as conn:
            result = conn.execute(sa.select(mat).where(*where).order_by(mat.c[KEY_COLUMN]))
            return _frame(table, result.mappings().all())
    with catalog.connect() as conn:
        keys = list(
            conn.execute(sa.select(mat.c[KEY_COLUMN]).where(*where).order_by(mat.c[KEY_COLUMN]))
            .scalars()
            .all()
        )
    chosen = np.random.default_rng(seed).choice(len(keys), size=limit, replace=False)
    return rows_by_keys(catalog, table, [keys[i] for i in sorted(chosen)])


def _frame(table: TableInfo, rows: Sequence[Any]) -> pd.DataFrame:
    names = [KEY_COLUMN, *(c.name for c in table.columns if c.name != KEY_COLUMN)]
    if not rows:
        return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    return pd.DataFrame(rows)[names]


def rows_by_keys(catalog: Catalog, table: TableInfo, keys: Sequence[str]) -> pd.DataFrame:
    """Typed rows by key, in the order of ``keys``."""
    mat = table_for(table.sql_name, table.columns)
    rows: list[Any] = []
    with catalog.connect() as conn:
        for i in range(0, len(keys), _CHUNK):
            chunk = list(keys[i : i + _CHUNK])
            rows += conn.execute(sa.select(mat).where(mat.c[KEY_COLUMN].in_(chunk))).mappings()
    order = {k: n for n, k in enumerate(keys)}
    return _frame(table, sorted(rows, key=lambda r: order[r[KEY_COLUMN]]))


def nearest_rows(
    retriever: Retriever,
    catalog: Catalog,
    table: TableInfo,
    text: str,
    k: int,
    conditions: Sequence[Condition] = (),
) -> pd.DataFrame:
    """The ``k`` rows of ``table`` nearest ``text`` (hybrid search), filtered by conditions."""
    hits = retriever.search(text, k, tables=[table.name], sources=[table.source])
    frame = rows_by_keys(catalog, table, [h.key for h in hits])
    for condition in conditions:
        frame = frame[condition.holds(frame[condition.column])]
    return frame.reset_index(drop=True)
