"""Few-shot LLM generation: free-text values of one column (completion format, which the
small local model follows), and whole rows as JSON lines for a capable model.

Example values are data: they are flattened to one line each and only ever read back as
candidate values, which the validators and the guard check like any other; nothing the model
writes is executed or followed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lakelight.errors import LakelightError
from lakelight.llm import ChatBackend

MAX_VALUE_CHARS = 300


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:MAX_VALUE_CHARS]


def text_prompt(table: str, column: str, shots: Sequence[object]) -> str:
    lines = "\n".join(f"- {_one_line(v)}" for v in shots)
    return (
        f'Here are example values of the column "{column}" in the table "{table}". '
        "Write one more value of the same kind, new and different from these.\n"
        f"{lines}\n- "
    )


def llm_texts(
    backend: ChatBackend,
    table: str,
    column: str,
    examples: Sequence[object],
    *,
    calls: int,
    shots: int,
    rng: np.random.Generator,
    max_tokens: int = 60,
) -> list[str]:
    """Up to ``calls`` new values of a text column, each from a prompt of ``shots`` random
    examples; empty answers and verbatim copies of an example are dropped."""
    pool = [_one_line(v) for v in examples if _one_line(v)]
    if not pool or calls <= 0:
        return []
    seen = set(pool)
    plausible = _plausibility(pool)
    made: list[str] = []
    for i in range(calls):
        picks = rng.choice(len(pool), size=min(shots, len(pool)), replace=False)
        prompt = text_prompt(table, column, [pool[j] for j in picks])
        sampler = backend.with_options(temperature=0.9, seed=int(rng.integers(2**31)) + i)
        try:
            text = sampler.complete(prompt, max_tokens=max_tokens, stop=["\n"])
        except LakelightError:
            break  # the model is gone: the caller falls back for the rest
        value = _one_line(text).strip(" -\"'")
        if value and value not in seen and plausible(value):
            seen.add(value)
            made.append(value)
    return made


def _plausibility(pool: Sequence[str]) -> Callable[[str], bool]:
    """A check that a model's value reads like the examples: a word count within the
    examples' spread, and at least a third of its words found in their vocabulary (a small
    model also writes fragments and number soup)."""
    counts = np.array([len(v.split()) for v in pool])
    low, high = np.quantile(counts, 0.05), np.quantile(counts, 0.95) * 1.5 + 1
    vocabulary = {w.casefold() for v in pool for w in v.split()}

    def plausible(value: str) -> bool:
        words = value.split()
        known = sum(w.casefold() in vocabulary for w in words)
        return low <= len(words) <= high and known >= len(words) / 3

    return plausible


def row_prompt(table: str, columns: Sequence[str], shots: Sequence[dict[str, Any]]) -> str:
    rows = "\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in shots)
    return (
        f'Example rows of the table "{table}" as JSON lines, with the keys '
        f"{json.dumps(list(columns))}. Write more rows of the same kind: realistic, varied, "
        "never a copy of an example, one JSON object per line.\n"
        f"{rows}\n"
    )


def llm_rows(
    backend: ChatBackend,
    table: str,
    columns: Sequence[str],
    examples: Sequence[dict[str, Any]],
    *,
    want: int,
    shots: int,
    rng: np.random.Generator,
    max_tokens: int = 512,
) -> list[dict[str, Any]]:
    """Rows written by the model, parsed from JSON lines; lines that are not a JSON object
    with exactly the table's columns are skipped (the validators judge the rest)."""
    made: list[dict[str, Any]] = []
    calls = 0
    while len(made) < want and calls < max(4, want // 4):
        calls += 1
        picks = rng.choice(len(examples), size=min(shots, len(examples)), replace=False)
        prompt = row_prompt(table, columns, [examples[j] for j in picks])
        sampler = backend.with_options(temperature=0.9, seed=int(rng.integers(2**31)))
        try:
            text = sampler.complete(prompt, max_tokens=max_tokens)
        except LakelightError:
            break
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and set(row) == set(columns):
                made.append(row)
    return made[:want]
