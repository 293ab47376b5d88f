"""Match one parsed question against one table: which columns it names and in what role
(measure, group, filter), which values and numbers it gives, and how much of it that explains.
Anything the table cannot explain (a value, a number, a proper name) means no plan."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from lakelight.rag.aggregate_leftover import (
    bare_numbers,
    leftover,
    own_event,
    own_service,
    text_filters,
)
from lakelight.rag.aggregate_parse import COUNT_NOUNS, QUESTION_WORDS, TimeSpec
from lakelight.rag.aggregate_shape import resolve_shape
from lakelight.rag.aggregate_sql import Filter, Shape, Source
from lakelight.rag.linking import Mention
from lakelight.rag.plan_state import NUMERIC, PlanState
from lakelight.rag.values import ValueMatch
from lakelight.rag.words import NEGATIONS, STOPWORDS

_FILLERS = frozenset(
    {"the", "a", "an", "each", "every", "all", "of", "is", "are", "was", "were", "be", "=", "equal"}
    | {"to", "at", "exactly"}  # "priced at 1.99", "equal to 3"
)
_LOW_CARDINALITY = 200  # a lowercase one-word value counts only in columns this small


class TablePlanner(PlanState):
    # --- the plan ---

    def plan(self) -> tuple[float, Shape] | None:
        if not self.is_aggregate():
            return None  # its aggregate words name a column: "the total price of order 7"
        self.mention_table()
        if self.t.kind == "log":
            own_service(self)  # "MySQL" on the mysqld log names the log, not a value
        ok = (
            self._values()
            and self._similar_values()
            and self._numbers_with_columns()
            and self._comparisons()
            and self._times()
        )
        shape = resolve_shape(self) if ok else None
        if shape is None or not bare_numbers(self) or not text_filters(self):
            return None
        if any(i not in self.used for i in self.q.negations()):
            return None  # "tracks with no composer": a negation no phrase accounts for
        if self.strict and any(leftover(self, i) for i in range(len(self.q.toks))):
            return None  # "how many pitchers threw a shutout": what "shutout" means is unknown
        if shape.kind == "which" and not self.filters:
            return None  # "which customer ..." with nothing that picks rows: a lookup
        shape.filters, shape.outside = self.filters, self._outside()
        return self.score, shape

    def _values(self) -> bool:
        spans = self.value_spans
        for vm in self.matches:
            if any(i in self.used for i in range(vm.start, vm.end)):
                continue
            seg = self.q.toks[vm.start : vm.end]
            one_word = len(seg) == 1 and seg[0].kind == "word"
            if one_word and any(
                m.score == 1.0 and m.start == vm.start and m.end == vm.end for m in self.mentions
            ):
                continue  # "how many users": the column, not a user named "user"
            if any(
                m.score == 1.0
                and m.start <= vm.start
                and vm.end <= m.end
                and m.end - m.start > vm.end - vm.start
                and any(m.src.column == r.column for r in vm.refs)
                for m in self.mentions
            ):
                continue  # "which ship mode": the column's name, not its value SHIP
            options: dict[Source, list[Any]] = {}
            listed: set[Source] = set()
            for ref in vm.refs:
                src = self._source_of(ref.table, ref.column)
                if src is not None:
                    options.setdefault(src, []).append(ref.value)
                    if ref.part:
                        listed.add(src)
            if not options:
                continue
            src, adjacent = self._pick_value_column(vm, options)
            if vm.weak and (adjacent is None or adjacent.end > vm.start):
                continue  # a bare "a" or "R" is a value only right after its column's name
            # a code of letters and digits ("abreujo02") is no common word: it names a value
            code = one_word and any(c.isdigit() for c in seg[0].raw)
            strong = not one_word or seg[0].cap or code or adjacent is not None
            size = self.values.distinct.get((src.table.sql_name, src.column), 0)
            if not strong and size > _LOW_CARDINALITY:
                continue
            op = "has" if src in listed else "in"  # "Drama" of "Drama, Crime": an item
            same = next((f for f in self.filters if f.src == src and f.op == op), None)
            if same is not None:  # "in Los Angeles and San Francisco": either
                same.value = sorted({*same.value, *options[src]}, key=str)
            else:
                self.filters.append(Filter(src, op, sorted(options[src], key=str)))
                spans[id(self.filters[-1])] = (vm.start, vm.end)
            self.use(vm.start, vm.end)
            self.score += 1.5 if src.via else 2.0
            if adjacent is not None:
                self.use(adjacent.start, adjacent.end)
                self.score += 0.5
        self._drop_clashing_event()
        return True

    def _drop_clashing_event(self) -> None:
        """On a log, event values no line holds together ("failed password for invalid user":
        a failed login, and the words "invalid user" of its message): the event fields give
        one line one class, so the longest phrase that clashes goes back to the message."""
        spans = self.value_spans
        events = [f for f in self.filters if own_event(f) and id(f) in spans]
        if self.t.kind != "log" or len(events) < 2 or self._together(events):
            return
        for f in sorted(events, key=lambda f: spans[id(f)][0] - spans[id(f)][1]):
            if self._together([g for g in events if g is not f]):
                self.filters.remove(f)
                self.used.difference_update(range(*spans[id(f)]))
                self.explained.difference_update(range(*spans[id(f)]))
                self.score -= 2.0
                return

    def _together(self, filters: list[Filter]) -> bool:
        where = [(f.src.column, list(f.value)) for f in filters]
        return self.values.contains(self.t.sql_name, where[0][0], "", where)

    def _similar_values(self) -> bool:
        """Words no value spells that mean one ("probed non-existent files" → event_action
        'file not found'), judged by the embedding model, longest run first."""
        counted = any(  # "how many requests"; not "sales", which another table holds
            t.norm in COUNT_NOUNS and t.norm not in self.other_columns | self.other_tables
            for t in self.q.toks
        )
        if self.t.kind != "log" or not (self.filters or self.table_span or counted):
            # tables name their categories as people do, and a question with nothing of a
            # log about it ("total sales in the West") leaves the model unloaded
            return True
        toks = self.q.toks
        machinery = {i for positions in self.q.aggs.values() for i in positions}
        if self.q.superlative:
            machinery.add(self.q.superlative[1])
        runs: list[list[int]] = []
        for i, tok in enumerate(toks):
            free = i not in self.used and i not in machinery and tok.kind == "word"
            free = free and tok.norm not in NEGATIONS  # only a phrase a message writes
            free = free and tok.norm not in QUESTION_WORDS  # "how many", "most often"
            if free and len(tok.norm) >= 3 and tok.norm not in STOPWORDS:
                if runs and runs[-1][-1] == i - 1:
                    runs[-1].append(i)
                else:
                    runs.append([i])
        spans = [
            run[a:b]
            for run in runs
            for size in range(min(len(run), 4), 0, -1)
            for a in range(len(run) - size + 1)
            if (b := a + size) and size >= 2  # one word alone is too often a near miss
        ]
        texts = [" ".join(toks[i].raw for i in span) for span in spans]
        taken: set[int] = set()
        for n, ref, _ in self.values.similar_value(self.t.sql_name, texts):
            span = spans[n]
            if any(i in taken for i in span) or any(
                f.src.column == ref.column for f in self.filters
            ):
                continue
            if not self.values.contains(
                self.t.sql_name,
                ref.column,
                str(ref.value),
                [*self._own_in(), (ref.column, [ref.value])],
            ):
                continue  # with what the question already picks, that value holds no row
            self.filters.append(Filter(self.own(ref.column), "in", [ref.value]))
            self.use(span[0], span[-1] + 1)
            taken.update(span)
            self.score += 1.0
        return True

    def _own_in(self) -> list[tuple[str, list[Any]]]:
        """The equality filters found so far on the table's own columns."""
        return [(f.src.column, f.value) for f in self.filters if f.op == "in" and not f.src.path]

    def _source_of(self, table: str, column: str) -> Source | None:
        if table == self.t.sql_name:
            return self.own(column)
        for path, target in self.reach:
            if target.sql_name == table:
                kind = next(c.type for c in target.columns if c.name == column)
                return Source(column, kind, target, path)
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
                if same and self.free(m) and gap <= 2 and all(t.norm in _FILLERS for t in fill):
                    return m
            return None

        counts = {
            s: sum(
                r.count
                for r in vm.refs
                if r.table == s.table.sql_name and r.column == s.column and r.value in v
            )
            for s, v in options.items()
        }
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
            m = self.near(i, NUMERIC, after=0, before=3, ids=False)
            m = m or self.near(i + 1, NUMERIC, after=1, ids=False)
            if m is None:
                continue
            between = self.q.toks[min(m.end, i) : max(m.start, i + 1)]
            if all(t.norm in _FILLERS for t in between if t is not tok):
                value = self._number(tok.value, m.src)
                if tok.percent and self._fraction(m.src):
                    value = round(float(tok.value or 0) / 100, 6)  # "80%" of a 0–1 column
                self.filters.append(Filter(m.src, "in", [value]))
                self.use(i, i + 1)
                self.use(m.start, m.end)
                known = self.values.numbers.get((self.t.sql_name, m.src.column))
                self.score += -1.0 if known is not None and value not in known else 1.0
        return True

    def _number(self, value: float | None, src: Source) -> float | int:
        number = float(value or 0)
        return int(number) if src.type == "integer" and number.is_integer() else number

    def _comparisons(self) -> bool:
        for c in self.q.comparisons:
            if not c.toks and any(i in self.used for i in range(*c.span)):
                continue  # a sign word that is a value: sentiment "negative"
            m = self.near(c.span[0], NUMERIC, after=0, before=4, free=False, ids=False)
            m = m or self.near(c.span[1], NUMERIC, after=3, free=False, ids=False)
            if m is not None:
                src = m.src
                self.use(m.start, m.end)
                self.score += 0.5 + m.score
            else:
                money = self.money_column()
                if not c.money or money is None:
                    return False
                src = money
            values = [v / 100 if c.percent and self._fraction(src) else v for v in c.values]
            if c.op == "between":
                lo, hi = sorted(values)
                self.filters += [Filter(src, ">=", lo), Filter(src, "<=", hi)]
            else:
                self.filters.append(Filter(src, c.op, values[0]))
            self.use(*c.span)
        return True

    def _outside(self) -> str | None:
        """Whether a time window the question gives lies outside what its column holds:
        "home runs in 2021" of seasons 2016-2019 has no answer, not a total of none."""
        for f in self.filters:
            if id(f) not in self.time_filters:
                continue
            info = (self.t.profile or {}).get(f.src.column) or {}
            try:
                lo, hi, bound = (_point(v) for v in (info.get("min"), info.get("max"), f.value))
            except (TypeError, ValueError):
                continue
            if (f.op == ">=" and hi < bound) or (f.op == "<" and bound <= lo):
                lo_s, hi_s = (re.sub(r"[T ]00:00:00$", "", str(info[k])) for k in ("min", "max"))
                return f"{self.t.name} has {f.src.label} from {lo_s} to {hi_s}"
        return None

    def _fraction(self, src: Source) -> bool:
        top = ((self.t.profile or {}).get(src.column) or {}).get("max")
        return isinstance(top, int | float) and top <= 1

    def _whole_years(self, spec: TimeSpec) -> bool:
        """ "in 2009" on a table that has a year column instead of a date."""
        src = self.named_column("year", ("integer",))
        bounds = [b for b in (spec.start, spec.end) if b is not None]
        if src is None or spec.kind != "range" or any(b != datetime(b.year, 1, 1) for b in bounds):
            return False
        if spec.start:
            self._time_filter(Filter(src, ">=", spec.start.year))
        if spec.end:
            self._time_filter(Filter(src, "<", spec.end.year))
        self.score += 1.0
        return True

    def _time_filter(self, f: Filter) -> None:
        self.filters.append(f)
        self.time_filters.add(id(f))

    def _times(self) -> bool:
        for spec in self.q.times:
            src = self.datetime_column()
            if src is None:
                if not self._whole_years(spec):
                    return False
            elif spec.kind == "range":
                if spec.start:
                    self._time_filter(Filter(src, ">=", spec.start))
                if spec.end:
                    self._time_filter(Filter(src, "<", spec.end))
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
            self.use(*spec.span)
            self.score += 0.5
        return True


def _point(value: Any) -> float:
    """A profiled bound or a filter's value, comparable: a year as itself, a date as its
    POSIX time (profiles keep ISO text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=UTC).timestamp()
