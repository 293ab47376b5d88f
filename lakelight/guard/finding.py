"""One detected piece of PII: its type, where it is in the text, and how sure we are."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Finding", "SpanIndex", "resolve_overlaps"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A span ``text[start:end]`` judged to be PII of `type` (Presidio's entity names) with a
    confidence `score` in [0, 1]."""

    type: str
    start: int
    end: int
    score: float
    text: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SpanIndex:
    """Answers "does [start, end) overlap any of these spans?" in O(log n)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []
        top = -1
        for _, e in ordered:
            top = max(top, e)
            self._max_end.append(top)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self._starts, end)  # spans starting before `end`
        return i > 0 and self._max_end[i - 1] > start


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep non-overlapping findings, preferring the highest score, then the longest span;
    the result is in text order."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    starts: list[int] = []
    kept: list[Finding] = []  # non-overlapping, in text order
    for f in ranked:
        i = bisect_left(starts, f.start)
        if i > 0 and kept[i - 1].end > f.start:
            continue
        if i < len(kept) and kept[i].start < f.end:
            continue
        starts.insert(i, f.start)
        kept.insert(i, f)
    return kept
