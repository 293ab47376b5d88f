"""Answers already given, kept for the next caller who asks the same question over the same
readable tables. Dashboards, channels and teams ask the same questions again and again, and a
repeated question should cost a lookup, not a SQL scan or a model call.

An entry's key holds everything the answer depends on: the catalog generation (bumped by every
ingest batch and every grant), each readable table's id and last change (profiles, inferred
keys), the question as asked, the table it was pinned to and whether the model may be used;
``Asker.ask`` adds the caller's feedback scope and the ratings' stamp once ratings exist. So a
caller never receives an answer computed over tables they may not read, and a change to
the data or its grants drops what was known, in this process and in any other that shares the
catalog."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lakelight.index.catalog import TableInfo

if TYPE_CHECKING:
    from lakelight.rag.answer import Answer

__all__ = ["AnswerCache", "cache_key"]


def cache_key(
    generation: int,
    tables: Sequence[TableInfo],
    question: str,
    table: str | None,
    use_llm: bool,
) -> tuple[Hashable, ...]:
    readable = tuple(sorted((t.id, str(t.updated_at)) for t in tables))
    return (generation, readable, " ".join(question.split()), table, use_llm)


class AnswerCache:
    """A thread-safe LRU of answers; ``size`` 0 keeps nothing."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple[Hashable, ...], Answer] = OrderedDict()
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._working: dict[tuple[Hashable, ...], threading.Event] = {}

    @contextmanager
    def working(self, key: tuple[Hashable, ...]) -> Iterator[bool]:
        """One thread at a time works out the answer of ``key``: the block gets True in the
        thread that should (and ``put``s what it made), False in one that waited while
        another did it (look in the cache again). Many callers asking one question right
        after an ingest batch dropped the cache otherwise all computed it at once, each
        queued behind the others on the same indexes."""
        with self._lock:
            running = self._working.get(key)
            if running is None:
                running = self._working[key] = threading.Event()
                lead = True
            else:
                lead = False
        if not lead:
            running.wait()
            yield False
            return
        try:
            yield True
        finally:
            with self._lock:
                del self._working[key]
            running.set()

    def get(self, key: tuple[Hashable, ...]) -> Answer | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return copy.deepcopy(found)

    def put(self, key: tuple[Hashable, ...], answer: Answer) -> None:
        if self.size <= 0:
            return
        kept = copy.deepcopy(answer)
        with self._lock:
            generation: int = key[0]  # type: ignore[assignment]
            if self._generation is not None and generation < self._generation:
                return  # worked out before the catalog last changed: already stale
            if generation != self._generation:  # the catalog changed: nothing before is valid
                self._entries.clear()
                self._generation = generation
            self._entries[key] = kept
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
