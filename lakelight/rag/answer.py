"""`ask`: route a question, answer it from rows or SQL, cite what was used.

Correctness comes from construction, not from the model: figures are computed by SQL, lookup
answers are extracted from the rows that were retrieved, and a model's phrasing is kept only
when the cited rows support every number and name in it (see ``verify``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from lakelight.config import Settings
from lakelight.errors import LakelightError, NothingIngestedError, QuestionError
from lakelight.guard.policy import OutputGuard
from lakelight.index.catalog import Catalog, TableInfo
from lakelight.index.retriever import Retriever
from lakelight.llm import ChatBackend, canonical_name
from lakelight.rag.aggregate_answer import NO_ANSWER, AggregateAnswerer
from lakelight.rag.answer_cache import AnswerCache, cache_key
from lakelight.rag.lookup import (
    Evidence,
    LookupAnswer,
    answer_lookup,
    holds_written,
    named_rows,
    row_match,
)
from lakelight.rag.meaning import ColumnMeanings
from lakelight.rag.phrasing import phrase
from lakelight.rag.words import content_words
from lakelight.records import Citation

Route = Literal["lookup", "aggregate", "none"]
UNSUPPORTED = "extractive: the model's text was not supported by the rows"
FORBIDDEN_FIGURE = (
    "This figure needs data you may not read, so it was not computed: ask an admin to "
    "grant your group the source."
)


@dataclass
class Answer:
    answer: str
    route: Route
    citations: list[Citation] = field(default_factory=list)
    sql: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    llm: str = "not used"  # "phrased", "extractive: <why>", "not used"
    redacted: dict[str, int] = field(default_factory=dict)  # PII type → values the guard removed
    answer_id: str | None = None  # set when the answer was kept for feedback (the HTTP API)
    cached: bool = False  # given before to the same question over the same readable tables

    def as_dict(self) -> dict[str, Any]:
        """The one body `lakelight ask --json` prints and `POST /v1/ask` returns."""
        body: dict[str, Any] = {
            "answer": self.answer,
            "route": self.route,
            "citations": [c.as_dict() for c in self.citations],
            "sql": self.sql,
            "timings": self.timings,
            "llm": self.llm,
            "redacted": self.redacted,
            "cached": self.cached,
        }
        if self.answer_id is not None:
            body["answer_id"] = self.answer_id
        return body


class Asker:
    """Answers questions over one workspace; builds its helpers once, reuses them per question."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        retriever: Retriever | Callable[[], Retriever],
        backend: Callable[[], ChatBackend | None] | None,
        guard: Callable[[], OutputGuard],
    ):
        self.settings, self.catalog = settings, catalog
        # a factory, so a question SQL answers never loads the embedding model
        self._retriever = retriever
        self._backend_factory = backend
        self._guard_factory = guard  # required: nothing leaves without the output guard
        self._guard: OutputGuard | None = None
        self.aggregates = AggregateAnswerer(settings, catalog, self._embed, self._search_rows)
        self.cache = AnswerCache(settings.answer_cache_size)
        self.meanings = ColumnMeanings(self._embed)

    def retriever(self) -> Retriever:
        if callable(self._retriever) and not isinstance(self._retriever, Retriever):
            self._retriever = self._retriever()
        return self._retriever

    def _search_rows(self, query: str, k: int, within: set[int]) -> list[Any]:
        return self.retriever().search(query, k, within=within)

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self.retriever().indexes.embedder.embed(texts)

    def _usable_backend(self) -> ChatBackend | None:
        """The configured model, or None when there is none or it cannot load: answers are
        then extractive, which they would mostly be anyway."""
        if self._backend_factory is None:
            return None
        try:
            return self._backend_factory()
        except LakelightError:
            return None

    def ask(
        self,
        question: str,
        *,
        tables: list[TableInfo] | None = None,
        table: str | None = None,
        use_llm: bool = True,
        feedback_scopes: Sequence[str] = (),
        feedback_stamp: Hashable = None,
        generation: int | None = None,
    ) -> Answer:
        """``tables``: the ones the caller may read (default: all). Every path answers from
        them only: retrieval, named rows, key joins, value names and SQL. An answer given
        before over the same readable tables, unchanged since, is given again (``cached``).
        ``feedback_scopes``: whose ratings may move retrieved rows
        (``lakelight.index.feedback``); ``feedback_stamp``: their ratings' state (None: there
        are none), part of the cache key so a rating is seen by the next answer.
        ``generation``: the catalog's, read with ``tables`` (None: read here)."""
        started = time.perf_counter()
        question, readable, chosen, key = self._cache_key(
            question, tables, table, use_llm, feedback_scopes, feedback_stamp, generation
        )
        hit = self._hit(key, started)
        if hit is not None:
            return hit
        if self.cache.size <= 0:
            return self._answer(question, readable, chosen, use_llm, started, feedback_scopes)
        with self.cache.working(key) as lead:
            hit = None if lead else self._hit(key, started)  # the answer another thread made
            if hit is not None:
                return hit
            result = self._answer(question, readable, chosen, use_llm, started, feedback_scopes)
            if not result.llm.startswith("extractive: ") or result.llm == UNSUPPORTED:
                self.cache.put(key, result)  # not a model that failed: that may pass
            return result

    def cached(
        self,
        question: str,
        *,
        tables: list[TableInfo] | None = None,
        table: str | None = None,
        use_llm: bool = True,
        feedback_scopes: Sequence[str] = (),
        feedback_stamp: Hashable = None,
        generation: int | None = None,
    ) -> Answer | None:
        """The answer ``ask`` would give if the cache holds it, else None: no retrieval, no
        SQL over the data, no model (the same checks of the question and ``table``)."""
        started = time.perf_counter()
        *_, key = self._cache_key(
            question, tables, table, use_llm, feedback_scopes, feedback_stamp, generation
        )
        return self._hit(key, started)

    def _cache_key(
        self,
        question: str,
        readable: list[TableInfo] | None,
        table: str | None,
        use_llm: bool,
        feedback_scopes: Sequence[str],
        feedback_stamp: Hashable,
        generation: int | None,
    ) -> tuple[str, list[TableInfo] | None, list[TableInfo], tuple[Hashable, ...]]:
        """The checked question, the readable and the chosen tables, and the cache key."""
        question = _check_question(question, self.settings.max_question_chars)
        chosen = self._tables(table, readable)
        key = cache_key(
            self.catalog.generation() if generation is None else generation,
            chosen if readable is None else readable,  # (``table`` is in the key too)
            question,
            table,
            use_llm,
        )
        if feedback_stamp is not None:  # ratings may move rows: an answer per scope and state
            key = (*key, tuple(sorted(feedback_scopes)), feedback_stamp)
        return question, readable, chosen, key

    def _hit(self, key: tuple[Hashable, ...], started: float) -> Answer | None:
        hit = self.cache.get(key)
        if hit is not None:
            hit.cached, hit.timings = True, {"total_ms": _ms(started)}
        return hit

    def _answer(
        self,
        question: str,
        readable: list[TableInfo] | None,
        tables: list[TableInfo],
        use_llm: bool,
        started: float,
        feedback_scopes: Sequence[str] = (),
    ) -> Answer:
        timings: dict[str, float] = {}
        # the model loads only when a route needs it: a question SQL answers never waits for it
        backend = self._usable_backend if use_llm else _no_backend

        sql_backend = backend if use_llm and self._may_write_sql() else _no_backend
        if readable is not None and self.aggregates.needs_forbidden(
            question, readable, self.catalog.list_tables()
        ):
            result = Answer(FORBIDDEN_FIGURE, "none")
            result.timings = {**timings, "total_ms": _ms(started)}
            return result
        computed = self.aggregates.answer(question, tables, sql_backend, timings)
        if computed is not None and not computed.known:
            result = Answer(computed.text, "none")
        elif computed is not None:
            result = Answer(computed.text, "aggregate", computed.citations, computed.sql)
        else:
            result = self._lookup(question, tables, backend, timings, feedback_scopes)
        self._apply_guard(result, timings)
        result.timings = {**timings, "total_ms": _ms(started)}
        return result

    def _may_write_sql(self) -> bool:
        """Whether the configured model may write SQL, known without loading it: the bundled
        local model may not unless LAKELIGHT_LLM_CAPABLE says so."""
        if self.settings.llm_capable is not None:
            return self.settings.llm_capable
        return canonical_name(self.settings.llm_backend) != "local"

    def _apply_guard(self, result: Answer, timings: dict[str, float]) -> None:
        """Nothing leaves without the guard: PII the policy blocks is removed from the
        answer and its citations."""
        t0 = time.perf_counter()
        if self._guard is None:
            self._guard = self._guard_factory()
        cleaned = self._guard.clean(result.answer, result.citations)
        result.answer, result.citations, result.redacted = (
            cleaned.text,
            cleaned.citations,
            cleaned.removed,
        )
        timings["guard_ms"] = _ms(t0)

    def _tables(self, table: str | None, readable: list[TableInfo] | None) -> list[TableInfo]:
        tables = self.catalog.list_tables() if readable is None else readable
        if not tables:
            raise NothingIngestedError("Nothing ingested yet: run `lakelight ingest SOURCE` first")
        if table is None:
            return tables
        chosen = [t for t in tables if table in (t.name, t.sql_name) or t.name.lower() == table]
        if not chosen:
            names = ", ".join(sorted(t.name for t in tables)[:30])
            raise QuestionError(f"No table '{table}'; the tables are: {names}")
        return chosen

    def _lookup(
        self,
        question: str,
        tables: list[TableInfo],
        backend: Callable[[], ChatBackend | None],
        timings: dict[str, float],
        feedback_scopes: Sequence[str] = (),
    ) -> Answer:
        t0 = time.perf_counter()
        named, missing = named_rows(question, tables, self.catalog)
        # a row the question names by key answers without search (and without loading the
        # embedding model); search runs when those rows do not answer
        found = (
            answer_lookup(question, [], tables, self.catalog, named, self.meanings)
            if named
            else None
        )
        if found is None:
            within = (
                {t.id for t in tables} if len(tables) < len(self.catalog.list_tables()) else None
            )
            hits = self.retriever().search(
                question,
                self.settings.answer_rows,
                within=within,
                feedback_scopes=feedback_scopes,
            )
            timings["retrieval_ms"] = _ms(t0)
            evidence = [Evidence(h.source, h.table, h.key, h.row) for h in hits]
            gone = [r for r in missing if not holds_written(r, evidence[:3])]
            if not named and gone:
                ref = gone[0]  # "order 99,999": no such row, and no other row is it
                return Answer(f"{NO_ANSWER} The data has no {ref.table.name} {ref.key}.", "none")
            if not named and not _relevant(question, hits, evidence, self.settings.relevance_floor):
                return Answer(NO_ANSWER, "none")
            found = answer_lookup(question, evidence, tables, self.catalog, named, self.meanings)
        if found is None:
            return Answer(NO_ANSWER, "none")
        answer = Answer(found.text, "lookup", _citations(found))
        model = backend() if found.facts else None
        if model is not None:
            t1 = time.perf_counter()
            answer.answer, answer.llm = _phrase_safely(model, question, found)
            timings["llm_ms"] = _ms(t1)
        return answer


def _no_backend() -> ChatBackend | None:
    return None


def _phrase_safely(backend: ChatBackend, question: str, found: LookupAnswer) -> tuple[str, str]:
    try:
        text = phrase(backend, question, found)
    except LakelightError as exc:
        return found.text, f"extractive: {exc}"
    if text is None:
        return found.text, UNSUPPORTED
    return text, "phrased"


def _relevant(question: str, hits: list[Any], evidence: list[Evidence], floor: float) -> bool:
    """Relevant when the best vector match clears the floor or a row holds the question's
    own words (an id, a name, a code found by keyword)."""
    if not hits:
        return False
    best_similarity = max((h.similarity or 0.0) for h in hits)
    if best_similarity >= floor:
        return True
    distinctive = [w for w in content_words(question) if len(w) >= 3 or w.isdigit()]
    return bool(distinctive) and any(row_match(question, e.row) >= 1 for e in evidence[:3])


def _citations(found: LookupAnswer) -> list[Citation]:
    return [Citation(e.source, e.table, e.key, e.row) for e in found.evidence]


def _check_question(question: str, limit: int) -> str:
    text = (question or "").strip()
    if not text:
        raise QuestionError("Empty question: ask something about your data")
    if len(text) > limit:
        raise QuestionError(
            f"Question is {len(text):,} characters; the limit is {limit:,} "
            "(LAKELIGHT_MAX_QUESTION_CHARS)"
        )
    return text


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
