"""`lakelight eval`: run a question set and score answers, citations and "don't know"s.

Each JSON line: ``{"question", "answer": str | null, "answers"?: [...], "keys"?: [...],
"route"?, "kind"?}``. ``answer: null`` means the data does not hold the answer. Keys are
``"table:key"`` (or bare keys). Numbers match within 0.5% (or 0.01); text matches when it
appears in the answer, case and accents ignored."""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lakelight.errors import LakelightError, QuestionError
from lakelight.rag.answer import Answer
from lakelight.rag.words import fold, numbers


def load_questions(path: Path) -> list[dict[str, Any]]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionError(f"{path}:{n}: invalid JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or "question" not in item:
            raise QuestionError(f'{path}:{n}: each line needs a "question"')
        items.append(item)
    return items


def _matches(expected: str, answer: str) -> bool:
    want = numbers(expected)
    if want and fold(expected).replace(",", "").replace(".", "").strip("-+ ").isdigit():
        got = numbers(answer)
        return all(any(abs(g - w) <= max(0.01, 0.005 * abs(w)) for g in got) for w in want)
    return fold(expected.strip()) in fold(answer)


def score(item: dict[str, Any], answer: Answer | None) -> dict[str, Any]:
    expects_none = item.get("answer") is None and not item.get("answers")
    if answer is None:
        return {"correct": False, "dont_know_ok": None, "cited": None}
    if expects_none:
        return {
            "correct": answer.route == "none",
            "dont_know_ok": answer.route == "none",
            "cited": None,
        }
    wanted = item.get("answers") or [str(item["answer"])]
    correct = answer.route != "none" and all(_matches(str(w), answer.answer) for w in wanted)
    cited = None
    if item.get("keys"):
        got = {f"{c.table}:{c.key}".lower() for c in answer.citations}
        got |= {c.key.lower() for c in answer.citations}
        cited = any(str(k).lower() in got for k in item["keys"])
    return {"correct": correct, "dont_know_ok": None, "cited": cited}


def run_eval(items: Iterable[dict[str, Any]], ask: Callable[[str], Answer]) -> dict[str, Any]:
    rows = []
    for item in items:
        t0 = time.perf_counter()
        error = None
        try:
            answer: Answer | None = ask(item["question"])
        except LakelightError as exc:
            answer, error = None, str(exc)
        elapsed = (time.perf_counter() - t0) * 1000
        result = score(item, answer)
        rows.append(
            {
                "question": item["question"][:200],
                "kind": item.get("kind") or item.get("route") or "?",
                "expected": item.get("answer"),
                "got": answer.answer if answer else f"error: {error}",
                "route": answer.route if answer else "error",
                "ms": round(elapsed, 1),
                **result,
            }
        )
    return {"summary": summarize(rows), "results": rows}


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_kind[r["kind"]].append(r)
    latencies = sorted(r["ms"] for r in rows) or [0.0]
    cited = [r["cited"] for r in rows if r["cited"] is not None]
    dont_know = [r["dont_know_ok"] for r in rows if r["dont_know_ok"] is not None]
    return {
        "questions": len(rows),
        "accuracy": _share(r["correct"] for r in rows),
        "accuracy_by_kind": {
            k: _share(r["correct"] for r in v) for k, v in sorted(by_kind.items())
        },
        "citation_hit_rate": _share(cited) if cited else None,
        "dont_know_correct": _share(dont_know) if dont_know else None,
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
    }


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return round(sum(values) / len(values), 3) if values else 0.0
