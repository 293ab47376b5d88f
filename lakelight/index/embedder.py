"""Sentence embeddings for records and queries: batched, normalized, loaded once per process."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from lakelight.errors import EmbedderError
from lakelight.torch_threads import torch_threads

if TYPE_CHECKING:
    from lakelight.config import Settings


class Embedder:
    """A sentence-transformers model on CPU. ``bfloat16`` runs matmuls on AMX/AVX-512 units
    where the CPU has them; vectors are always returned as normalized float32."""

    def __init__(self, model_path: str, precision: str, max_tokens: int, batch_size: int):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from a local path only
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import torch
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
        except Exception as exc:  # missing files, bad config, tokenizer errors
            raise EmbedderError(f"Cannot load the embedding model at {model_path}: {exc}") from exc
        self.model.max_seq_length = max_tokens
        if precision == "bfloat16":
            self.model.to(torch.bfloat16)
        self.batch_size = batch_size
        dimension = getattr(self.model, "get_embedding_dimension", None) or (
            self.model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self.model_id = f"{os.path.basename(model_path.rstrip('/'))}@{max_tokens}"
        self._lock = threading.Lock()  # one encode at a time: torch already uses every core

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalized vectors, in the order of ``texts``. Texts are sorted by length into
        batches (as sentence-transformers does) and the model is taken one batch at a time,
        so a query on another thread waits for one batch of an ingest, not all of it."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # a query is fastest on one thread: waking torch's thread team costs more than it
        # saves, and far more when other work shares the CPU (a server's other requests)
        threads = 1 if len(texts) <= QUERY_TEXTS else 0
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            with self._lock, torch_threads(threads):
                vectors = self.model.encode(
                    [texts[i] for i in chunk],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=False,
                    convert_to_tensor=True,
                    show_progress_bar=False,
                )
            out[chunk] = vectors.float().numpy()
        return out


QUERY_TEXTS = 8  # at most this many texts are embedded on one thread


@lru_cache(maxsize=4)
def _load(model_path: str, precision: str, max_tokens: int, batch_size: int) -> Embedder:
    return Embedder(model_path, precision, max_tokens, batch_size)


def get_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings (models load once)."""
    return _load(
        settings.model_path,
        settings.embed_precision,
        settings.embed_max_tokens,
        settings.embed_batch_size,
    )
