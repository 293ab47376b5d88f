"""The vector and keyword indexes kept together, in step with the catalog. Both are derived
state: ``sync`` adds what the catalog has and they lack, and drops what the catalog lost, so a
run killed at any point is repaired by the next ``sync``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from lakelight.config import Settings
from lakelight.index.catalog import Catalog
from lakelight.index.embedder import Embedder
from lakelight.index.faiss_store import VectorStore
from lakelight.index.keyword_index import KeywordIndex

SAVE_EVERY = 20_000  # vectors added between checkpoints of the FAISS file


class Indexes:
    def __init__(self, settings: Settings, catalog: Catalog, embedder: Embedder):
        self.catalog, self.embedder = catalog, embedder
        self.vectors = VectorStore(
            settings.vectors_path, embedder.dim, embedder.model_id, settings.exact_search_max
        )
        self.keywords = KeywordIndex(settings.keywords_path)
        self._unsaved = 0
        # held by the thread that changes the indexes (an ingest run or a repair), so a
        # search on another thread never repairs the same rows a second time meanwhile
        self._writer = threading.RLock()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """The one writer of both indexes while the block runs (an ingest); searches on other
        threads go on against what is indexed so far."""
        with self._writer:
            yield

    def add(self, items: Sequence[tuple[int, str]]) -> None:
        """Embed and index (vid, text) pairs; the catalog already holds them."""
        if not items:
            return
        vids = np.fromiter((v for v, _ in items), np.int64, len(items))
        self.vectors.add(vids, self.embedder.embed([t for _, t in items]))
        self.keywords.apply(items, (), None)
        self._unsaved += len(items)
        if self._unsaved >= SAVE_EVERY:
            self.save()

    def remove(self, vids: Sequence[int]) -> None:
        if vids:
            self.vectors.remove(np.asarray(vids, np.int64))
            self.keywords.apply((), vids, None)
            self._unsaved += len(vids)

    def save(self) -> None:
        generation = self.catalog.generation()
        self.vectors.save(generation)
        self.keywords.apply((), (), generation)
        self._unsaved = 0

    def in_step(self) -> bool:
        generation = self.catalog.generation()
        return self.vectors.generation == generation == self.keywords.generation

    def sync(self, progress: Callable[[int], None] | None = None, batch: int = 512) -> int:
        """Bring both indexes in line with the catalog; returns how many vectors were embedded.
        While another thread writes them (an ingest), nothing: that writer brings them in step."""
        if self.in_step():
            return 0
        if not self._writer.acquire(blocking=False):
            return 0
        try:
            return self._sync(progress, batch)
        finally:
            self._writer.release()

    def _sync(self, progress: Callable[[int], None] | None, batch: int) -> int:
        generation = self.catalog.generation()
        truth = self.catalog.all_vids()
        in_vectors = set(self.vectors.ids().tolist())
        in_keywords = self.keywords.ids()
        self.vectors.remove(np.fromiter(in_vectors - truth, np.int64))
        self.keywords.apply((), sorted(in_keywords - truth), None)
        missing_vec = truth - in_vectors
        missing_kw = truth - in_keywords
        pending: list[tuple[int, str]] = []
        done = 0
        for vid, text in self.catalog.texts(missing_vec | missing_kw):
            pending.append((vid, text))
            if len(pending) >= batch:
                done += self._restore(pending, missing_vec, missing_kw)
                pending = []
                if progress:
                    progress(done)
        done += self._restore(pending, missing_vec, missing_kw)
        self.vectors.save(generation)
        self.keywords.apply((), (), generation)
        return done

    def _restore(
        self, items: list[tuple[int, str]], missing_vec: set[int], missing_kw: set[int]
    ) -> int:
        vec = [(v, t) for v, t in items if v in missing_vec]
        if vec:
            vids = np.fromiter((v for v, _ in vec), np.int64, len(vec))
            self.vectors.add(vids, self.embedder.embed([t for _, t in vec]))
        self.keywords.apply([(v, t) for v, t in items if v in missing_kw], (), None)
        return len(vec)

    def close(self) -> None:
        self.keywords.close()
