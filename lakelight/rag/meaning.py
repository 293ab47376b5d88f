"""Columns a question names by meaning rather than spelling: "how tall" for ``height``, "weigh"
for ``weight``, "what country was she born in" for ``birthCountry`` (and not
``deathCountry``). Each column is described by its words (``linking.column_terms``: prefix
stripped, abbreviations expanded); the question's own words, less those that identify the row,
are compared with those descriptions by the embedding model the index already uses. A column
that also shares a word with the question gets a bonus, so meaning breaks ties between columns
the spelling half names."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from lakelight.index.catalog import TableInfo
from lakelight.rag.linking import KEY_WORDS, column_terms, table_form
from lakelight.rag.words import content_words, fold, singular, stem, value_text, words

__all__ = ["ColumnMeanings"]

Embed = Callable[[list[str]], np.ndarray]

# a column is named when a question word is this close to its description. Measured with the
# bundled all-MiniLM-L6-v2: "tall"/"height" 0.85, "weigh"/"weight" 0.91, "born"/"birth country"
# 0.61; unrelated pairs reach 0.46 ("customer"/"name", "tall"/"weight" 0.41), but related
# measures do too ("sales"/"profit" 0.61), so meaning only names a column the spelling did not
THRESHOLD = 0.6
SHARED_WORD_BONUS = 0.15  # for a word the column shares, or a compound ending in one
# the question's other words add what they share beyond this: "born" lifts birthCountry over
# deathCountry for "what country was she born in"
SUPPORT_FLOOR = 0.5
MEMO_SIZE = 50_000


class ColumnMeanings:
    def __init__(self, embed: Embed):
        self._embed = embed
        self._memo: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _vectors(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            made = self._embed(missing)
            with self._lock:
                if len(self._memo) + len(missing) > MEMO_SIZE:
                    self._memo.clear()
                self._memo.update(zip(missing, made, strict=True))
        with self._lock:
            return np.stack([self._memo[t] for t in texts])

    def rank(
        self,
        question: str,
        table: TableInfo,
        row: dict[str, Any],
        candidates: list[str] | None = None,
    ) -> list[tuple[float, str]]:
        """(score, column) for the row's non-empty, non-key columns (or ``candidates``), best
        first. The question's words that the row's values hold (the name that found it) and
        numbers and the table's own name are left out: they identify the row, they do not ask
        about it."""
        spans = _spans(question, table, row)
        if not spans:
            return []
        if len(spans) > 1:
            # the words together say more than each: "country die" is 0.79 from "death
            # country" and 0.56 from "birth country", where "country" alone prefers birth
            spans.append(" ".join(spans))
        keys = set(table.primary_key) | {f.column for f in table.foreign_keys}
        described: list[tuple[str, str]] = []
        for col in candidates or [c.name for c in table.columns]:
            terms = [t for t in column_terms(table, col) if t not in KEY_WORDS]
            text = " ".join(terms)
            if col in keys or len(text.replace(" ", "")) < 3 or not value_text(row.get(col)):
                continue
            described.append((col, text))
        if not described:
            return []
        sims = self._vectors(spans) @ self._vectors([d for _, d in described]).T
        qstems = {stem(w) for w in spans}
        scored = []
        for j, (col, text) in enumerate(described):
            best, *rest = sorted(sims[:, j].tolist(), reverse=True)
            support = sum(max(0.0, s - SUPPORT_FLOOR) for s in rest)
            cstems = {stem(w) for w in text.split()}
            shared = bool(qstems & cstems) or any(
                q != c and q.endswith(c) for q in qstems for c in cstems if len(c) >= 4
            )  # a compound holding the column's word: "ballpark" for park
            scored.append((best + support + SHARED_WORD_BONUS * shared, col))
        return sorted(scored, reverse=True)

    def tables(
        self, question: str, table: TableInfo, row: dict[str, Any], candidates: list[TableInfo]
    ) -> frozenset[int]:
        """Ids of the ``candidates`` (tables the row links to) that one of the question's
        words names by meaning: "which country is customer 42 in" for ``nation``."""
        spans = _spans(question, table, row)
        named = [(t, " ".join(table_form(t)[0])) for t in candidates]
        named = [(t, text) for t, text in named if len(text) >= 3]
        if not spans or not named:
            return frozenset()
        sims = self._vectors(spans) @ self._vectors([text for _, text in named]).T
        return frozenset(t.id for j, (t, _) in enumerate(named) if sims[:, j].max() >= THRESHOLD)

    def similarity(self, text: str, table: TableInfo, column: str) -> float:
        """How near ``text`` is in meaning to ``column``'s description."""
        described = " ".join(t for t in column_terms(table, column) if t not in KEY_WORDS)
        vectors = self._vectors([text, described or column])
        return float(vectors[0] @ vectors[1])

    def asked(self, question: str, table: TableInfo, row: dict[str, Any]) -> list[str]:
        """The column the question asks about by meaning, if one clears the threshold."""
        ranked = self.rank(question, table, row)
        return [ranked[0][1]] if ranked and ranked[0][0] >= THRESHOLD else []


def _spans(question: str, table: TableInfo, row: dict[str, Any]) -> list[str]:
    """The question's words that may ask about the row: not its numbers, not the words its
    values hold (the name that found it), not the table's own name ("invoice 250" names the
    row, asks for no column)."""
    held = {fold(w) for v in row.values() for w in words(value_text(v)[:300])}
    held |= set(table_form(table)[0])
    # the words of its keys name the row or its links ("line 5 of order 12,039")
    for col in {*table.primary_key, *(f.column for f in table.foreign_keys)}:
        held |= {t for t in column_terms(table, col) if t not in KEY_WORDS}
    return [
        w
        for w in content_words(question)
        if not any(ch.isdigit() for ch in w)
        and fold(w) not in held
        and singular(fold(w)) not in held
    ]
