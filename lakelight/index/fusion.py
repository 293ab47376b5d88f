"""Fusing the vector and keyword rankings into one.

Reciprocal rank fusion (RRF) keeps only ranks, so a row the keyword index finds by an exact id
(``Customer#000000042``, an IP, an order number) can lose to rows that merely sit in both lists.
So fusion has two tiers: rows holding an *identifying* term of the query (a code-like term, or
the query's whole phrase, that only a few rows contain) come first, those holding more such terms
before the others; every other row follows by RRF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Tier rows score above every RRF score (which stays below 2 / (rrf_k + 1) < 1).
EXACT_TIER = 1.0


@dataclass(frozen=True)
class Fused:
    vid: int
    score: float
    exact: bool


def fuse(
    vector_hits: Sequence[tuple[int, float]],
    keyword_hits: Sequence[tuple[int, float]],
    exact: dict[int, int],
    *,
    rrf_k: int,
    keyword_weight: float = 1.0,
) -> list[Fused]:
    """All candidates, best first. ``exact`` maps a row to how many identifying terms of the
    query it holds; those rows form the first tier, more terms first."""
    rrf: dict[int, float] = {}
    for rank, (vid, _) in enumerate(vector_hits, 1):
        rrf[vid] = rrf.get(vid, 0.0) + 1.0 / (rrf_k + rank)
    keyword_rank: dict[int, int] = {}
    for rank, (vid, _) in enumerate(keyword_hits, 1):
        rrf[vid] = rrf.get(vid, 0.0) + keyword_weight / (rrf_k + rank)
        keyword_rank[vid] = rank
    for vid in exact:
        rrf.setdefault(vid, 0.0)
    similarity = dict(vector_hits)
    last = len(rrf) + 1

    def order(vid: int) -> tuple[int, float, int, float]:
        tier = -exact.get(vid, 0)
        return (tier, -rrf[vid], keyword_rank.get(vid, last), -similarity.get(vid, -1.0))

    return [
        Fused(vid, rrf[vid] + (EXACT_TIER * exact[vid] if vid in exact else 0.0), vid in exact)
        for vid in sorted(rrf, key=order)
    ]
