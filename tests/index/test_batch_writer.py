"""Answers kept behind the ask: written in batches by one thread, never lost, and found by a
rating made right after the ask."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lakelight.errors import CatalogError, NotFoundError
from lakelight.index.batch_writer import BatchWriter
from lakelight.index.feedback import FeedbackStore


def _cite(key: str) -> dict[str, object]:
    return {"route": "lookup", "citations": [{"source": "s", "table": "t", "key": key, "row": {}}]}


def _store(path: Path) -> FeedbackStore:
    return FeedbackStore(sa.create_engine(f"sqlite:///{path}"))


def _stored(path: Path) -> list[str]:
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:  # another connection
        return [r[0] for r in conn.execute(sa.text("SELECT id FROM ll_answers ORDER BY id"))]


def test_many_threads_keep_in_few_transactions_and_nothing_is_lost() -> None:
    batches: list[list[int]] = []

    def write(batch: list[int]) -> None:
        time.sleep(0.01)  # a commit takes a while: meanwhile the next batch queues
        batches.append(batch)

    writer: BatchWriter[int] = BatchWriter(write)
    threads = [
        threading.Thread(target=lambda n=n: [writer.add(n * 100 + i) for i in range(50)])
        for n in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.flush()
    written = [x for b in batches for x in b]
    assert sorted(written) == sorted(n * 100 + i for n in range(8) for i in range(50))
    assert len(batches) < 100  # 400 rows, batched
    writer.close()


def test_a_failed_write_keeps_the_rows_in_order_for_the_next_try() -> None:
    calls: list[list[str]] = []
    fail = threading.Event()
    fail.set()

    def write(batch: list[str]) -> None:
        calls.append(list(batch))
        if fail.is_set():
            raise CatalogError("the catalog is locked")

    writer: BatchWriter[str] = BatchWriter(write, retry_seconds=0.05)
    writer.add("a")
    writer.add("b")
    with pytest.raises(CatalogError):
        writer.flush()
    assert writer.pending() == 2
    fail.clear()
    deadline = time.monotonic() + 5
    while writer.pending() and time.monotonic() < deadline:  # the thread tries again
        time.sleep(0.01)
    assert writer.pending() == 0 and calls[-1] == ["a", "b"]
    writer.close()


def test_a_rating_right_after_the_ask_finds_the_answer(tmp_path: Path) -> None:
    store = _store(tmp_path / "c.db")
    for i in range(20):
        aid = store.keep("sam", f"q{i}", _cite(str(i)), scope="support")
        store.rate(aid, "sam", 1, None)  # no flush by the caller
    assert len(store.rated("sam")) == 20
    other = store.keep("hal", "q", _cite("1"))
    with pytest.raises(NotFoundError):  # still only the caller it was given to may rate it
        store.rate(other, "sam", 1, None)
    store.close()


def test_kept_answers_reach_the_database_without_a_reader_and_on_close(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = _store(path)
    first = store.keep("sam", "q", _cite("1"))
    deadline = time.monotonic() + 5
    while first not in _stored(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _stored(path) == [first]  # the writer thread wrote it, nobody asked
    more = [store.keep("sam", f"q{i}", _cite(str(i))) for i in range(30)]
    store.close()
    assert _stored(path) == sorted([first, *more])
    late = store.keep("sam", "after close", _cite("9"))  # written at once
    assert late in _stored(path)
