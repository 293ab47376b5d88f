"""Match one parsed question against one table: which columns it names and in what role
(measure, group, filter), which values and numbers it gives, and how much of it that explains.
Anything the table cannot explain (a value, a number, a proper name) means no plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lakelight.index.catalog import TableInfo
from lakelight.index.materialize import KEY_COLUMN
from lakelight.rag.aggregate_parse import (
    QUESTION_WORDS,
    SYNONYMS,
    Question,
    TimeSpec,
    column_forms,
)
from lakelight.rag.aggregate_shape import bare_numbers, resolve_shape, text_filters
from lakelight.rag.aggregate_sql import Filter, Shape, Source
from lakelight.rag.words import STOPWORDS

if TYPE_CHECKING:
    from lakelight.rag.aggregate import ValueIndex, ValueMatch

NUMERIC = ("integer", "float")
MONEY = ("sale", "amount", "total", "price", "unitprice", "cost", "revenue", "value", "spend")
_FILLERS = frozenset({"the", "a", "an", "each", "every", "all", "of", "is", "=", "equal", "to"})
_LOW_CARDINALITY = 200  # a lowercase one-word value counts only in columns this small


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    src: Source
    score: float  # 1 exact, lower for synonyms and partial names


class TablePlanner:
    def __init__(
        self,
        q: Question,
        table: TableInfo,
        by_name: dict[tuple[str, str], TableInfo],
        values: ValueIndex,
        matches: list[ValueMatch],
    ):
        self.q, self.t, self.values, self.matches = q, table, values, matches
        self.links: dict[str, tuple[TableInfo, str]] = {}
        for fk in table.foreign_keys:
            target = by_name.get((table.source, fk.table))
            if target is not None and any(c.name == fk.ref_column for c in target.columns):
                self.links[fk.column] = (target, fk.ref_column)
        own = column_forms(table.name)[1]
        self.other_tables = {column_forms(t.name)[1] for t in by_name.values()} - {own}
        mine = {column_forms(c.name)[1] for c in table.columns}
        self.other_columns = {
            column_forms(c.name)[1] for t in by_name.values() for c in t.columns
        } - mine
        self.used: set[int] = set(q.used)
        self.explained: set[int] = set(q.used)  # tokens some role or mention accounts for
        self.score = 0.0
        self.table_span = range(0)
        self.ambiguous = False  # the question asks for more than one plan can compute
        self.filters: list[Filter] = []
        self.mentions = self._mentions()

    # --- what the question names ---

    def _own(self, column: str) -> Source:
        kind = next(c.type for c in self.t.columns if c.name == column)
        return Source(column, kind, self.t)

    def _mentions(self) -> list[Mention]:
        found: list[Mention] = []
        for c in self.t.columns:
            if c.name == KEY_COLUMN:
                continue
            src = Source(c.name, c.type, self.t)
            forms = [column_forms(c.name)[1]]
            if c.name in self.links:
                forms.append(column_forms(self.links[c.name][0].name)[1])
            for form in forms:
                found += self._spell(form, src)
        found.sort(key=lambda m: (-m.score, m.start - m.end))
        self.explained.update(i for m in found for i in range(m.start, m.end))
        return found

    def _spell(self, form: str, src: Source) -> list[Mention]:
        out: list[Mention] = []
        toks = self.q.toks
        for i, tok in enumerate(toks):
            if tok.kind != "word":
                continue
            joined = ""
            for n in range(1, 4):
                if i + n > len(toks) or toks[i + n - 1].kind != "word":
                    break
                joined += toks[i + n - 1].norm
                if joined == form:
                    out.append(Mention(i, i + n, src, 1.0))
            word = tok.norm
            if word == form or word in STOPWORDS:
                continue
            synonyms = SYNONYMS.get(word, ())
            loose = word not in QUESTION_WORDS and len(word) >= 4
            if form in synonyms:
                out.append(Mention(i, i + 1, src, 0.8))
            elif any(form.endswith(w) and len(w) >= 4 for w in synonyms) or (
                loose and form.endswith(word)
            ):
                out.append(Mention(i, i + 1, src, 0.6))
            elif loose and len(word) >= 5 and form.startswith((word[:-1], word[:-2])):
                out.append(Mention(i, i + 1, src, 0.5))
        return out

    def _table_mention(self) -> None:
        form = column_forms(self.t.name)[1]
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
            self._use(best[1], best[2])
            self.table_span = range(best[1], best[2])

    def _use(self, start: int, end: int) -> None:
        self.used.update(range(start, end))
        self.explained.update(range(start, end))

    def _free(self, m: Mention) -> bool:
        return not any(i in self.used for i in range(m.start, m.end))

    def id_like(self, src: Source) -> bool:
        """A key column (``id``, a foreign key): never a measure or a compared quantity."""
        return src.column in self.links or column_forms(src.column)[1] in ("id", "key", "")

    def _near(
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
            if m.src.type not in kinds or (free and not self._free(m)):
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

    # --- the plan ---

    def plan(self) -> tuple[float, Shape] | None:
        self._table_mention()
        ok = (
            self._values()
            and self._numbers_with_columns()
            and self._comparisons()
            and self._times()
        )
        shape = resolve_shape(self) if ok else None
        if shape is None or not bare_numbers(self) or not text_filters(self):
            return None
        shape.filters = self.filters
        return self.score, shape

    def _values(self) -> bool:
        for vm in self.matches:
            if any(i in self.used for i in range(vm.start, vm.end)):
                continue
            seg = self.q.toks[vm.start : vm.end]
            one_word = len(seg) == 1 and seg[0].kind == "word"
            if one_word and any(
                m.score == 1.0 and m.start == vm.start and m.end == vm.end for m in self.mentions
            ):
                continue  # "how many users": the column, not a user named "user"
            options: dict[Source, list[Any]] = {}
            for ref in vm.refs:
                src = self._source_of(ref.table, ref.column)
                if src is not None:
                    options.setdefault(src, []).append(ref.value)
            if not options:
                continue
            src, adjacent = self._pick_value_column(vm, options)
            strong = not one_word or seg[0].cap or adjacent is not None
            size = self.values.distinct.get((src.table.sql_name, src.column), 0)
            if not strong and size > _LOW_CARDINALITY:
                continue
            same = next((f for f in self.filters if f.src == src and f.op == "in"), None)
            if same is not None:  # "in Los Angeles and San Francisco": either
                same.value = sorted({*same.value, *options[src]}, key=str)
            else:
                self.filters.append(Filter(src, "in", sorted(options[src], key=str)))
            self._use(vm.start, vm.end)
            self.score += 1.5 if src.via else 2.0
            if adjacent is not None:
                self._use(adjacent.start, adjacent.end)
                self.score += 0.5
        return True

    def _source_of(self, table: str, column: str) -> Source | None:
        if table == self.t.sql_name:
            return self._own(column)
        for via, (target, ref) in self.links.items():
            if target.sql_name == table:
                kind = next(c.type for c in target.columns if c.name == column)
                return Source(column, kind, target, via, ref)
        return None

    def _pick_value_column(
        self, vm: ValueMatch, options: dict[Source, list[Any]]
    ) -> tuple[Source, Mention | None]:
        def adjacent(src: Source) -> Mention | None:
            for m in self.mentions:
                names = m.src.column in (src.column, src.via) and m.src.table is self.t
                same = names or (m.src == src)
                gap = vm.start - m.end if m.end <= vm.start else m.start - vm.end
                fill = self.q.toks[min(m.end, vm.end) : max(m.start, vm.start)]
                if same and self._free(m) and gap <= 2 and all(t.norm in _FILLERS for t in fill):
                    return m
            return None

        counts = {s: sum(r.count for r in vm.refs if r.value in v) for s, v in options.items()}
        ranked = sorted(
            options,
            key=lambda s: (adjacent(s) is None, s.via is not None, -counts[s], s.column),
        )
        return ranked[0], adjacent(ranked[0])

    def _numbers_with_columns(self) -> bool:
        """ "status 404", "quantity of 3", "3 units": equality on the named numeric column."""
        for i, tok in enumerate(self.q.toks):
            if i in self.used or tok.kind != "num":
                continue
            m = self._near(i, NUMERIC, after=0, before=3, ids=False)
            m = m or self._near(i + 1, NUMERIC, after=1, ids=False)
            if m is None:
                continue
            between = self.q.toks[min(m.end, i) : max(m.start, i + 1)]
            if all(t.norm in _FILLERS for t in between if t is not tok):
                value = self._number(tok.value, m.src)
                self.filters.append(Filter(m.src, "in", [value]))
                self._use(i, i + 1)
                self._use(m.start, m.end)
                known = self.values.numbers.get((self.t.sql_name, m.src.column))
                self.score += -1.0 if known is not None and value not in known else 1.0
        return True

    def _number(self, value: float | None, src: Source) -> float | int:
        number = float(value or 0)
        return int(number) if src.type == "integer" and number.is_integer() else number

    def _comparisons(self) -> bool:
        for c in self.q.comparisons:
            m = self._near(c.span[0], NUMERIC, after=0, before=4, free=False, ids=False)
            m = m or self._near(c.span[1], NUMERIC, after=3, free=False, ids=False)
            if m is not None:
                src = m.src
                self._use(m.start, m.end)
                self.score += 0.5 + m.score
            else:
                money = [
                    c2
                    for c2 in self.t.columns
                    if c2.type in NUMERIC and column_forms(c2.name)[1] in MONEY
                ]
                if not c.money or len(money) != 1:
                    return False
                src = self._own(money[0].name)
            values = [v / 100 if c.percent and self._fraction(src) else v for v in c.values]
            if c.op == "between":
                lo, hi = sorted(values)
                self.filters += [Filter(src, ">=", lo), Filter(src, "<=", hi)]
            else:
                self.filters.append(Filter(src, c.op, values[0]))
            self._use(*c.span)
        return True

    def _fraction(self, src: Source) -> bool:
        top = ((self.t.profile or {}).get(src.column) or {}).get("max")
        return isinstance(top, int | float) and top <= 1

    def _datetime(self) -> Source | None:
        named = [m for m in self.mentions if m.src.type == "datetime"]
        if named:
            self._use(named[0].start, named[0].end)
            return named[0].src
        cols = [c for c in self.t.columns if c.type == "datetime"]
        if len(cols) == 1:
            return self._own(cols[0].name)
        timed = [c for c in cols if any(w in c.name.lower() for w in ("timestamp", "time", "date"))]
        return self._own(timed[0].name) if len(timed) == 1 else None

    def named_column(self, word: str, kinds: tuple[str, ...]) -> Source | None:
        """The table's own column called ``word`` ("year", "release_year"), if just one."""
        found = [
            c.name
            for c in self.t.columns
            if c.type in kinds and column_forms(c.name)[1].endswith(word)
        ]
        return self._own(found[0]) if len(found) == 1 else None

    def _whole_years(self, spec: TimeSpec) -> bool:
        """ "in 2009" on a table that has a year column instead of a date."""
        src = self.named_column("year", ("integer",))
        bounds = [b for b in (spec.start, spec.end) if b is not None]
        if src is None or spec.kind != "range" or any(b != datetime(b.year, 1, 1) for b in bounds):
            return False
        if spec.start:
            self.filters.append(Filter(src, ">=", spec.start.year))
        if spec.end:
            self.filters.append(Filter(src, "<", spec.end.year))
        self.score += 1.0
        return True

    def _times(self) -> bool:
        for spec in self.q.times:
            src = self._datetime()
            if src is None:
                if not self._whole_years(spec):
                    return False
            elif spec.kind == "range":
                if spec.start:
                    self.filters.append(Filter(src, ">=", spec.start))
                if spec.end:
                    self.filters.append(Filter(src, "<", spec.end))
            elif spec.kind == "month":
                self.filters.append(Filter(src, "month", spec.month))
            else:
                top = ((self.t.profile or {}).get(src.column) or {}).get("max")
                try:
                    anchor = datetime.fromisoformat(str(top))
                except ValueError:
                    return False
                start = anchor - timedelta(seconds=spec.seconds or 0)
                self.filters.append(Filter(src, ">=", start))
            self._use(*spec.span)
            self.score += 0.5
        return True
