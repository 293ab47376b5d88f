"""Aggregate questions answered by SQL over the typed tables: the deterministic planner for the
common shapes, LLM text-to-SQL only when a capable model is configured. Every statement passes
``sql_guard`` and runs read-only; the answer states the figure and cites rows behind it."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import sqlglot
from sqlglot import exp

from lakelight.config import Settings
from lakelight.errors import BackendError, LakelightError
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.materialize import KEY_COLUMN
from lakelight.llm import ChatBackend, ChatMessage
from lakelight.llm.prompts import DATA_RULES
from lakelight.rag.aggregate import AggregatePlan, plan_aggregate
from lakelight.rag.aggregate_parse import parse_question
from lakelight.rag.lookup import describe
from lakelight.rag.sql_guard import check_sql, run_select, sql_dialect
from lakelight.rag.values import ValueIndex
from lakelight.records import Citation

MAX_LISTED = 10
MAX_VALUE_INDEXES = 16  # distinct sets of readable tables kept at once
# (query, k, ids of the tables to search) → hits with their source, table and similarity
Search = Callable[[str, int, set[int]], list[Any]]
# a noun means a table's rows when that many of the rows the index returns for it are that
# table's, and the best is this near: "players" 20 of 20 People rows (0.49), "pitchers" 20
# of 20 Pitching rows (0.59); "clients" 9 of 20 Track rows, "people" 20 Track rows at 0.33
ROWS_VOTE_K, ROWS_VOTE_SHARE, ROWS_VOTE_FLOOR = 20, 0.75, 0.4


class _RowsNamed:
    """Which readable table's rows a noun means, by the rows the vector index returns for
    it; remembered per noun for the value index's life (one catalog generation)."""

    def __init__(self, search: Search, tables: list[TableInfo]):
        self._search = search
        self._ids = {t.id for t in tables}
        self._names = {(t.source, t.name): t.sql_name for t in tables}
        self._memo: dict[str, str | None] = {}

    def __call__(self, noun: str) -> str | None:
        if noun not in self._memo:
            hits = self._search(noun, ROWS_VOTE_K, self._ids)
            votes = Counter((h.source, h.table) for h in hits)
            best = votes.most_common(1)
            near = max((h.similarity or 0.0 for h in hits), default=0.0)
            found = None
            if best and best[0][1] >= ROWS_VOTE_SHARE * len(hits) and near >= ROWS_VOTE_FLOOR:
                found = self._names.get(best[0][0])
            self._memo[noun] = found
        return self._memo[noun]


SAMPLE_ROWS = 5
_FENCE = re.compile(r"```(?:sql)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass
class Computed:
    text: str
    sql: str
    citations: list[Citation]
    known: bool = True  # False: the data cannot answer (``text`` says why)


NO_ANSWER = "The data does not contain the answer to this question."


class AggregateAnswerer:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        search: Search | None = None,
    ):
        self.settings, self.catalog = settings, catalog
        self._embed = embed  # for words no value spells; the model loads only if needed
        self._search = search  # for nouns no table spells: the rows the index finds
        # one value index per set of readable tables, so a name resolves only through values
        # the caller may read; all dropped when the catalog (or a grant) changes
        self._values: dict[frozenset[int], ValueIndex] = {}
        self._generation = -1
        self._lock = threading.Lock()

    def values(self, tables: list[TableInfo]) -> ValueIndex:
        """The value index over ``tables``, rebuilt only when the catalog changed. One thread
        builds it while the others wait and reuse it (during an ingest the catalog changes
        every batch, and a server's requests would otherwise each rebuild it)."""
        generation = self.catalog.generation()
        wanted = frozenset(t.id for t in tables)
        with self._lock:
            if generation != self._generation:
                self._values, self._generation = {}, generation
            index = self._values.get(wanted)
            if index is None:
                index = ValueIndex.build(self.catalog.engine, tables)
                index.embed = self._embed
                if self._search is not None:
                    index.rows_named = _RowsNamed(self._search, tables)
                if len(self._values) >= MAX_VALUE_INDEXES:
                    self._values.pop(next(iter(self._values)))
                self._values[wanted] = index
        return index

    def answer(
        self,
        question: str,
        tables: list[TableInfo],
        backend: Callable[[], ChatBackend | None],
        timings: dict[str, float],
    ) -> Computed | None:
        """The figure the question asks for, or None (not aggregate-shaped, or nothing in the
        catalog explains it). ``backend`` is called only when the planner has no plan."""
        t0 = time.perf_counter()
        if not parse_question(question).is_aggregate():
            return None
        plan = plan_aggregate(
            question, tables, self.values(tables), max_rows=self.settings.sql_max_rows
        )
        allowed = {t.sql_name for t in tables}
        if plan is not None and plan.outside:
            return Computed(f"{NO_ANSWER[:-1]}: {plan.outside}.", "", [], known=False)
        if plan is not None:
            result = self._run(plan.sql, allowed)
            if plan.kind == "which":
                if (which := self._which(plan, result, allowed)) is None:
                    return None  # not the one value "which" asks for: a lookup's to find
                plan, result = which
            elif plan.ties and any(
                not _same_figure(result.rows, self._run(t.sql, allowed).rows) for t in plan.ties
            ):
                return None  # tables that explain the question equally well disagree
            keys = self._sample_keys(plan.sample_sql, allowed)
            timings["sql_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            citations = self._cite(plan.table, keys)
            text = format_result(plan.description, result.columns, result.rows)
            if plan.kind in ("max", "min") and citations and result.rows:
                text = _with_holder(text, plan.table, citations[0])
            return Computed(text, result.sql, citations)
        model = backend()
        if model is not None and model.capable:
            return self._text_to_sql(question, tables, model, allowed, timings)
        return None

    def _which(
        self, plan: AggregatePlan, result: Any, allowed: set[str]
    ) -> tuple[AggregatePlan, Any] | None:
        """The plan and its one value (not how many rows hold it), when every plan that finds
        rows finds that same one: a player's team in Batting, and none in Pitching."""
        answered = []
        for p in (plan, *plan.ties):
            found = result if p is plan else self._run(p.sql, allowed)
            if len(found.rows) > 1:
                return None
            if found.rows:
                values = replace(found, columns=found.columns[:-1], rows=[found.rows[0][:-1]])
                answered.append((p, values))
        if not answered or len({tuple(r.rows[0]) for _, r in answered}) != 1:
            return None
        return answered[0]

    def _run(self, sql: str, allowed: set[str]) -> Any:
        return run_select(
            self.catalog.engine,
            sql,
            allowed,
            max_rows=self.settings.sql_max_rows,
            timeout_s=self.settings.sql_timeout,
        )

    def needs_forbidden(
        self, question: str, readable: list[TableInfo], everything: list[TableInfo]
    ) -> bool:
        """Whether the figure the question asks for, planned over the whole catalog, reads a
        table the caller may not: such an aggregate is refused, never computed, and never
        answered instead from a lesser table the caller happens to read. Only planning runs
        over the whole catalog; nothing it finds is returned."""
        if len(readable) == len(everything) or not parse_question(question).is_aggregate():
            return False
        plan = plan_aggregate(
            question, everything, self.values(everything), max_rows=self.settings.sql_max_rows
        )
        allowed = {t.id for t in readable}
        if plan is None:
            return False
        read = [t for p in (plan, *plan.ties) for t in p.tables]
        return any(t.id not in allowed for t in read)

    def _sample_keys(self, sql: str, allowed: set[str]) -> list[str]:
        if not sql:
            return []
        result = run_select(
            self.catalog.engine,
            sql,
            allowed,
            max_rows=SAMPLE_ROWS,
            timeout_s=self.settings.sql_timeout,
        )
        return [str(row[0]) for row in result.rows if row and row[0] is not None]

    def _cite(self, table: TableInfo, keys: list[str]) -> list[Citation]:
        return [
            Citation(r.source, r.table, r.key, r.fields)
            for r in self.catalog.records_by_keys(table, keys)
        ]

    def _text_to_sql(
        self,
        question: str,
        tables: list[TableInfo],
        backend: ChatBackend,
        allowed: set[str],
        timings: dict[str, float],
    ) -> Computed | None:
        """A capable model writes the SQL; the guard decides whether it runs."""
        t0 = time.perf_counter()
        dialect = sql_dialect(self.catalog.engine.dialect.name)
        messages = [
            ChatMessage(
                role="system", content=f"{DATA_RULES} {TEXT_TO_SQL_RULES.format(dialect=dialect)}"
            ),
            ChatMessage(role="user", content=f"{describe_tables(tables)}\n\nQuestion: {question}"),
        ]
        try:
            reply = backend.chat(messages, max_tokens=300)
            sql = extract_sql(reply)
            if sql is None:
                return None
            checked = check_sql(sql, allowed, dialect, self.settings.sql_max_rows)
            result = run_select(
                self.catalog.engine,
                checked,
                allowed,
                max_rows=self.settings.sql_max_rows,
                timeout_s=self.settings.sql_timeout,
            )
        except (BackendError, LakelightError):
            return None  # the planner and lookup paths still answer
        timings["llm_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        citations: list[Citation] = []
        sample = sample_sql(checked, dialect, allowed)
        if sample is not None:
            table_name, sample_statement = sample
            table = next(t for t in tables if t.sql_name == table_name)
            try:
                citations = self._cite(table, self._sample_keys(sample_statement, allowed))
            except LakelightError:
                citations = []
        text = format_result("Result of the query", result.columns, result.rows)
        return Computed(text, result.sql, citations)


TEXT_TO_SQL_RULES = (
    "Write one read-only {dialect} SELECT statement that answers the question over the tables "
    "described. Quote every column name with double quotes. Reply with the SQL only, in a "
    "```sql fence."
)


def describe_tables(tables: list[TableInfo]) -> str:
    lines = []
    for t in tables:
        cols = []
        for c in t.columns:
            top = (t.profile or {}).get(c.name, {}).get("top") or []
            examples = ", ".join(repr(v) for v, _ in top[:3])
            cols.append(f'  "{c.name}" {c.type}' + (f" (e.g. {examples})" if examples else ""))
        lines.append(f"TABLE {t.sql_name} ({t.row_count} rows):\n" + "\n".join(cols))
    return "\n".join(lines)


def extract_sql(reply: str) -> str | None:
    fenced = _FENCE.search(reply)
    text = fenced.group(1) if fenced else reply
    match = re.search(r"\b(WITH|SELECT)\b.*", text, re.IGNORECASE | re.DOTALL)
    return match.group(0).strip().rstrip(";") if match else None


def sample_sql(sql: str, dialect: str, allowed: set[str]) -> tuple[str, str] | None:
    """For a one-table statement: the keys of a few rows its WHERE selects."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError:
        return None
    if not isinstance(tree, exp.Select) or tree.args.get("joins"):
        return None
    sources = list(tree.find_all(exp.Table))
    if len(sources) != 1 or sources[0].name not in allowed:
        return None
    name = sources[0].name
    sample = exp.select(exp.column(KEY_COLUMN, quoted=True)).from_(exp.to_table(name))
    where = tree.args.get("where")
    if where is not None:
        sample = sample.where(where.this.copy())
    statement = sample.limit(SAMPLE_ROWS).sql(dialect=dialect)
    return name, check_sql(statement, allowed, dialect, SAMPLE_ROWS)


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def format_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, str) and _MONTH.fullmatch(value):
        month = datetime.strptime(value, "%Y-%m")  # a month bucket, said the way people do
        return f"{value} ({month:%B %Y})"
    return str(value)


def _with_holder(text: str, table: TableInfo, first: Citation) -> str:
    """A maximum or minimum with the row that holds it, by name ("the longest track":
    5,286,953 (Occupation / Precipice)); the first sample row is ordered by the measure."""
    name = describe(table, first.row)
    return f"{text.rstrip('.')} ({name})." if name != table.name else text


def _label(parts: tuple[Any, ...]) -> str:
    """A group's name as people write it: "Helena Holý (6)", its key after its name."""
    names = [format_value(v) for v in parts if not isinstance(v, int | float)]
    keys = [format_value(v) for v in parts if isinstance(v, int | float)]
    if not names:
        return ", ".join(keys)
    return " ".join(names) + (f" ({', '.join(keys)})" if keys else "")


def format_result(description: str, columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return f"{description}: no rows match."
    if len(rows) == 1 and len(columns) == 1:
        return f"{description}: {format_value(rows[0][0])}."
    listed = [
        f"{_label(row[:-1])}: {format_value(row[-1])}" if len(row) > 1 else format_value(row[0])
        for row in rows[:MAX_LISTED]
    ]
    more = f" (and {len(rows) - MAX_LISTED} more)" if len(rows) > MAX_LISTED else ""
    return f"{description}: " + "; ".join(listed) + more + "."


def _same_figure(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """One figure each, equal to 9 significant digits (a float SUM's last bits may differ)."""
    if len(a) != 1 or len(b) != 1 or len(a[0]) != len(b[0]):
        return False
    for x, y in zip(a[0], b[0], strict=True):
        if isinstance(x, int | float) and isinstance(y, int | float):
            if not math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9):
                return False
        elif x != y:
            return False
    return True
