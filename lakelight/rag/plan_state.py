"""What the aggregate planner knows while it reads one question against one table: the
columns the question names (``Mention``s), the tokens already explained, the filters found so
far and the score. ``aggregate_plan`` finds filters, ``aggregate_shape`` decides what to
compute; both work on this state."""

from __future__ import annotations

from dataclasses import replace

from lakelight.index.catalog import TableInfo
from lakelight.index.materialize import KEY_COLUMN
from lakelight.rag.aggregate_parse import Question
from lakelight.rag.aggregate_sql import Filter, Hop, Source
from lakelight.rag.linking import KEY_WORDS, Mention, column_form, column_terms, spell, table_form
from lakelight.rag.values import ValueIndex, ValueMatch

NUMERIC = ("integer", "float")
MONEY = ("sale", "amount", "total", "price", "unitprice", "cost", "revenue", "value", "spend")
_ID_WORDS = frozenset({"id", "key", "pk", "fk", "uuid", "guid"})
# The aggregate keywords a multi-word column name can swallow: "total price", "phone number".
_NAME_AGGS = ("sum", "count", "max", "min", "avg")


MAX_HOPS = 3


def _target(by_name: dict[tuple[str, str], TableInfo], source: str, name: str) -> TableInfo | None:
    """The table a foreign key names: in the same source, else the one table of that name."""
    same = by_name.get((source, name))
    if same is not None:
        return same
    others = [t for (_, n), t in by_name.items() if n == name]
    return others[0] if len(others) == 1 else None


def _links(table: TableInfo, by_name: dict[tuple[str, str], TableInfo]) -> dict[str, Hop]:
    out: dict[str, Hop] = {}
    for fk in table.foreign_keys:
        target = _target(by_name, fk.ref_source or table.source, fk.table)
        if target is not None and any(c.name == fk.ref_column for c in target.columns):
            out[fk.column] = Hop(fk.column, target, fk.ref_column, fk.also)
    return out


def _reach(
    table: TableInfo, by_name: dict[tuple[str, str], TableInfo]
) -> list[tuple[tuple[Hop, ...], TableInfo]]:
    """Every table the foreign keys reach in one to three hops, by the shortest path."""
    out: list[tuple[tuple[Hop, ...], TableInfo]] = []
    seen = {table.sql_name}
    frontier: list[tuple[tuple[Hop, ...], TableInfo]] = [((), table)]
    for _ in range(MAX_HOPS):
        reached = []
        for path, here in frontier:
            for hop in _links(here, by_name).values():
                if hop.table.sql_name not in seen:
                    seen.add(hop.table.sql_name)
                    reached.append(((*path, hop), hop.table))
        out += reached
        frontier = reached
    return out


def _is_key(table: TableInfo, column: str) -> bool:
    if column in table.primary_key or any(f.column == column for f in table.foreign_keys):
        return True
    words = column_terms(table, column)
    return bool(words) and words[-1] in _ID_WORDS


class PlanState:
    def __init__(
        self,
        q: Question,
        table: TableInfo,
        by_name: dict[tuple[str, str], TableInfo],
        values: ValueIndex,
        matches: list[ValueMatch],
        names_row: bool = False,
        by_meaning: bool = False,
    ):
        self.q, self.t, self.values, self.matches = q, table, values, matches
        self.names_row = names_row  # the question names one row (by key, or a unique value)
        self.by_meaning = by_meaning  # a measure may be named by meaning (the model loads)
        self.strict = False  # a guess by meaning was made: no word may be left unexplained
        self.links = _links(table, by_name)
        self.reach = _reach(table, by_name)
        own = table_form(table)[1]
        self.other_tables = {table_form(t)[1] for t in by_name.values()} - {own}
        mine = {column_form(table, c.name)[1] for c in table.columns}
        # what other tables hold as attributes (a debut date), not the keys that name their
        # rows (CustomerId: "do we have customers" is asked of a table with no customer id)
        self.other_columns = {
            column_form(t, c.name)[1]
            for t in by_name.values()
            for c in t.columns
            if not _is_key(t, c.name)
        } - mine
        self.used: set[int] = set(q.used)
        self.explained: set[int] = set(q.used)  # tokens some role or mention accounts for
        self.score = 0.0
        self.table_span = range(0)
        self.ambiguous = False  # the question asks for more than one plan can compute
        self.filters: list[Filter] = []
        # the question tokens each value filter was found at, by id of the filter
        self.value_spans: dict[int, tuple[int, int]] = {}
        self.time_filters: set[int] = set()  # ids of the filters a time window gave
        self.mentions = self._mentions()
        self.aggs = {k: list(v) for k, v in q.aggs.items()}
        self.drop_aggregates(self.swallowed())

    # --- what the question names ---

    def own(self, column: str) -> Source:
        kind = next(c.type for c in self.t.columns if c.name == column)
        return Source(column, kind, self.t)

    def _mentions(self) -> list[Mention]:
        found: list[Mention] = []
        for c in self.t.columns:
            if c.name == KEY_COLUMN:
                continue
            src = Source(c.name, c.type, self.t)
            words, form = column_form(self.t, c.name)
            found += spell(self.q, form, src, words)
            if c.name in self.links:
                target_words, target_form = table_form(self.links[c.name].table)
                if target_form != form:
                    found += spell(self.q, target_form, src, target_words)
        for path, target in self.reach:
            if len(path) > 1:  # a table further away is named by its own words
                ref = next(c for c in target.columns if c.name == path[-1].ref)
                src = Source(ref.name, ref.type, target, path)
                words, form = table_form(target)
                found += [replace(m, score=m.score * 0.9) for m in spell(self.q, form, src, words)]
        found.sort(key=lambda m: (-m.score, m.start - m.end))
        # a word that is one column's own name is no partial name of another ("invoice" names
        # the invoice key, not the invoice date)
        exact = {i for m in found if m.score >= 1.0 for i in range(m.start, m.end)}
        found = [
            m for m in found if m.score >= 0.7 or not any(i in exact for i in range(m.start, m.end))
        ]
        self.explained.update(i for m in found for i in range(m.start, m.end))
        return found

    def swallowed(self) -> set[int]:
        """Aggregate keyword positions inside a column's own multi-word name ("total price",
        "phone number")."""
        inside = {
            i
            for m in self.mentions
            if m.score == 1.0 and m.end - m.start > 1
            for i in range(m.start, m.end)
        }
        return {i for positions in self.q.aggs.values() for i in positions if i in inside}

    def drop_aggregates(self, swallowed: set[int]) -> None:
        """Keywords that name a column are no aggregate: "highest total price" is the maximum
        of total price, "the phone number of" no count, "the total price of order 7" a
        lookup; but "the total price of orders in 1995" still sums total price."""
        aggs = {k: [i for i in v if i not in swallowed] for k, v in self.q.aggs.items()}
        others = any(aggs.values()) or self.q.top or self.q.most_common or self.q.superlative
        numbered = {i for i in swallowed if self.q.toks[i].norm == "number"}
        if not others and not self.names_row:
            # nothing else to compute and no one row named: "total" of a column is its sum
            aggs = {k: [i for i in v if i not in numbered] for k, v in self.q.aggs.items()}
        self.aggs = aggs

    def is_aggregate(self) -> bool:
        q = self.q
        return bool(
            q.asks_which_value()
            or any(self.aggs.values())
            or q.top
            or q.most_common
            or q.superlative
            or q.bucket
            or q.groups
        )

    def mention_table(self) -> None:
        form = table_form(self.t)[1]
        toks = self.q.toks
        best: tuple[float, int, int] | None = None
        for i in range(len(toks)):
            joined = ""
            for n in range(1, 4):
                if i + n > len(toks) or toks[i + n - 1].kind != "word":
                    break
                joined += toks[i + n - 1].norm
                score = 3.0 if joined == form else 0.0
                if not score and len(joined) >= 3 and len(form) - len(joined) <= 2:
                    score = 2.0 if form.startswith(joined) else 0.0
                if not score and len(joined) >= max(5, 0.6 * len(form)) and form.endswith(joined):
                    score = 2.0  # "superstore" for SampleSuperstore, not "track" for PlaylistTrack
                if score and (best is None or score > best[0]):
                    best = (score, i, i + n)
        if best is not None:
            self.score += best[0]
            self.use(best[1], best[2])
            self.table_span = range(best[1], best[2])

    def use(self, start: int, end: int) -> None:
        self.used.update(range(start, end))
        self.explained.update(range(start, end))

    def free(self, m: Mention) -> bool:
        return not any(i in self.used for i in range(m.start, m.end))

    def id_like(self, src: Source) -> bool:
        """A key column (``id``, a foreign key): never a measure or a compared quantity."""
        if src.column in self.links:
            return True
        words = column_terms(src.table, src.column)
        return not words or words[-1] in _ID_WORDS or (len(words) == 1 and words[0] in KEY_WORDS)

    def near(
        self,
        pos: int,
        kinds: tuple[str, ...],
        after: int = 4,
        before: int = 0,
        free: bool = True,
        ids: bool = True,
    ) -> Mention | None:
        best: tuple[int, float, Mention] | None = None
        for m in self.mentions:
            if m.src.type not in kinds or (free and not self.free(m)):
                continue
            if not ids and self.id_like(m.src):
                continue
            if pos <= m.start < pos + after:
                distance = m.start - pos
            elif before and pos - before <= m.end - 1 < pos:
                distance = pos - m.end + 1
            elif m.start <= pos < m.end:
                distance = 0
            else:
                continue
            if best is None or (distance, -m.score) < (best[0], -best[1]):
                best = (distance, m.score, m)
        return best[2] if best else None

    def rows_meant(self, noun: str) -> bool:
        """A noun no table or column spells means this table's rows, judged by the rows the
        vector index finds for it (second pass only: it loads the embedding model)."""
        if not self.by_meaning or self.values.rows_named is None:
            return False
        if noun in self.other_tables or noun in self.other_columns:
            return False
        return self.values.rows_named(noun) == self.t.sql_name

    def money_column(self) -> Source | None:
        """The table's one money-like numeric column (sales, amount, total, price...)."""
        money = [
            c
            for c in self.t.columns
            if c.type in NUMERIC
            and (
                column_form(self.t, c.name)[1] in MONEY
                or (column_terms(self.t, c.name) or [""])[-1] in MONEY
            )  # "o_totalprice": a total price
        ]
        return self.own(money[0].name) if len(money) == 1 else None

    def datetime_column(self) -> Source | None:
        named = [m for m in self.mentions if m.src.type == "datetime"]
        if named:
            self.use(named[0].start, named[0].end)
            return named[0].src
        cols = [c for c in self.t.columns if c.type == "datetime"]
        if len(cols) == 1:
            return self.own(cols[0].name)
        timed = [c for c in cols if any(w in c.name.lower() for w in ("timestamp", "time", "date"))]
        return self.own(timed[0].name) if len(timed) == 1 else None

    def named_column(self, word: str, kinds: tuple[str, ...]) -> Source | None:
        """The table's own column called ``word`` ("year", "release_year"), if just one."""
        found = [
            c.name
            for c in self.t.columns
            if c.type in kinds and column_form(self.t, c.name)[1].endswith(word)
        ]
        return self.own(found[0]) if len(found) == 1 else None
