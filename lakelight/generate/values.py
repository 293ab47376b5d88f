"""Generators for the columns the statistical model does not make: keys and identifiers in
the real format, categories derived from their determining column, and free text."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from lakelight.generate.frames import labels

_TOKENS = re.compile(r"([^A-Za-z0-9]+)")
_ENUMERABLE = 20  # a token position with at most this many values reuses them (years, prefixes)


class IdentifierMaker:
    """New identifiers shaped like the real ones: ``CA-2016-152156`` gives ``US-2015-730941``.
    Each token position reuses its real values when there are few (prefixes, years) and draws
    random digits or letters of the same length otherwise. Never returns a ``taken`` value."""

    def __init__(self, examples: Iterable[object], taken: set[str], rng: np.random.Generator):
        self.rng, self.taken = rng, taken
        shapes: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
        for value in examples:
            parts = _TOKENS.split(str(value))
            shapes[tuple(parts[1::2])].append(parts[0::2])
        self.shapes = list(shapes.items())
        self.weights = np.array([len(v) for _, v in self.shapes], dtype=float)
        self.weights /= self.weights.sum()
        self.positions = [
            [sorted({tokens[i] for tokens in rows}) for i in range(len(rows[0]))]
            for _, rows in self.shapes
        ]

    def _token(self, seen: list[str]) -> str:
        if len(seen) <= _ENUMERABLE:
            return seen[self.rng.integers(len(seen))]
        template = seen[self.rng.integers(len(seen))]
        out = []
        for ch in template:
            if ch.isdigit():
                out.append(str(self.rng.integers(10)))
            elif ch.isalpha():
                letter = chr(ord("a") + int(self.rng.integers(26)))
                out.append(letter.upper() if ch.isupper() else letter)
            else:
                out.append(ch)
        return "".join(out)

    def make(self, n: int) -> list[str]:
        made: list[str] = []
        attempts = 0
        while len(made) < n:
            attempts += 1
            s = int(self.rng.choice(len(self.shapes), p=self.weights))
            separators, _ = self.shapes[s]
            tokens = [self._token(seen) for seen in self.positions[s]]
            value = tokens[0] + "".join(
                sep + tok for sep, tok in zip(separators, tokens[1:], strict=True)
            )
            if value not in self.taken:
                self.taken.add(value)
                made.append(value)
            elif attempts > 50 * n + 1000:  # the format has too few free values: lengthen
                value = f"{value}-{len(self.taken)}"
                self.taken.add(value)
                made.append(value)
        return made


class KeyMaker:
    """Keys for synthetic rows: integers count up past the largest real key, text keys get
    new identifiers in the real format."""

    def __init__(self, real_keys: pd.Series, rng: np.random.Generator):
        numbers = pd.to_numeric(real_keys, errors="coerce")
        self.integer = bool(len(real_keys)) and numbers.notna().all()
        self.next = int(numbers.max()) + 1 if self.integer and len(numbers) else 1
        if not self.integer:
            taken = set(real_keys.astype(str))
            self.ids = IdentifierMaker(real_keys.astype(str).tolist() or ["1"], taken, rng)

    def make(self, n: int) -> list[object]:
        if self.integer:
            start, self.next = self.next, self.next + n
            return list(range(start, start + n))
        return list(self.ids.make(n))


class DerivedLookup:
    """A derived column's value for each parent value, drawn from the real pairs."""

    def __init__(self, parent: pd.Series, child: pd.Series, rng: np.random.Generator):
        self.rng = rng
        pairs: dict[object, Counter[object]] = defaultdict(Counter)
        for p, c in zip(labels(parent), child.tolist(), strict=True):
            pairs[p][c] += 1
        self.choices = {p: (list(c), np.array(list(c.values()), float)) for p, c in pairs.items()}
        overall = Counter(child.tolist())
        self.fallback = (list(overall), np.array(list(overall.values()), float))

    def make(self, parents: Sequence[object]) -> list[object]:
        """One child value per parent, drawn in proportion to the real pairs; a parent seen
        once always gets its one child."""
        out = []
        for key in labels(pd.Series(list(parents), dtype=object)):
            values, weights = self.choices.get(key, self.fallback)
            if len(values) == 1:
                out.append(values[0])
            else:
                out.append(values[int(self.rng.choice(len(values), p=weights / weights.sum()))])
        return out


class MarkovText:
    """Order-2 Markov chain over example texts, used for free text when no LLM is available
    (or past its budget): over words for sentences, over characters for names of a word or
    two ("Audioslave" and "Soundgarden" give "Audiogarden"), so new values can be made."""

    def __init__(self, texts: Iterable[object], rng: np.random.Generator, *, max_units: int = 80):
        self.rng = rng
        values = [str(t) for t in texts if str(t).split()]
        words = [len(v.split()) for v in values]
        self.by_char = bool(values) and float(np.mean(words)) < 2
        self.chain: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.lengths: list[int] = []
        for value in values:
            units = list(value) if self.by_char else value.split()
            self.lengths.append(len(units))
            padded = ["", "", *units, ""]
            for a, b, c in zip(padded, padded[1:], padded[2:], strict=False):
                self.chain[(a, b)].append(c)
        self.limit = min(max_units * (4 if self.by_char else 1), 2 * max(self.lengths, default=0))

    def make(self) -> str:
        state: tuple[str, str] = ("", "")
        units: list[str] = []
        while len(units) < self.limit:
            options = self.chain.get(state)
            if not options:
                break
            unit = options[int(self.rng.integers(len(options)))]
            if unit == "":
                break
            units.append(unit)
            state = (state[1], unit)
        return ("" if self.by_char else " ").join(units)
