"""Fusing the vector and keyword rankings into one.

Reciprocal rank fusion (RRF) keeps only ranks, so a row the keyword index finds by an exact id
(``Customer#000000042``, an IP, an order number) can lose to rows that merely sit in both lists.
So fusion has two tiers: rows holding an *identifying* term of the query (a code-like term, or
the query's whole phrase, that only a few rows contain) come first, those holding more such terms
before the others; every other row follows by RRF.

Feedback (``shifts``) then moves rows of the second tier only, by whole places: a row that 👍
answers to similar questions cited is lifted, one 👎 answers cited is lowered, each by a
bounded number of places (``feedback_places``). Rows in the exact tier are never moved, and
no row is moved into or above it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Tier rows score above every RRF score (which stays below 2 / (rrf_k + 1) < 1).
EXACT_TIER = 1.0


@dataclass(frozen=True)
class Fused:
    vid: int
    score: float
    exact: bool
    moved: int = 0  # places feedback lifted (> 0) or lowered (< 0) this row


def fuse(
    vector_hits: Sequence[tuple[int, float]],
    keyword_hits: Sequence[tuple[int, float]],
    exact: dict[int, int],
    *,
    rrf_k: int,
    keyword_weight: float = 1.0,
    shifts: Mapping[int, int] | None = None,
) -> list[Fused]:
    """All candidates, best first. ``exact`` maps a row to how many identifying terms of the
    query it holds; those rows form the first tier, more terms first. ``shifts``: places
    feedback moves a row of the second tier (positive: up)."""
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

    ranked = sorted(rrf, key=order)
    moved: dict[int, int] = {}
    if shifts:
        tier = [v for v in ranked if v in exact]
        rest = [v for v in ranked if v not in exact]
        moved = {v: shifts[v] for v in rest if shifts.get(v)}
        # a row at place p moved s places sorts at p - s; at a tie, the rated row goes first
        place = {v: p - moved.get(v, 0) for p, v in enumerate(rest)}
        ranked = tier + sorted(rest, key=lambda v: (place[v], -moved.get(v, 0)))
    return [
        Fused(
            vid,
            rrf[vid] + (EXACT_TIER * exact[vid] if vid in exact else 0.0),
            vid in exact,
            moved.get(vid, 0),
        )
        for vid in ranked
    ]


def feedback_places(net: float, *, up: int, down: int, most: int) -> int:
    """Places a row moves for ``net`` votes (each rater's say in [-1, 1], decayed with age):
    ``up`` places per 👍, ``down`` per 👎, never more than ``most`` either way. So one fresh
    👎 lowers a row only ``down`` places: one click cannot bury it."""
    places = net * (up if net > 0 else down)
    return round(max(-most, min(most, float(places))))
