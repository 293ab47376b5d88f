"""Accept a model's phrasing only when the cited rows support every number and named value in
it, and it still states the facts the extractive answer found."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lakelight.rag.words import fold, numbers, value_text, words

# Capitalized words not at a sentence start, and quoted strings: the "named values" of a text.
_NAMED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
_QUOTED = re.compile(r"(?<!\w)[\"“']([^\"”']{2,80})[\"”'](?!\w)")  # no apostrophe
_ALLOWED_WORDS = frozenset({"the", "a", "an", "row", "rows", "table", "according", "yes", "no"})


def _supported_numbers(texts: Iterable[str]) -> set[float]:
    found: set[float] = set()
    for text in texts:
        for n in numbers(text):
            found.update({n, round(n, 2), round(n, 1), round(n)})
    return found


def supported(answer: str, rows: Iterable[dict[str, Any]], question: str, facts: list[str]) -> bool:
    values = [value_text(v) for row in rows for v in row.values()]
    values += [str(k) for row in rows for k in row]
    haystack = fold(" ".join(values + [question]))
    known_words = set(words(" ".join(values + [question])))
    allowed = _supported_numbers(values + [question])
    for n in numbers(answer):
        if not any(abs(n - a) <= 1e-6 * max(1.0, abs(a)) for a in allowed):
            return False
    for match in _NAMED.findall(answer) + _QUOTED.findall(answer):
        ws = [w for w in words(match) if w not in _ALLOWED_WORDS]
        if ws and not all(w in known_words for w in ws) and fold(match) not in haystack:
            return False
    folded = fold(answer)
    return all(fold(f) in folded for f in facts if f)
