"""Vectors in FAISS, keyed by the catalog's integer vids. Exact inner-product search below
``exact_max`` vectors, IVF above it; saved in FAISS's own format, atomically, never pickled."""

from __future__ import annotations

import json
import math
import os
import threading
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from lakelight.errors import IndexStoreError

# One query is faster on one thread: waking an OpenMP team costs more than it saves.
faiss.omp_set_num_threads(1)


class VectorStore:
    def __init__(self, path: Path, dim: int, model_id: str, exact_max: int):
        self.path = path
        self.meta_path = path.with_suffix(".json")
        self.dim, self.model_id, self.exact_max = dim, model_id, exact_max
        self.generation = -1
        # FAISS allows concurrent searches but not a search during an add or a removal
        self._lock = threading.RLock()
        self.index: Any = self._empty()
        if path.exists():
            self._load()

    def _empty(self) -> Any:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _load(self) -> None:
        try:
            meta = json.loads(self.meta_path.read_text()) if self.meta_path.exists() else {}
            index = faiss.read_index(str(self.path))
        except (RuntimeError, ValueError, OSError) as exc:
            raise IndexStoreError(
                f"Vector index {self.path} is unreadable ({exc}); delete it and it is rebuilt "
                "from the catalog on the next ingest"
            ) from exc
        if index.d != self.dim or meta.get("model") != self.model_id:
            return  # another embedding model: start empty, the sync re-embeds everything
        self.index = index
        self.generation = int(meta.get("generation", -1))

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def is_exact(self) -> bool:
        return not isinstance(faiss.downcast_index(self.index), faiss.IndexIVF)

    def ids(self) -> np.ndarray:
        index: Any = faiss.downcast_index(self.index)
        if isinstance(index, faiss.IndexIDMap2 | faiss.IndexIDMap):
            return faiss.vector_to_array(index.id_map).astype(np.int64)
        invlists = index.invlists
        parts = [
            faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
            for i in range(index.nlist)
            if invlists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def add(self, vids: np.ndarray, vectors: np.ndarray) -> None:
        if len(vids) == 0:
            return
        with self._lock:
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, np.float32), vids.astype(np.int64)
            )
            if self.is_exact and self.size > self.exact_max:
                self._to_ivf()

    def remove(self, vids: np.ndarray) -> None:
        if len(vids):
            with self._lock:
                self.index.remove_ids(faiss.IDSelectorBatch(vids.astype(np.int64)))

    def _to_ivf(self) -> None:
        """Move to an inverted-file index once exact search would get slow."""
        flat: Any = faiss.downcast_index(self.index.index)
        n = self.size
        vectors = faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim).copy()
        ids = self.ids()
        nlist = int(4 * math.sqrt(n))
        quantizer: Any = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(vectors[np.random.default_rng(0).permutation(n)[: nlist * 64]])
        ivf.add_with_ids(vectors, ids)
        ivf.nprobe = max(16, nlist // 20)
        ivf.own_fields = True
        quantizer.this.disown()
        self.index = ivf

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if self.size == 0 or k <= 0:
            return []
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            params = (
                faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
                if self.is_exact
                else faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)  # type: ignore[call-arg]
            )
        q = np.ascontiguousarray(query.reshape(1, -1), np.float32)
        with self._lock:
            scores, ids = self.index.search(q, min(k, self.size), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, generation: int) -> None:
        """Write then rename, so a crash leaves the previous file whole."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".faiss.tmp")
        try:
            with self._lock:
                faiss.write_index(self.index, str(tmp))
            os.replace(tmp, self.path)
            meta_tmp = self.meta_path.with_suffix(".json.tmp")
            meta = {"generation": generation, "model": self.model_id, "dim": self.dim}
            meta_tmp.write_text(json.dumps(meta))
            os.replace(meta_tmp, self.meta_path)
        except (RuntimeError, OSError) as exc:
            raise IndexStoreError(f"Cannot write the vector index {self.path}: {exc}") from exc
        self.generation = generation
