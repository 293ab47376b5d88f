"""Words of questions, column names and values, normalized the same way so they can meet."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from lakelight import naming

_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?![\w.]*\w)")

# Words that carry no content in a question about data.
STOPWORDS = frozenset(
    """a about after all also an and any are as at be been before being between both but by can
    catalog catalogue could data database dataset did do does doing done for from get give had
    has have having here how i
    if in into is it its just know let list me more most my no nor not of on one only or other
    our out over please record records row rows same see show should so some such tell than
    that the their them then there these they this those through to too under up us very was
    we were what when where which while who whom whose why will with would you your find look
    lookup value values entry entries info information details detail""".split()
)

# Words that turn what a question says around ("not permitted", "without any"); the
# planners read them, and a phrase found in a message must meet them, never skip them.
NEGATIONS = frozenset(
    "not no without never except excluding nor neither none nobody nothing".split()
)


def fold(text: str) -> str:
    """Lowercase without accents: "Gonçalves" and "goncalves" meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def singular(word: str) -> str:
    return naming.singular(word)


def stem(word: str) -> str:
    """A light stem so "hired", "hiring" and "hire" meet; numbers lose thousands commas."""
    if word[:1].isdigit():
        return word.replace(",", "")
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            base = word[: -len(suffix)]
            if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "aeiouls":
                base = base[:-1]  # shipping → ship
            return base
    return word


_DERIVING = ("able", "ing", "ed", "d")


def bases(word: str) -> set[str]:
    """The words ``word`` may be derived from by a verb or adjective ending: "priced" →
    price, "profitable" → profit, "shipped" → ship, "pricing" → price."""
    out: set[str] = set()
    for suffix in _DERIVING:
        base = word[: -len(suffix)]
        if not word.endswith(suffix) or len(base) < 3:
            continue
        out |= {base, base + "e"}
        if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "aeiouls":
            out.add(base[:-1])
    return out


def words(text: str) -> list[str]:
    """Folded, singular word tokens; splits snake_case, CamelCase and punctuation."""
    return [singular(fold(t)) for t in _TOKEN.findall(text)]


def stems(text: str) -> set[str]:
    out = set()
    for w in words(text):
        out.add(w)
        out.add(stem(w))
        out.add(stem(w) + "e")
    return out


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def numbers(text: str) -> list[float]:
    out = []
    for match in _NUMBER.findall(text):
        try:
            out.append(float(match.replace(",", "")))
        except ValueError:
            continue
    return out


def value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return "" if value is None else str(value)
