"""Rows written behind the request that made them. A served ask keeps its answer for feedback;
written in the request, every ask waited for SQLite's one writer (and, now and then, for a
WAL checkpoint). Here the request only queues the row; one thread writes whatever has queued
since its last write, in one transaction, so under load a batch holds many rows and the
requests never wait for the disk.

Readers of the rows call ``flush()`` first: it returns once everything queued before it is
committed, so a rating right after its ask finds the answer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["BatchWriter"]

log = logging.getLogger("lakelight.index")
T = TypeVar("T")


class BatchWriter(Generic[T]):
    """Queues items for ``write`` (one call per batch, in the writer thread or in ``flush``).
    ``lock`` is held around every ``write``: share it with the store's other writes so this
    process offers SQLite one writer at a time."""

    def __init__(
        self,
        write: Callable[[list[T]], None],
        lock: threading.Lock | None = None,
        retry_seconds: float = 1.0,
    ):
        self._write = write
        self._writing = lock or threading.Lock()
        self._retry = retry_seconds
        self._pending: list[T] = []
        self._queue = threading.Lock()  # guards _pending only, never held while writing
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, item: T) -> None:
        with self._queue:
            self._pending.append(item)
            closed = self._closed
            if not closed and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="lakelight-batch-writer", daemon=True
                )
                self._thread.start()
        if closed:  # after close(): written at once, as before there was a writer
            self.flush()
        else:
            self._wake.set()

    def pending(self) -> int:
        with self._queue:
            return len(self._pending)

    def flush(self) -> None:
        """Returns when every item added before the call is committed; raises what ``write``
        raised (the items stay queued)."""
        with self._writing:
            self._drain()

    def _drain(self) -> None:  # with _writing held
        with self._queue:
            batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self._write(batch)
        except BaseException:
            with self._queue:
                self._pending[:0] = batch  # kept, in order, for the next try
            raise

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # the catalog is unwritable for now: try again later
                log.warning("Cannot write %d queued rows yet: %s", self.pending(), exc)
                if self._closed:
                    return
                threading.Event().wait(self._retry)
                self._wake.set()
            if self._closed:
                return

    def close(self) -> None:
        """Writes what is queued and stops the thread; later items are written at once."""
        with self._queue:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()
        self.flush()
