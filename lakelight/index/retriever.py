"""Hybrid retrieval: vector and keyword rankings fused (``fusion``: rows holding an
identifying term of the query first, then reciprocal rank fusion), with filters by source and
table applied inside both searches (not after), so filtered results are as complete as
unfiltered ones. Ratings of answers to similar questions, from the caller's own feedback scope
(``lakelight.index.feedback``), move rows of the second tier a bounded number of places."""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from lakelight.config import Settings
from lakelight.index.catalog import Catalog
from lakelight.index.fusion import feedback_places, fuse
from lakelight.index.indexes import Indexes
from lakelight.index.keyword_index import is_identifier, query_terms
from lakelight.records import Hit

if TYPE_CHECKING:
    from lakelight.index.feedback import FeedbackStore

MAX_ALLOW_LISTS = 16  # distinct sets of tables whose vids are kept between searches


class Retriever:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        indexes: Indexes,
        feedback: FeedbackStore | None = None,
    ):
        self.settings, self.catalog, self.indexes = settings, catalog, indexes
        self.feedback = feedback
        self._vids: dict[tuple[int, ...], np.ndarray] = {}
        self._generation = -1
        self._lock = threading.Lock()

    def allowed_vids(
        self,
        tables: Sequence[str] | None,
        sources: Sequence[str] | None,
        within: Collection[int] | None = None,
    ) -> np.ndarray | None:
        """The vids a search may return, or None for all. ``within``: ids of the tables the
        caller may read (access control); an empty one allows nothing, never everything."""
        if not tables and not sources and within is None:
            return None
        everything = self.catalog.list_tables()
        wanted = [
            t.id
            for t in everything
            if (within is None or t.id in within)
            and (not tables or t.name in tables or t.sql_name in tables)
            and (not sources or t.source in sources)
        ]
        if not tables and not sources and len(wanted) == len(everything):
            return None  # the caller reads every table: no filter to apply
        return self._vids_of(tuple(sorted(wanted)))

    def _vids_of(self, table_ids: tuple[int, ...]) -> np.ndarray:
        """The vids of these tables, kept until the catalog changes (a caller's next search
        costs no query)."""
        generation = self.catalog.generation()
        with self._lock:  # one thread fetches a list while the others wait and reuse it
            if generation != self._generation:
                self._vids, self._generation = {}, generation
            found = self._vids.get(table_ids)
            if found is None:
                found = np.asarray(self.catalog.vids_of_tables(list(table_ids)), np.int64)
                if len(self._vids) >= MAX_ALLOW_LISTS:
                    self._vids.pop(next(iter(self._vids)))
                self._vids[table_ids] = found
        return found

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        tables: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        within: Collection[int] | None = None,
        feedback_scopes: Sequence[str] = (),
    ) -> list[Hit]:
        """The best k rows. ``within``: ids of the tables the caller may read; both searches
        and the exact-match tier are restricted to them before ranking. ``feedback_scopes``:
        whose ratings may move rows (the caller's own scopes; none: ratings move nothing)."""
        query = query.strip()
        if not query or k <= 0:
            return []
        if not self.indexes.in_step():
            self.indexes.sync()
        allowed = self.allowed_vids(tables, sources, within)
        if allowed is not None and len(allowed) == 0:
            return []
        n = max(self.settings.search_candidates, k)
        qvec = self.indexes.embedder.embed([query])[0]
        vector_hits = self.indexes.vectors.search(qvec, n, allowed)
        allowed_set = None if allowed is None else set(allowed.tolist())
        keyword_hits = self.indexes.keywords.search(query, n, allowed_set)
        most = self.settings.exact_max_rows
        exact = self.indexes.keywords.identifying(query, most, allowed_set) if most else {}
        # Identifiers (IPs, order numbers, codes) are what embeddings blur and exact terms
        # find: a query holding one trusts the keyword ranking twice as much.
        weight = 2.0 if any(is_identifier(t) for t in query_terms(query)) else 1.0
        shifts = self._shifts(qvec, feedback_scopes)
        fused = fuse(
            vector_hits,
            keyword_hits,
            exact,
            rrf_k=self.settings.rrf_k,
            keyword_weight=weight,
            shifts=shifts,
        )[:k]
        similarity = dict(vector_hits)
        keyword_rank = {vid: rank for rank, (vid, _) in enumerate(keyword_hits, 1)}
        stored = self.catalog.fetch([f.vid for f in fused])
        return [
            Hit(
                record_id=stored[v].rid,
                source=stored[v].source,
                table=stored[v].table,
                key=stored[v].key,
                score=round(f.score, 6),
                row=stored[v].fields,
                similarity=similarity.get(v),
                keyword_rank=keyword_rank.get(v),
                moved=f.moved,
            )
            for f in fused
            if (v := f.vid) in stored
        ]

    def _shifts(self, qvec: np.ndarray, scopes: Sequence[str]) -> dict[int, int]:
        """vid → places ratings move it. Only rows among the candidates can move, and those
        are already restricted to what the caller may read."""
        s = self.settings
        if self.feedback is None or not scopes or not s.feedback_max_places:
            return {}
        net = self.feedback.boosts(
            qvec,
            scopes,
            similarity=s.feedback_similarity,
            half_life_days=s.feedback_half_life_days,
            embed=self.indexes.embedder.embed,
        )
        if not net:
            return {}
        vids = self.catalog.vids_of_records(list(net))
        places = {
            vid: feedback_places(
                net[rid],
                up=s.feedback_up_places,
                down=s.feedback_down_places,
                most=s.feedback_max_places,
            )
            for rid, vid in vids.items()
        }
        return {vid: p for vid, p in places.items() if p}
