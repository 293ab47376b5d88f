"""Torch's intra-op thread count for one block of work: the embedder and the local LLM both
pin it (a query on one thread, generation on the configured count) and restore it after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run with ``threads`` intra-op threads (0: leave torch's setting), then restore."""
    import torch

    previous = torch.get_num_threads()
    if threads < 1 or threads == previous:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
