"""Known given and family names, for the names spaCy's small English model does not know
(Grażyna, Pirkko, Bijster): Faker's person lists for every locale it ships, minus anything
that is also a common English word (Will, May, Hope, Job). A capitalized word NER left
unlabelled becomes a person when it is a known given name, or a known family name beside
one."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from functools import lru_cache

from lakelight.guard.finding import SpanIndex

__all__ = ["GIVEN_SCORE", "PAIR_SCORE", "gazetteer_persons", "name_lists"]

PAIR_SCORE = 0.75  # given name + family name, both known
GIVEN_SCORE = 0.6  # a known given name on its own
_MIN_CHARS = 3
# Titles, ranks and name particles that Faker's lists also hold as names.
_NOT_NAMES = frozenset(
    "prince princess king queen royal duke duchess lord lady sir dame baron count earl rex "
    "del della de la le van von der den saint san santa sankt st major general captain".split()
)
_NAME_LISTS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


@lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, family names), loaded once from Faker's person providers."""
    import faker.providers.person as people
    from faker.providers.lorem.en_US import Provider as Lorem
    from spacy.lang.en.stop_words import STOP_WORDS

    common = {w.lower() for w in Lorem.word_list} | set(STOP_WORDS) | _NOT_NAMES
    given: set[str] = set()
    family: set[str] = set()
    for module in pkgutil.iter_modules(people.__path__):
        try:
            provider = importlib.import_module(f"{people.__name__}.{module.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attr, target in [(a, given) for a in _NAME_LISTS] + [("last_names", family)]:
            values = getattr(provider, attr, None)
            if values is None or isinstance(values, property):
                continue
            target.update(v for v in values if isinstance(v, str))

    def keep(names: set[str]) -> frozenset[str]:
        return frozenset(
            n
            for n in names
            if len(n) >= _MIN_CHARS and n[0].isupper() and n.isalpha() and n.lower() not in common
        )

    return keep(given), keep(family)


def gazetteer_persons(
    text: str,
    candidates: Sequence[tuple[int, int]],
    labelled: Sequence[tuple[int, int]],
) -> list[tuple[int, int, float]]:
    """(start, end, score) of persons among `candidates` (capitalized-word spans) that no
    NER entity in `labelled` covers."""
    given, family = name_lists()
    index = SpanIndex(labelled)
    free = [(s, e) for s, e in candidates if not index.overlaps(s, e) and text[s:e].isalpha()]
    out: list[tuple[int, int, float]] = []
    i = 0
    while i < len(free):
        s, e = free[i]
        word = text[s:e]
        nxt = free[i + 1] if i + 1 < len(free) else None
        if word in given:
            if nxt and text[e : nxt[0]] == " " and text[nxt[0] : nxt[1]] in family:
                out.append((s, nxt[1], PAIR_SCORE))
                i += 2
                continue
            out.append((s, e, GIVEN_SCORE))
        i += 1
    return out
