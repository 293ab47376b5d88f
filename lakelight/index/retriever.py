"""Hybrid retrieval: vector and keyword rankings fused (``fusion``: rows holding an
identifying term of the query first, then reciprocal rank fusion), with filters by source and
table applied inside both searches (not after), so filtered results are as complete as
unfiltered ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lakelight.config import Settings
from lakelight.index.catalog import Catalog
from lakelight.index.fusion import fuse
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
        allowed_set = None if allowed is None else set(allowed.tolist())
        keyword_hits = self.indexes.keywords.search(query, n, allowed_set)
        most = self.settings.exact_max_rows
        exact = self.indexes.keywords.identifying(query, most, allowed_set) if most else {}
        # Identifiers (IPs, order numbers, codes) are what embeddings blur and exact terms
        # find: a query holding one trusts the keyword ranking twice as much.
        weight = 2.0 if any(is_identifier(t) for t in query_terms(query)) else 1.0
        fused = fuse(
            vector_hits, keyword_hits, exact, rrf_k=self.settings.rrf_k, keyword_weight=weight
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
            )
            for f in fused
            if (v := f.vid) in stored
        ]
