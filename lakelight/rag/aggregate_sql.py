"""Turn a resolved aggregate (table, measure, filters, grouping) into SQL for the catalog's
dialect: identifiers always quoted, values always rendered as escaped literals, and both the
figure's statement and the statement sampling the rows behind it checked by ``sql_guard``."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlglot import exp

from lakelight.index.catalog import TableInfo
from lakelight.index.materialize import KEY_COLUMN
from lakelight.rag.sql_guard import check_sql
from lakelight.rag.text_phrases import like_pattern
from lakelight.rag.values import LIST_SEPARATOR

SAMPLE_ROWS = 5
_BUCKET_FORMAT = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%Y-%m-%d %H"}
_AGG_WORDS = {
    "sum": "total",
    "avg": "average",
    "min": "minimum",
    "max": "maximum",
    "distinct": "number of distinct",
}
_OPS: dict[str, type[exp.Expr]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    ">": exp.GT,
    ">=": exp.GTE,
    "<": exp.LT,
    "<=": exp.LTE,
}


@dataclass(frozen=True)
class Hop:
    """One foreign-key step: ``column`` of the table before holds ``ref`` values of ``table``
    (and, for a key of several columns, each of ``also``'s pairs likewise)."""

    column: str
    table: TableInfo = field(compare=False)
    ref: str
    also: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, eq=False)
class Source:
    """A column the plan uses: of the main table, or of a table its foreign keys reach through
    ``path`` (one to three hops, each joined on column = ref)."""

    column: str
    type: str
    table: TableInfo
    path: tuple[Hop, ...] = ()

    def _id(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        return (self.table.sql_name, self.column, tuple((h.column, h.ref) for h in self.path))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source) and self._id() == other._id()

    def __hash__(self) -> int:
        return hash(self._id())

    @property
    def via(self) -> str | None:
        """The main table's column the path starts from, if any."""
        return self.path[0].column if self.path else None

    @property
    def label(self) -> str:
        return f"{self.table.name}.{self.column}" if self.path else self.column


@dataclass
class Filter:
    src: Source
    op: str  # = in has != > >= < <= like month ("has": an item of a list column)
    value: Any

    def describe(self) -> str:
        if self.op == "has":
            return f"{self.src.label} includes " + " or ".join(_show(v) for v in self.value)
        if self.op == "like":
            return f"{self.src.label} contains {_show(self.value)}"
        if self.op == "month":
            return f"{self.src.label} in {calendar.month_name[int(self.value)]}"
        if self.op == "in":
            if len(self.value) == 1:
                return f"{self.src.label} = {_show(self.value[0])}"
            return f"{self.src.label} in ({', '.join(_show(v) for v in self.value)})"
        return f"{self.src.label} {self.op} {_show(self.value)}"


@dataclass
class Shape:
    """What to compute: ``agg`` (count distinct sum avg min max) of ``measure`` over the rows
    matching ``filters``, per ``key`` (a column of the main table, bucketed when a datetime)
    shown as ``labels``; ``kind`` is count/distinct/sum/avg/min/max, or top/group when keyed."""

    kind: str
    agg: str
    table: TableInfo
    measure: Source | None = None
    key: Source | None = None
    labels: list[Source] = field(default_factory=list)
    bucket: str | None = None
    descending: bool = True
    limit: int | None = None
    filters: list[Filter] = field(default_factory=list)
    # the period asked about lies outside the data's ("Batting has yearID from 2016 to 2019")
    outside: str | None = None

    def value_name(self) -> str:
        if self.agg == "count":
            return "count"
        assert self.measure is not None
        word = _AGG_WORDS[self.agg]
        if self.measure.label.lower() == word:
            return f"{word} of {self.measure.label}"
        return f"{word} {self.measure.label}"

    def describe(self) -> str:
        what = self.value_name() if self.agg != "count" else f"number of {self.table.name} rows"
        if self.kind == "which":
            what = f"{self._key_label()} of {self.table.name} rows"
        elif self.key is not None:
            key = f"{self.key.label} ({self.bucket})" if self.bucket else self._key_label()
            if self.kind == "top":
                end = "top" if self.descending else "bottom"
                what = f"{end} {self.limit} {key} by {what}"
            else:
                what = f"{what} per {key}"
        if self.filters:
            what += " where " + " and ".join(f.describe() for f in self.filters)
        return what

    def _key_label(self) -> str:
        assert self.key is not None
        if self.shows_labels():
            return " ".join(s.label for s in self.labels)
        return self.key.label

    def shows_labels(self) -> bool:
        """The groups are named by other columns than the key: a joined table's names, or a
        row's own name beside its key."""
        return bool(self.labels) and (bool(self.labels[0].via) or self.labels != [self.key])

    def sources(self) -> list[Source]:
        found = [f.src for f in self.filters] + self.labels
        return found + [s for s in (self.measure, self.key) if s is not None]

    def tables(self) -> list[TableInfo]:
        seen: dict[str, TableInfo] = {self.table.sql_name: self.table}
        for src in self.sources():
            for hop in src.path:
                seen.setdefault(hop.table.sql_name, hop.table)
            seen.setdefault(src.table.sql_name, src.table)
        return list(seen.values())


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return str(value.date()) if value == datetime.combine(value.date(), time()) else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _literal(value: Any) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(int(value) if float(value).is_integer() else value)
    if isinstance(value, datetime):
        return exp.Literal.string(value.isoformat(sep=" "))
    return exp.Literal.string(str(value))


class _Builder:
    """Expressions of one query scope; each joined path gets an alias ``<prefix>_<n>``."""

    def __init__(self, shape: Shape, prefix: str):
        self.shape, self.prefix = shape, prefix
        # path (its columns) -> (last hop, inner join); shorter paths first, so joins chain
        self.joins: dict[tuple[str, ...], tuple[Hop, bool]] = {}
        filtered = {tuple(h.column for h in f.src.path) for f in shape.filters}
        for src in sorted(shape.sources(), key=lambda s: len(s.path)):
            for n in range(1, len(src.path) + 1):
                key = tuple(h.column for h in src.path[:n])
                inner = any(f[:n] == key for f in filtered)
                if key not in self.joins or inner:
                    self.joins[key] = (src.path[n - 1], inner)

    def _alias_of(self, key: tuple[str, ...]) -> str:
        return f"{self.prefix}_{list(self.joins).index(key) + 1}" if key else self.prefix

    def alias(self, src: Source) -> str:
        return self._alias_of(tuple(h.column for h in src.path))

    def col(self, src: Source) -> exp.Expr:
        return exp.column(src.column, table=self.alias(src), quoted=True)

    def key(self) -> exp.Expr:
        assert self.shape.key is not None
        column = self.col(self.shape.key)
        if self.shape.bucket:
            fmt = exp.Literal.string(_BUCKET_FORMAT[self.shape.bucket])
            return exp.TimeToStr(this=column, format=fmt)
        return column

    def agg(self) -> exp.Expr:
        agg, measure = self.shape.agg, self.shape.measure
        if agg == "count":
            return exp.Count(this=exp.Star())
        assert measure is not None
        column = self.col(measure)
        if agg == "distinct":
            return exp.Count(this=exp.Distinct(expressions=[column]))
        return {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}[agg](this=column)

    def condition(self, f: Filter) -> exp.Expr:
        column = self.col(f.src)
        if f.op == "like":
            pattern = like_pattern(str(f.value))
            return exp.Like(this=exp.Lower(this=column), expression=exp.Literal.string(pattern))
        if f.op == "month":
            month = exp.TimeToStr(this=column, format=exp.Literal.string("%m"))
            return exp.EQ(this=month, expression=exp.Literal.string(f"{int(f.value):02d}"))
        if f.op == "has":  # the item alone, first, last or inside the list
            sep = LIST_SEPARATOR
            found: list[exp.Expr] = []
            for item in f.value:
                found.append(exp.EQ(this=column.copy(), expression=exp.Literal.string(item)))
                for pattern in (f"{item}{sep}%", f"%{sep}{item}", f"%{sep}{item}{sep}%"):
                    loose = "".join("_" if c in "_\\" else c for c in pattern)  # as like_pattern
                    found.append(exp.Like(this=column.copy(), expression=exp.Literal.string(loose)))
            return exp.Paren(this=exp.or_(*found))
        if f.op == "in":
            if len(f.value) == 1:
                return exp.EQ(this=column, expression=_literal(f.value[0]))
            return exp.In(this=column, expressions=[_literal(v) for v in f.value])
        return _OPS[f.op](this=column, expression=_literal(f.value))

    def base(self, *outputs: exp.Expr) -> exp.Select:
        table = self.shape.table
        query = exp.select(*outputs).from_(
            exp.to_table(table.sql_name, quoted=True).as_(self.prefix, quoted=True)
        )
        for key, (hop, inner) in self.joins.items():
            alias = self._alias_of(key)
            before = self._alias_of(key[:-1])
            pairs = [
                exp.EQ(
                    this=exp.column(column, table=before, quoted=True),
                    expression=exp.column(ref, table=alias, quoted=True),
                )
                for column, ref in ((hop.column, hop.ref), *hop.also)
            ]
            on = exp.and_(*pairs) if len(pairs) > 1 else pairs[0]
            target = exp.to_table(hop.table.sql_name, quoted=True).as_(alias, quoted=True)
            query = query.join(target, on=on, join_type="inner" if inner else "left")
        conditions = [self.condition(f) for f in self.shape.filters]
        if self.shape.kind in ("top", "which"):
            conditions.append(exp.Not(this=exp.Is(this=self.key(), expression=exp.Null())))
        if self.shape.measure is not None and self.shape.agg in ("min", "max"):
            conditions.append(
                exp.Not(this=exp.Is(this=self.col(self.shape.measure), expression=exp.Null()))
            )
        return query.where(*conditions) if conditions else query

    def grouped(self, with_labels: bool) -> exp.Select:
        shape = self.shape
        key_name = shape.bucket or (shape.key.column if shape.key else "key")
        shown: list[tuple[exp.Expr, str]] = []
        if with_labels and shape.shows_labels():
            shown += [(self.col(s), s.column) for s in shape.labels]
        shown.append((self.key(), key_name))
        outputs = [exp.alias_(e.copy(), name, quoted=True) for e, name in shown]
        agg = self.agg()
        if with_labels:
            outputs.append(exp.alias_(agg.copy(), shape.value_name(), quoted=True))
        query = self.base(*outputs).group_by(*(e for e, _ in shown))
        if shape.bucket and shape.kind == "group":
            return query.order_by(exp.Ordered(this=self.key()))
        order = exp.Ordered(this=agg, desc=shape.descending)
        return query.order_by(order, exp.Ordered(this=self.key()))


def build_sql(shape: Shape, dialect: str, max_rows: int = 1000) -> tuple[str, str]:
    """The statement computing the figure, and one selecting the ``_key`` of up to five rows
    behind it (rows of the first group for a top-N); both checked by the guard."""
    allowed = {t.sql_name for t in shape.tables()}
    main = _Builder(shape, "t")
    if shape.key is None:
        query = main.base(exp.alias_(main.agg(), shape.value_name(), quoted=True))
    else:
        query = main.grouped(with_labels=True)
        if shape.limit:
            # a second "which" value, if there is one, says there is no one answer
            query = query.limit(shape.limit + (shape.kind == "which"))
    sample = main.base(exp.column(KEY_COLUMN, table="t", quoted=True))
    if shape.kind == "top":
        best = _Builder(shape, "s").grouped(with_labels=False).limit(1)
        sample = sample.where(exp.EQ(this=main.key(), expression=exp.Subquery(this=best)))
    if shape.measure is not None and shape.measure.type in ("integer", "float", "datetime"):
        desc = shape.agg != "min" and (shape.kind != "top" or shape.descending)
        sample = sample.order_by(exp.Ordered(this=main.col(shape.measure), desc=desc))
    sample = sample.limit(SAMPLE_ROWS)
    return (
        check_sql(query.sql(dialect=dialect), allowed, dialect, max_rows),
        check_sql(sample.sql(dialect=dialect), allowed, dialect, SAMPLE_ROWS),
    )
