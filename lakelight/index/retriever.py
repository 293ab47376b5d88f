"""Hybrid retrieval: vector and keyword rankings fused by reciprocal rank fusion, with
filters by source and table applied inside both searches (not after), so filtered results
are as complete as unfiltered ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lakelight.config import Settings
from lakelight.index.catalog import Catalog
from lakelight.index.indexes import Indexes
from lakelight.index.keyword_index import is_identifier, query_terms
from lakelight.records import Hit


class Retriever:
    def __init__(self, settings: Settings, catalog: Catalog, indexes: Indexes):
        self.settings, self.catalog, self.indexes = settings, catalog, indexes

    def allowed_vids(
        self, tables: Sequence[str] | None, sources: Sequence[str] | None
    ) -> np.ndarray | None:
        if not tables and not sources:
            return None
        wanted = [
            t.id
            for t in self.catalog.list_tables()
            if (not tables or t.name in tables or t.sql_name in tables)
            and (not sources or t.source in sources)
        ]
        return np.asarray(self.catalog.vids_of_tables(wanted), np.int64)

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        tables: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Hit]:
        query = query.strip()
        if not query or k <= 0:
            return []
        if not self.indexes.in_step():
            self.indexes.sync()
        allowed = self.allowed_vids(tables, sources)
        n = max(self.settings.search_candidates, k)
        qvec = self.indexes.embedder.embed([query])[0]
        vector_hits = self.indexes.vectors.search(qvec, n, allowed)
        keyword_hits = self.indexes.keywords.search(
            query, n, None if allowed is None else set(allowed.tolist())
        )
        fused: dict[int, float] = {}
        similarity = dict(vector_hits)
        keyword_rank: dict[int, int] = {}
        rrf_k = self.settings.rrf_k
        for rank, (vid, _) in enumerate(vector_hits, 1):
            fused[vid] = fused.get(vid, 0.0) + 1.0 / (rrf_k + rank)
        # Identifiers (IPs, order numbers, codes) are what embeddings blur and exact terms
        # find: a query holding one trusts the keyword ranking twice as much.
        weight = 2.0 if any(is_identifier(t) for t in query_terms(query)) else 1.0
        for rank, (vid, _) in enumerate(keyword_hits, 1):
            fused[vid] = fused.get(vid, 0.0) + weight / (rrf_k + rank)
            keyword_rank[vid] = rank
        top = sorted(
            fused,
            key=lambda v: (-fused[v], keyword_rank.get(v, len(fused)), -similarity.get(v, -1.0)),
        )[:k]
        stored = self.catalog.fetch(top)
        return [
            Hit(
                record_id=stored[v].rid,
                source=stored[v].source,
                table=stored[v].table,
                key=stored[v].key,
                score=round(fused[v], 6),
                row=stored[v].fields,
                similarity=similarity.get(v),
                keyword_rank=keyword_rank.get(v),
            )
            for v in top
            if v in stored
        ]
