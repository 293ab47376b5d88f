"""The answer cache: a repeated question is answered from it, per set of readable tables, and
every grant or ingest drops it, so a cached answer never outlives the data or the access it
was computed under."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakelight.errors import QuestionError
from lakelight.index.access import Access
from lakelight.rag.answer import Answer
from lakelight.rag.answer_cache import AnswerCache
from tests.api.conftest import Served, build

ADMIN = Access("admin", admin=True)
SUPPORT = Access("support", frozenset({"support"}))
NOBODY = Access("nobody")


@pytest.fixture(scope="module")
def ws_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = build(tmp_path_factory.mktemp("cache"))  # its own: these tests grant and ingest
    yield s
    s.ws.close()


def test_a_repeated_question_is_answered_from_the_cache(ws_served: Served) -> None:
    ws = ws_served.ws
    question = "What were the total sales in the West region?"
    first = ws.ask(question, use_llm=False, keep=True)
    again = ws.ask(f"  {question} ", use_llm=False, keep=True)  # the same words, spaced
    assert not first.cached and again.cached
    assert again.answer == first.answer and again.sql == first.sql
    assert [c.key for c in again.citations] == [c.key for c in first.citations]
    assert again.answer_id and again.answer_id != first.answer_id  # each answer kept apart
    assert again.timings["total_ms"] < first.timings["total_ms"]


def test_callers_with_other_reads_never_share_an_entry(ws_served: Served) -> None:
    ws = ws_served.ws
    question = "How many customers are in Brazil?"
    admin = ws.ask(question, use_llm=False, access=ADMIN)
    assert "5" in admin.answer and admin.route == "aggregate"
    assert ws.ask(question, use_llm=False, access=ADMIN).cached
    nobody = ws.ask(question, use_llm=False, access=NOBODY)  # may not read Customer
    assert not nobody.cached and "5" not in nobody.answer and not nobody.citations
    support = ws.ask(question, use_llm=False, access=SUPPORT)
    assert support.answer == admin.answer  # the same figure, computed under its own reads


def test_a_grant_drops_what_the_cache_knew(ws_served: Served) -> None:
    ws = ws_served.ws
    question = "How many employees are there?"
    assert ws.ask(question, use_llm=False, access=NOBODY).route == "none"
    assert ws.ask(question, use_llm=False, access=NOBODY).cached
    (employees,) = [s["source"] for s in ws.sources() if "staff" in s["source"]]
    ws.grant(employees, [])  # opened to every caller
    try:
        opened = ws.ask(question, use_llm=False, access=NOBODY)
        assert not opened.cached and opened.route == "aggregate" and "8" in opened.answer
    finally:
        ws.grant(employees, ["hr"])
    closed = ws.ask(question, use_llm=False, access=NOBODY)
    assert not closed.cached and closed.route == "none"


def test_an_ingest_drops_what_the_cache_knew(ws_served: Served, tmp_path: Path) -> None:
    ws = ws_served.ws
    question = "How many rows are in the Consumer segment?"
    before = ws.ask(question, use_llm=False)
    assert ws.ask(question, use_llm=False).cached
    with (ws_served.root / "sales.csv").open(encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    extra = tmp_path / "more.csv"
    with extra.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([header, *rows[:3]])
    ws.ingest(str(extra), table="sales_more")
    again = ws.ask(question, use_llm=False, table="sales")
    assert not again.cached and again.answer == before.answer  # recomputed: the same figure


def test_the_cached_answer_is_the_one_ask_gives_for_the_same_caller_only(
    ws_served: Served,
) -> None:
    ws = ws_served.ws
    question = "What is the average discount in the Furniture category?"
    assert ws.cached_answer(question, use_llm=False, access=SUPPORT) is None  # never asked
    first = ws.ask(question, use_llm=False, access=SUPPORT)
    hit = ws.cached_answer(question, use_llm=False, access=SUPPORT, keep=True)
    assert hit is not None and hit.cached and hit.answer == first.answer and hit.answer_id
    assert ws.cached_answer(question, use_llm=False, access=NOBODY) is None  # other reads
    assert ws.cached_answer(question, use_llm=True, access=SUPPORT) is None
    with pytest.raises(QuestionError, match="No table 'nope'"):
        ws.cached_answer(question, table="nope", use_llm=False, access=SUPPORT)
    ws.rate(hit.answer_id, 1, access=SUPPORT)  # ratings are in the key: answered anew
    assert ws.cached_answer(question, use_llm=False, access=SUPPORT) is None


def test_a_repeated_question_over_http_is_cached_kept_and_can_be_rated(
    ws_served: Served,
) -> None:
    ask = {"question": "How many orders were shipped by Second Class?", "use_llm": False}
    headers = ws_served.headers("support")
    first = ws_served.client.post("/v1/ask", json=ask, headers=headers).json()
    again = ws_served.client.post("/v1/ask", json=ask, headers=headers).json()
    assert not first["cached"] and again["cached"] and again["answer"] == first["answer"]
    assert again["answer_id"] != first["answer_id"]
    rated = {"answer_id": again["answer_id"], "rating": -1}
    assert ws_served.client.post("/v1/feedback", json=rated, headers=headers).status_code == 204
    other = ws_served.client.post("/v1/feedback", json=rated, headers=ws_served.headers("hr"))
    assert other.status_code == 404


def test_callers_asking_one_new_question_at_once_share_one_computation(
    ws_served: Served,
) -> None:
    ws = ws_served.ws
    question = "What was the total profit in Texas?"
    start = threading.Barrier(8)
    answers: list[Answer] = []

    def ask() -> None:
        start.wait()
        answers.append(ws.ask(question, use_llm=False, access=SUPPORT))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.cached for a in answers) == [False] + [True] * 7  # worked out once
    assert len({a.answer for a in answers}) == 1


def test_an_answer_worked_out_before_the_last_change_is_not_kept() -> None:
    cache = AnswerCache(10)
    newer = Answer("after the ingest", "aggregate")
    cache.put((5, "q"), newer)
    cache.put((4, "q"), Answer("before it", "aggregate"))  # a slow request, finished late
    kept = cache.get((5, "q"))
    assert kept is not None and kept.answer == "after the ingest"
    assert cache.get((4, "q")) is None and len(cache) == 1
