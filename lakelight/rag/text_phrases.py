"""A question's words found in a text column as the data writes them: "relaying is not
permitted" → 'relay not permitted', "files that don't exist" → 'file does not exist',
"sender verification failures" → 'sender verify fail'.

The column's distinct texts are aligned with the words word by word: stop words may be
skipped on either side, negations never are, and a word meets another form of itself
(relaying / relay, verification / verify). What comes back is the stretch of the stored text
the words cover, lower-cased, for a ``LIKE`` filter, so the count is still done by SQL over
every row, not over the sample the phrase was found in.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from lakelight.rag.words import NEGATIONS, STOPWORDS, fold, singular

__all__ = ["TextPhrases", "like_pattern", "same_word", "word_stem"]

# stop words a phrase may skip; a negation changes what a message says, so it must meet one
SKIPPABLE = STOPWORDS - NEGATIONS
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")

_DERIVED = ("fully", "ful", "ure", "ing", "ed")


def word_stem(word: str) -> str:
    """A word without the endings that turn one form into another (success / successful,
    fail / failed / failure, limit / limited / limiting)."""
    for suffix in _DERIVED:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def same_word(a: str, b: str) -> bool:
    """Two forms of one word: equal, equal stems, or the shorter one (five letters or more)
    the start of the other but for its last letter, and the rest of the longer one an ending
    (verification / verify, permitted / permit; not internet / international, auth / author,
    mysql / mysqladmin)."""
    if a == b or word_stem(a) == word_stem(b):
        return True
    if not (a.isalpha() and b.isalpha()):
        return False
    shorter = min(len(a), len(b))
    if shorter < 5:
        return False
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    rest = max(a, b, key=len)[common:]  # an ending, not another word: mysql / mysqladmin
    return common >= shorter - 1 and (len(rest) <= 4 or rest in _LONG_ENDINGS)


_LONG_ENDINGS = frozenset({"ation", "ations", "ication", "ications", "ments", "ities", "ively"})


def like_pattern(phrase: str) -> str:
    """A lower-case LIKE pattern for text containing ``phrase``; its own wildcards and
    escape become one any-character each (so they match themselves, loosely)."""
    return "%" + "".join("_" if c in "%_\\" else c for c in phrase.lower()) + "%"


def _key(word: str) -> str:
    return word[:4]


class TextPhrases:
    """The distinct texts of one column (a sample), indexed by their words' first letters."""

    def __init__(self, texts: Iterable[str]):
        # each text: its lower-cased form and its words as (normalized, start, end)
        self._texts: list[tuple[str, list[tuple[str, int, int]]]] = []
        self._postings: dict[str, set[int]] = defaultdict(set)
        seen: set[str] = set()
        for text in texts:
            low = fold(str(text))
            shape = _DIGITS.sub("0", low)  # "in 10 secs" and "in 58 secs" are one text
            if shape in seen:
                continue
            seen.add(shape)
            words = [(singular(m.group()), m.start(), m.end()) for m in _WORD.finditer(low)]
            n = len(self._texts)
            self._texts.append((low, words))
            for w, _, _ in words:
                if w not in SKIPPABLE:
                    self._postings[_key(w)].add(n)

    def find(self, words: Sequence[str]) -> str | None:
        """The stored stretch that spells ``words`` (a question's normalized words, in
        order), the one most texts write when several do; None when no text does. Every
        word that is not a skippable stop word must be met, so at least one must be."""
        needed = [w for w in words if w not in SKIPPABLE]
        if not needed:
            return None
        ids: set[int] | None = None
        for w in needed:
            found = self._postings.get(_key(w), set())
            ids = found if ids is None else ids & found
            if not ids:
                return None
        literals: Counter[str] = Counter()
        for n in sorted(ids or ()):
            low, text_words = self._texts[n]
            for start in range(len(text_words)):
                end = _align(words, text_words, start)
                if end is not None:
                    literals[low[text_words[start][1] : text_words[end][2]]] += 1
                    break
        if not literals:
            return None
        return min(literals, key=lambda s: (-literals[s], len(s)))


def _align(words: Sequence[str], text: list[tuple[str, int, int]], start: int) -> int | None:
    """The index of the last text word when ``words`` align from text word ``start``
    (which must meet the first word that is not skipped), else None."""
    i, j, last = 0, start, None
    while i < len(words):
        w = words[i]
        if j < len(text) and same_word(w, text[j][0]):
            last, i, j = j, i + 1, j + 1
        elif w in SKIPPABLE:
            i += 1
        elif last is not None and j < len(text) and text[j][0] in SKIPPABLE:
            j += 1
        else:
            return None
    return last
