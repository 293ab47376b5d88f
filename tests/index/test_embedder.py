"""The embedder batches by length yet returns vectors in the order of the texts given."""

from __future__ import annotations

import numpy as np

from lakelight.config import load_settings
from lakelight.index.embedder import get_embedder


def test_vectors_come_back_in_input_order_across_batches() -> None:
    embedder = get_embedder(load_settings(embed_batch_size=2))
    texts = ["x", "a much longer sentence about chairs shipped to Seattle", "tables", "ok then"]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert together.shape == (4, embedder.dim)
    assert np.allclose(together, alone, atol=2e-2)  # bf16: batch padding moves the last digits
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=5e-3)  # normalized in bf16
    assert float(together[1] @ alone[1]) > 0.99 and float(together[1] @ alone[0]) < 0.9
