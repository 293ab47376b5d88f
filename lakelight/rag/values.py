"""The value index: distinct values of the catalog's low-cardinality columns, so names in a
question ("West region", "in California", "user root", "status 404") resolve to the column
and value that hold them. Built once per catalog generation and shared by every route."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lakelight.index.catalog import TableInfo
from lakelight.index.materialize import KEY_COLUMN, table_for
from lakelight.rag.aggregate_parse import Question, Tok, tokenize, wordset
from lakelight.rag.sql_guard import sql_dialect
from lakelight.rag.text_phrases import TextPhrases, like_pattern, word_stem
from lakelight.rag.words import STOPWORDS, fold

__all__ = ["ValueIndex", "ValueMatch", "ValueRef", "value_key"]

MAX_DISTINCT = 5000  # string columns with more distinct values are not indexed
MAX_NUMERIC_DISTINCT = 100  # integer columns (status codes...) whose values a bare number may be
MAX_VALUE_TOKENS = 8
MAX_VALUE_CHARS = 200
MAX_PHRASE_TEXTS = 50_000  # rows of a text column read to find the phrases its rows write
MAX_SPAN_VECTORS = 50_000  # question words and table names kept embedded
TEXT_NAMES = wordset(
    """message msg text description body content comment summary detail note log"""
)


@dataclass(frozen=True, slots=True)
class ValueRef:
    """A distinct value of a column: where it is, as stored, and how many rows hold it."""

    table: str  # sql_name
    column: str
    value: Any
    count: int
    part: bool = False  # one item of the column's lists ("Drama" of "Drama, Crime")


@dataclass(frozen=True, slots=True)
class ValueMatch:
    """Question tokens [start, end) spell a stored value (several columns may hold it)."""

    start: int
    end: int
    refs: tuple[ValueRef, ...]
    weak: bool = False  # a one-letter or stop-word value ("R", "A"): only right after its column


def value_key(text: str) -> tuple[str, ...] | None:
    """The normalized tokens a value is found by: "New York City" → ("new", "york", "city")."""
    if not text or len(text) > MAX_VALUE_CHARS:
        return None
    key = tuple(t.norm for t in tokenize(text) if t.kind != "sym" and t.norm)
    return key if 0 < len(key) <= MAX_VALUE_TOKENS else None


# a rank written before a value: "1-URGENT", "2. High", "3) medium"
_RANKED = re.compile(r"^\s*\d{1,2}\s*[-.):]\s*(?=[^\W\d])")


LIST_SEPARATOR = ", "
LIST_MIN_VALUES = 20


def list_items(counts: list[tuple[str, int]]) -> dict[str, int] | None:
    """The items of a column that holds lists ("Drama, Crime", "Jimmy Page, Robert Plant"),
    each with the rows holding it; None for a column of single values. A list column's values
    have varying numbers of items, some three or more, and its items are short and recur
    across values (composers: 1,168 mentions of 947 names); "Smith, John" and "Springfield,
    IL" always have two parts and are single values."""
    if len(counts) < LIST_MIN_VALUES:
        return None
    sizes = Counter(len(v.split(LIST_SEPARATOR)) for v, _ in counts)
    listed = sum(n for size, n in sizes.items() if size > 1)
    if listed < 0.1 * len(counts) or max(sizes) < 3:
        return None
    if sizes.most_common(1)[0][1] > 0.9 * len(counts):
        return None  # nearly every value has the same number of parts: a format
    items: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for value, n in counts:
        for item in {i.strip() for i in value.split(LIST_SEPARATOR) if i.strip()}:
            items[item] += n
            seen[item] += 1
    words = sum(len(item.split()) for item in seen) / len(seen)
    if sum(seen.values()) < 1.1 * len(seen) or words > 4:
        return None  # clauses that do not recur: free text with commas
    return dict(items)


def _keys_of(value: str) -> list[tuple[str, ...]]:
    """The keys a value is found by: its own, and without a rank before it ("urgent" for
    "1-URGENT": people say the word, not the rank)."""
    keys = [value_key(value)]
    if (ranked := _RANKED.match(value)) is not None:
        keys.append(value_key(value[ranked.end() :]))
    return [k for k in dict.fromkeys(keys) if k]


class ValueIndex:
    """Distinct values of the catalog's low-cardinality columns, to resolve names in questions
    ("West region", "in California", "user root", "status 404")."""

    def __init__(
        self,
        engine: Engine,
        tables: list[TableInfo],
        values: dict[tuple[str, ...], list[ValueRef]],
        numbers: dict[tuple[str, str], frozenset[float]],
        distinct: dict[tuple[str, str], int],
        texts: dict[str, list[str]],
    ):
        self.engine = engine
        self.dialect = sql_dialect(engine.dialect.name)
        self.values = values
        self.numbers = numbers
        self.distinct = distinct
        self.texts = texts
        self.stemmed: dict[tuple[str, ...], list[ValueRef]] = defaultdict(list)
        for key, refs in values.items():
            if all(w.isalpha() and len(w) >= 3 for w in key):
                self.stemmed[tuple(word_stem(w) for w in key)] += refs
        self._tables = {t.sql_name: t for t in tables}
        # set by the caller: texts → unit vectors (the embedding model), loaded on first use
        self.embed: Callable[[list[str]], np.ndarray] | None = None
        # set by the caller: a noun → the sql_name of the readable table whose rows it means
        # ("movies" for a table named omdb), by what the vector index returns for it
        self.rows_named: Callable[[str], str | None] | None = None
        self._span_vectors: dict[str, np.ndarray] = {}
        self._value_vectors: dict[str, tuple[list[ValueRef], np.ndarray]] = {}
        self._contains: dict[tuple[str, ...], bool] = {}
        self._phrases: dict[tuple[str, str], TextPhrases] = {}

    @classmethod
    def build(
        cls, engine: Engine, tables: list[TableInfo], *, max_distinct: int = MAX_DISTINCT
    ) -> ValueIndex:
        values: dict[tuple[str, ...], list[ValueRef]] = defaultdict(list)
        numbers: dict[tuple[str, str], frozenset[float]] = {}
        distinct: dict[tuple[str, str], int] = {}
        texts: dict[str, list[str]] = {}
        with engine.connect() as conn:
            for t in tables:
                mat = table_for(t.sql_name, t.columns)
                for c in t.columns:
                    if c.name == KEY_COLUMN or c.type not in ("string", "integer"):
                        continue
                    col = mat.c[c.name]
                    known = ((t.profile or {}).get(c.name) or {}).get("distinct")
                    if c.type == "string" and _is_text(t, c.name):
                        texts.setdefault(t.sql_name, []).append(c.name)
                    cap = max_distinct if c.type == "string" else MAX_NUMERIC_DISTINCT
                    if known is not None and known > cap:
                        continue
                    rows = conn.execute(
                        sa.select(col, sa.func.count())
                        .where(col.is_not(None))
                        .group_by(col)
                        .limit(cap + 1)
                    ).all()
                    if len(rows) > cap:
                        continue
                    distinct[(t.sql_name, c.name)] = len(rows)
                    if c.type == "integer":
                        numbers[(t.sql_name, c.name)] = frozenset(float(v) for v, _ in rows)
                        continue
                    items = list_items([(str(v), int(n)) for v, n in rows])
                    for item, n in (items or {}).items():
                        if key := value_key(item):
                            values[key].append(ValueRef(t.sql_name, c.name, item, n, part=True))
                    for value, n in rows:
                        if items is not None and str(value) in items:
                            continue  # "Drama" alone: the item covers it
                        ref = ValueRef(t.sql_name, c.name, value, int(n))
                        for key in _keys_of(str(value)):
                            values[key].append(ref)
        return cls(engine, tables, dict(values), numbers, distinct, texts)

    def matches(self, q: Question) -> list[ValueMatch]:
        """Every run of question tokens that spells a stored value, longest first."""
        found: list[ValueMatch] = []
        toks = q.toks
        for i in range(len(toks)):
            for n in range(min(MAX_VALUE_TOKENS, len(toks) - i), 0, -1):
                seg = toks[i : i + n]
                if any(t.kind == "sym" for t in seg) or (n > 1 and seg[0].kind == "quote"):
                    continue
                key = value_key(seg[0].norm) if seg[0].kind == "quote" else _key(seg)
                if key and not (refs := self.values.get(key, [])) and seg[0].kind == "word":
                    # the same word in another form: "successful" for success, "failed"
                    # for failure, "rate limiting" for rate limited
                    refs = self.stemmed.get(tuple(word_stem(w) for w in key), [])
                if key and not refs and n == 2 and all(t.kind == "word" for t in seg):
                    # two words a value writes as one: "public key" for publickey, "log in"
                    refs = self.values.get((seg[0].norm + fold(seg[1].raw),), [])
                    refs = [r for r in refs if len(str(r.value)) >= 5]
                if key and refs:
                    if not _trivial(seg):
                        found.append(ValueMatch(i, i + n, tuple(refs)))
                        continue
                    exact = tuple(r for r in refs if str(r.value) == seg[0].raw)
                    if exact:  # written as the data writes it: "return flag R"
                        found.append(ValueMatch(i, i + n, exact, weak=True))
        found.sort(key=lambda m: (m.start - m.end, m.start))
        return found

    def numeric_columns(self, table: str, value: float) -> list[str]:
        """Low-cardinality integer columns of ``table`` holding ``value``, fewest values first."""
        cols = [c for (t, c), vals in self.numbers.items() if t == table and value in vals]
        return sorted(cols, key=lambda c: self.distinct.get((table, c), 0))

    def text_columns(self, table: str) -> list[str]:
        return self.texts.get(table, [])

    def contains(
        self,
        table: str,
        column: str,
        phrase: str,
        where: list[tuple[str, list[Any]]] | None = None,
        also: list[tuple[str, str]] | None = None,
    ) -> bool:
        """Some row's ``column`` contains ``phrase`` (case-insensitive), among the rows whose
        ``where`` columns hold one of the given values and whose ``also`` columns contain
        their phrases too; cached."""
        key = (table, column, phrase, repr(where), repr(also))
        if key not in self._contains:
            info = self._tables.get(table)
            found = False
            if info is not None:
                mat = table_for(info.sql_name, info.columns)
                query = sa.select(sa.literal(1))
                for name, text in [(column, phrase), *(also or [])]:
                    query = query.where(sa.func.lower(mat.c[name]).like(like_pattern(text)))
                for name, values in where or []:
                    query = query.where(mat.c[name].in_(values))
                with self.engine.connect() as conn:
                    found = conn.execute(query.limit(1)).first() is not None
            self._contains[key] = found
        return self._contains[key]

    def phrase(self, table: str, column: str, words: list[str]) -> str | None:
        """How ``table``'s text ``column`` writes ``words`` (question words, in order), for
        a ``like`` filter: see ``lakelight.rag.text_phrases``. Found in the first
        MAX_PHRASE_TEXTS rows; the filter itself then runs over all of them."""
        if (table, column) not in self._phrases:
            info = self._tables.get(table)
            texts: list[str] = []
            if info is not None:
                col = table_for(info.sql_name, info.columns).c[column]
                with self.engine.connect() as conn:
                    query = sa.select(col).where(col.is_not(None)).limit(MAX_PHRASE_TEXTS)
                    texts = [str(v) for (v,) in conn.execute(query)]
            self._phrases[(table, column)] = TextPhrases(texts)
        return self._phrases[(table, column)].find(words)

    def meant(
        self, text: str, options: list[str], margin: float | None = None, floor: float = 0.0
    ) -> int | None:
        """Which of ``options`` ``text`` clearly means: a cosine of at least ``floor``, by
        ``margin`` (SIMILAR_MARGIN_TABLE) over any other, if the embedding model is at hand
        ("home runs did they hit" means Batting more than Pitching)."""
        margin = SIMILAR_MARGIN_TABLE if margin is None else margin
        if self.embed is None or not options:
            return None
        vectors = self._vectors([text, *options])
        scores = vectors[1:] @ vectors[0]
        order = np.argsort(-scores)
        runner = float(scores[order[1]]) if len(options) > 1 else 0.0
        if float(scores[order[0]]) < floor or float(scores[order[0]]) - runner < margin:
            return None
        return int(order[0])

    def _vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._span_vectors]
        if missing:
            assert self.embed is not None
            if len(self._span_vectors) + len(missing) > MAX_SPAN_VECTORS:
                self._span_vectors.clear()  # a server asked many questions between ingests
            for text, vector in zip(missing, self.embed(missing), strict=True):
                self._span_vectors[text] = vector
        return np.stack([self._span_vectors[t] for t in texts])

    def similar_value(self, table: str, spans: list[str]) -> list[tuple[int, ValueRef, float]]:
        """For each span of words, the value of one of ``table``'s few-valued text columns
        that means the same ("non-existent files" → "file not found"), if one clearly does:
        cosine ≥ SIMILAR_VALUE and SIMILAR_MARGIN above any other value."""
        if self.embed is None or not spans:
            return []
        refs, matrix = self._values_of(table)
        if not refs:
            return []
        self._vectors(spans)
        found = []
        for n, text in enumerate(spans):
            scores = matrix @ self._span_vectors[text]
            order = np.argsort(-scores)
            best = refs[int(order[0])]
            runner = next(
                (float(scores[j]) for j in order[1:] if refs[int(j)].value != best.value), 0.0
            )
            top = float(scores[order[0]])
            if top >= SIMILAR_VALUE and top - runner >= SIMILAR_MARGIN:
                found.append((n, best, top))
        return found

    def _values_of(self, table: str) -> tuple[list[ValueRef], np.ndarray]:
        if table not in self._value_vectors:
            refs = [
                r
                for rs in self.values.values()
                for r in rs
                if r.table == table
                and self.distinct.get((table, r.column), MAX_FEW + 1) <= MAX_FEW
                and isinstance(r.value, str)
                and sum(c.isalpha() for c in r.value) >= 3
            ]
            assert self.embed is not None
            vectors = self.embed([str(r.value) for r in refs]) if refs else np.zeros((0, 1))
            self._value_vectors[table] = (refs, vectors)
        return self._value_vectors[table]


SIMILAR_VALUE = 0.6  # all-MiniLM-L6-v2 cosine of a paraphrase and the value it means
SIMILAR_MARGIN = 0.15
# a question's cosine to one table's name over another's when plans on both explain it
# equally ("hit" home runs: Batting 0.46 / 0.57, Pitching 0.38 / 0.45; "pitchers allow":
# Pitching 0.58, Batting 0.53)
SIMILAR_MARGIN_TABLE = 0.04
# a word beside an aggregate word that names no column, and the numeric column it means:
# "payroll" / salary 0.55, "wages" / salary 0.73; "revenue" is 0.73 from profit and 0.65
# from sales, too close to call
MEASURE_FLOOR, MEASURE_MARGIN = 0.5, 0.15
MAX_FEW = 50  # columns with more distinct values are names, not categories of events


def _key(seg: list[Tok]) -> tuple[str, ...]:
    return tuple(t.norm for t in seg)


def _trivial(seg: list[Tok]) -> bool:
    if len(seg) > 1 or seg[0].kind != "word":
        return False
    word = seg[0].norm
    return len(word) < 2 or word in STOPWORDS


def _is_text(table: TableInfo, column: str) -> bool:
    name = column.lower()
    return name in TEXT_NAMES or (table.kind == "log" and name in ("message", "msg"))
