from pathlib import Path

import faiss
import numpy as np
import pytest

from lakelight.errors import IndexStoreError
from lakelight.index.faiss_store import VectorStore


def _unit(n: int, d: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_add_search_remove_and_filter(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss", 16, "m", exact_max=1000)
    vecs = _unit(50, 16)
    store.add(np.arange(100, 150), vecs)
    assert store.is_exact and store.size == 50
    assert store.search(vecs[7], 1)[0][0] == 107
    store.remove(np.array([107]))
    assert 107 not in [i for i, _ in store.search(vecs[7], 5)]
    allowed = np.array([120, 121])
    assert {i for i, _ in store.search(vecs[0], 10, allowed)} == {120, 121}
    assert store.search(vecs[0], 10, np.array([], np.int64)) == []
    assert sorted(store.ids().tolist()) == [i for i in range(100, 150) if i != 107]


def test_switches_to_ivf_above_threshold_and_keeps_ids(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.faiss", 32, "m", exact_max=2000)
    vecs = _unit(3000, 32, seed=1)
    store.add(np.arange(3000), vecs[:3000])
    assert not store.is_exact
    assert sorted(store.ids().tolist()) == list(range(3000))
    found = sum(store.search(vecs[i], 1)[0][0] == i for i in range(0, 3000, 30))
    assert found >= 95  # IVF with a sensible nprobe finds nearly every exact match
    store.remove(np.array([30, 60]))
    assert store.size == 2998
    assert {i for i, _ in store.search(vecs[90], 5, np.array([90, 91]))} <= {90, 91}


def test_save_is_faiss_format_and_reloads(tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    store = VectorStore(path, 8, "m", exact_max=100)
    store.add(np.array([5, 9]), _unit(2, 8))
    store.save(generation=3)
    assert not list(tmp_path.glob("*.tmp"))
    assert faiss.read_index(str(path)).ntotal == 2  # readable by plain FAISS
    again = VectorStore(path, 8, "m", exact_max=100)
    assert again.generation == 3 and sorted(again.ids().tolist()) == [5, 9]
    other_model = VectorStore(path, 8, "another-model", exact_max=100)
    assert other_model.size == 0 and other_model.generation == -1


def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "v.faiss"
    path.write_bytes(b"not a faiss index")
    with pytest.raises(IndexStoreError, match="unreadable"):
        VectorStore(path, 8, "m", exact_max=100)
