"""One detected piece of PII: its type, where it is in the text, and how sure we are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Finding", "resolve_overlaps"]


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


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep non-overlapping findings, preferring the highest score, then the longest span;
    the result is in text order."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)
