"""Deterministic question → SQL for the common aggregate shapes: count, sum, average, min/max,
top-N and group-by, with filters from values found in the catalog, numeric comparisons, text
contained in log messages and time windows.

Each table is tried on its own (plus the tables its foreign keys reach); the plan that explains
the most of the question wins. When a needed column, value or number is not found, there is no
plan: a figure computed over the wrong rows is worse than no figure. When plans over several
tables explain it equally well, the figure is given only if they all compute the same one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lakelight.index.catalog import TableInfo
from lakelight.rag.aggregate_parse import parse_question
from lakelight.rag.aggregate_plan import TablePlanner
from lakelight.rag.aggregate_sql import Shape, build_sql
from lakelight.rag.entities import key_references
from lakelight.rag.linking import table_form
from lakelight.rag.values import ValueIndex

__all__ = ["AggregatePlan", "plan_aggregate"]


@dataclass
class AggregatePlan:
    """A checked statement computing the figure a question asks for, and how it was read."""

    sql: str
    sample_sql: str  # the _key of up to 5 rows behind the figure, for citations
    table: TableInfo
    kind: str  # count distinct sum avg min max top group
    measure: str | None
    filters: list[tuple[str, str, Any]]
    group_by: list[str]
    description: str
    limit: int | None  # N of a top-N
    tables: list[TableInfo]  # every table the statements read (for access checks)
    score: float  # how much of the question the plan explains
    # plans over other tables that explain the question as well (team and player home runs):
    # the answer is given only if they all compute the same figure
    ties: list[AggregatePlan] = field(default_factory=list)
    outside: str | None = None  # the period asked about is outside the data: no figure


def plan_aggregate(
    question: str,
    tables: list[TableInfo],
    values: ValueIndex,
    *,
    table: str | None = None,
    max_rows: int = 1000,
) -> AggregatePlan | None:
    """The SQL answering ``question`` over one of ``tables`` (the ones the user may read),
    or None when it is not aggregate-shaped or names something no table has."""
    q = parse_question(question)
    if not q.is_aggregate():
        return None
    candidates = [t for t in tables if table is None or table in (t.name, t.sql_name)]
    by_name = {(t.source, t.name): t for t in tables}
    matches = values.matches(q)
    names_row = bool(key_references(question, candidates)) or any(
        not vm.weak and all(r.count == 1 for r in vm.refs) for vm in matches
    )
    planned: list[tuple[float, Shape]] = []
    # measures named by meaning ("total payroll" for salary) only when spelling finds no
    # plan: a question SQL answers by its words never waits for the embedding model
    for by_meaning in (False, True):
        planners = [
            TablePlanner(q, t, by_name, values, matches, names_row, by_meaning) for t in candidates
        ]
        swallowed = set().union(*(p.swallowed() for p in planners)) if planners else set()
        for planner in planners:
            planner.drop_aggregates(swallowed)  # a column of any table names those words
            result = planner.plan()
            if result is not None:
                planned.append(result)
        if (planned and max(sc for sc, _ in planned) > 0) or values.embed is None:
            break
    if not planned:
        return None
    planned.sort(key=lambda p: -p[0])
    score, shape = planned[0]
    if len(candidates) > 1 and score <= 0:
        return None  # nothing in the question points at this table
    best = _plan(shape, score, values, max_rows)
    tied = [s for sc, s in planned[1:] if sc >= score]
    if tied and table is None:
        # plans on several tables explain it equally: the one whose name it means, if any
        names = [" ".join(table_form(s.table)[0]) for s in (shape, *tied)]
        if (meant := values.meant(question, names)) is not None:
            shape, tied = [shape, *tied][meant], []
            best = _plan(shape, score, values, max_rows)
    if tied:
        if shape.kind not in _COMPARABLE or any(
            s.kind != shape.kind or _measure(s) != _measure(shape) for s in tied
        ):
            return None  # two tables explain the question equally well: do not guess
        best.ties = [_plan(s, score, values, max_rows) for s in tied]
    return best


# kinds whose figure can be compared across tables: one number over a column of the same
# name (home runs of teams and of players); a count of rows counts each table's own things
# (albums, tracks), and a group-by's rows are no one figure; "which" values are compared
# by the answerer (a player's team: in Batting, none in Pitching)
_COMPARABLE = frozenset({"distinct", "sum", "avg", "min", "max", "which"})


def _measure(shape: Shape) -> str | None:
    return shape.measure.column.lower() if shape.measure else None


def _plan(shape: Shape, score: float, values: ValueIndex, max_rows: int) -> AggregatePlan:
    sql, sample_sql = build_sql(shape, values.dialect, max_rows)
    return AggregatePlan(
        sql=sql,
        sample_sql=sample_sql,
        table=shape.table,
        kind=shape.kind,
        measure=shape.measure.label if shape.measure else None,
        filters=[(f.src.label, f.op, f.value) for f in shape.filters],
        group_by=_group_labels(shape),
        limit=shape.limit,
        description=shape.describe(),
        tables=shape.tables(),
        score=score,
        outside=shape.outside,
    )


def _group_labels(shape: Shape) -> list[str]:
    if shape.key is None:
        return []
    if shape.bucket:
        return [f"{shape.key.label} ({shape.bucket})"]
    return [s.label for s in shape.labels]
