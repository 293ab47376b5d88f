"""Feedback benchmark: does one 👍 on the right row for one phrasing of a question move that
row to first for the other phrasings, and leave unrelated questions alone?

Rows: Sample Superstore (all 9,994), searched by the workspace's hybrid retriever (the same
search `ask` runs for a lookup). A *set* is one order line, described by what a person would
say about it (quantity, sub-category, ship mode, segment, city: a combination only that row
has), in four phrasings from four templates. For each set:

1. search every phrasing with no ratings (the baseline ranks);
2. keep an answer to phrasing 0 citing the right row, and rate it 👍 (as the web page and the
   Slack bot do: `FeedbackStore.keep` + `rate`, scope of the caller's groups);
3. once every set is rated, search everything again.

Figures:
- ``moved``: of the other phrasings (1-3) whose right row ranked 2nd-8th before, the share now
  ranked first (and in the top 3);
- ``unrelated``: phrasings of *sibling* questions (the same words about another city's order,
  never rated) and of other sets, whose top result and whole top 8 must stay as they were;
- ``other group``: the same searches by a caller of another group: nothing may move.

Sets are split by a fixed seed: the ``tuning`` half chose the settings' defaults
(LAKELIGHT_FEEDBACK_SIMILARITY and the places), the ``held-out`` half was not looked at
until they were fixed; both are printed. Figures are appended to
``benchmarks/results/feedback.jsonl``.

Run from the repository root: ``.venv/bin/python benchmarks/feedback.py`` (``--sets 40`` for a
quick look; ``--workspace DIR`` keeps the ingested workspace between runs).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    append_result,
    log,
    machine_info,
    read_superstore,
    timestamp,
    write_csv,
)
from lakelight.config import load_settings
from lakelight.index.feedback import scope_of
from lakelight.workspace import Workspace

SEED = 5
K = 8
TEMPLATES = (
    "{qty} {sub} shipped {mode} to a {segment} customer in {city}",
    "a {segment} buyer from {city} ordered {qty} {sub} by {mode}",
    "which order of {qty} {sub} went to {city} {mode} for a {segment} client?",
    "{city}: {segment} segment, {qty} x {sub}, sent {mode}",
)
FIELDS = ("Quantity", "Sub-Category", "Ship Mode", "Segment", "City")


@dataclass
class Case:
    set_id: int
    split: str  # tuning | held-out
    phrasing: int
    text: str
    key: str  # the right row's key
    kind: str  # set | sibling


def describe(row: dict[str, str]) -> dict[str, str]:
    mode = row["Ship Mode"].lower().replace("same day", "same-day")
    return {
        "qty": row["Quantity"],
        "sub": row["Sub-Category"].lower(),
        "mode": mode,
        "segment": row["Segment"].lower(),
        "city": row["City"],
    }


def build_cases(rows: list[dict[str, str]], n_sets: int) -> list[Case]:
    """Sets of rows only one row fits; each with a sibling: the same words about the order of
    another city, never rated."""
    combos = Counter(tuple(r[f] for f in FIELDS) for r in rows)
    unique = [i for i, r in enumerate(rows) if combos[tuple(r[f] for f in FIELDS)] == 1]
    rng = random.Random(SEED)
    rng.shuffle(unique)
    by_rest: dict[tuple[str, ...], list[int]] = {}
    for i in unique:
        by_rest.setdefault(tuple(rows[i][f] for f in FIELDS[:4]), []).append(i)
    cases: list[Case] = []
    used: set[int] = set()
    for i in unique:
        if len({c.set_id for c in cases}) >= n_sets:
            break
        siblings = [j for j in by_rest[tuple(rows[i][f] for f in FIELDS[:4])] if j != i]
        sibling = next((j for j in siblings if j not in used), None)
        if i in used or sibling is None:
            continue
        used.update((i, sibling))
        set_id = len({c.set_id for c in cases})
        split = "tuning" if set_id % 2 == 0 else "held-out"
        words = describe(rows[i])
        for p, template in enumerate(TEMPLATES):
            cases.append(Case(set_id, split, p, template.format(**words), str(i + 1), "set"))
        other = describe(rows[sibling])
        for p, template in enumerate(TEMPLATES[1:], 1):
            text = template.format(**other)
            cases.append(Case(set_id, split, p, text, str(sibling + 1), "sibling"))
    # unrelated: rows that share no set's sub-category and city, in every template
    taken = {(rows[int(c.key) - 1]["Sub-Category"], rows[int(c.key) - 1]["City"]) for c in cases}
    spare = [
        i
        for i in unique
        if i not in used and (rows[i]["Sub-Category"], rows[i]["City"]) not in taken
    ]
    for n, i in enumerate(spare[: len({c.set_id for c in cases})]):
        p = n % len(TEMPLATES)
        text = TEMPLATES[p].format(**describe(rows[i]))
        split = "tuning" if n % 2 == 0 else "held-out"
        cases.append(Case(-1 - n, split, p, text, str(i + 1), "unrelated"))
    return cases


def ranked(ws: Workspace, text: str, scopes: tuple[str, ...]) -> list[str]:
    return [h.key for h in ws.retriever.search(text, K, feedback_scopes=scopes)]


def rank_of(keys: list[str], key: str) -> int | None:
    return keys.index(key) + 1 if key in keys else None


def summarize(cases: list[Case], before: dict[int, list[str]], after: dict[int, list[str]]) -> Any:
    out: dict[str, Any] = {}
    for split in ("tuning", "held-out", "all"):
        mine = [(n, c) for n, c in enumerate(cases) if split in ("all", c.split)]
        target = [
            (n, c)
            for n, c in mine
            if c.kind == "set" and c.phrasing > 0 and 2 <= (rank_of(before[n], c.key) or 0) <= K
        ]
        first = sum(rank_of(after[n], c.key) == 1 for n, c in target)
        top3 = sum((rank_of(after[n], c.key) or 99) <= 3 for n, c in target)
        siblings = [(n, c) for n, c in mine if c.kind == "sibling"]
        unrelated = [(n, c) for n, c in mine if c.kind == "unrelated"]
        out[split] = {
            "sets": len({c.set_id for _, c in mine if c.kind == "set"}),
            "eligible": len(target),
            "moved_first": round(first / len(target), 3) if target else None,
            "moved_top3": round(top3 / len(target), 3) if target else None,
            "sibling_questions": len(siblings),
            "sibling_top1_kept": _share(siblings, before, after, 1),
            "sibling_top8_kept": _share(siblings, before, after, K),
            "unrelated_questions": len(unrelated),
            "unrelated_top1_kept": _share(unrelated, before, after, 1),
            "unrelated_top8_kept": _share(unrelated, before, after, K),
        }
    return out


def _share(
    cases: list[tuple[int, Case]], before: dict[int, list[str]], after: dict[int, list[str]], k: int
) -> float | None:
    if not cases:
        return None
    return round(sum(before[n][:k] == after[n][:k] for n, _ in cases) / len(cases), 3)


def similarities(ws: Workspace, cases: list[Case], split: str) -> dict[str, Any]:
    """Cosine of each unrated question to the nearest rated phrasing: paraphrases must clear
    the threshold, siblings and unrelated questions should not."""
    import numpy as np

    mine = [c for c in cases if c.split == split]
    rated = [c for c in mine if c.kind == "set" and c.phrasing == 0]
    rv = ws.embedder.embed([c.text for c in rated])
    out: dict[str, Any] = {}
    for kind in ("set", "sibling", "unrelated"):
        probe = [c for c in mine if (c.kind == kind and c.phrasing > 0) or c.kind == kind != "set"]
        if not probe:
            continue
        pv = ws.embedder.embed([c.text for c in probe])
        sims = pv @ rv.T
        if kind == "set":
            own = {c.set_id: j for j, c in enumerate(rated)}
            values = np.asarray([sims[i, own[c.set_id]] for i, c in enumerate(probe)])
        else:
            values = sims.max(axis=1)
        out[kind] = (
            np.percentile(values, [0, 10, 50])
            if kind == "set"
            else np.percentile(values, [100, 90, 50])
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=int, default=120)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--similarity", type=float, default=None)
    args = parser.parse_args()

    header, raw = read_superstore()
    rows = [dict(zip(header, r, strict=True)) for r in raw]
    cases = build_cases(rows, args.sets)
    tmp = tempfile.TemporaryDirectory()
    home = args.workspace or Path(tmp.name) / "ws"
    overrides: dict[str, Any] = {"home": str(home), "llm_backend": "none"}
    if args.similarity is not None:
        overrides["feedback_similarity"] = args.similarity
    ws = Workspace(load_settings(**overrides))
    if not ws.catalog.list_tables():
        src = Path(tmp.name) / "superstore.csv"
        write_csv(src, header, raw)
        t0 = time.perf_counter()
        ws.ingest(str(src), table="superstore")
        log(f"ingested {len(raw):,} rows in {time.perf_counter() - t0:.0f} s")
    ws.feedback  # noqa: B018 (tables made before timing)
    # one caller of group "sales" rates; one of "ops" must see nothing move
    # (run-specific group names: a kept --workspace holds earlier runs' ratings)
    run = str(int(time.time()))
    rater, stranger = scope_of([f"sales-{run}"]), scope_of([f"ops-{run}"])
    source = ws.catalog.list_tables()[0].source
    t0 = time.perf_counter()
    before = {n: ranked(ws, c.text, (rater,)) for n, c in enumerate(cases)}
    search_s = (time.perf_counter() - t0) / len(cases)
    vectors = ws.embedder.embed([c.text for c in cases if c.kind == "set" and c.phrasing == 0])
    rated = [c for c in cases if c.kind == "set" and c.phrasing == 0]
    for case, vector in zip(rated, vectors, strict=True):
        body = {
            "answer": "(the row)",
            "route": "lookup",
            "citations": [{"source": source, "table": "superstore", "key": case.key, "row": {}}],
        }
        answer_id = ws.feedback.keep("alice", case.text, body, scope=rater, embedding=vector)
        ws.feedback.rate(answer_id, "alice", 1, None)
    t0 = time.perf_counter()
    after = {n: ranked(ws, c.text, (rater,)) for n, c in enumerate(cases)}
    search_rated_s = (time.perf_counter() - t0) / len(cases)
    other = {n: ranked(ws, c.text, (stranger,)) for n, c in enumerate(cases)}
    other_group_kept = round(sum(other[n] == before[n] for n in before) / len(before), 3)
    figures = summarize(cases, before, after)
    s = ws.settings
    result = {
        "benchmark": "feedback",
        "at": timestamp(),
        "machine": machine_info(),
        "rows": len(raw),
        "k": K,
        "settings": {
            "similarity": s.feedback_similarity,
            "up_places": s.feedback_up_places,
            "down_places": s.feedback_down_places,
            "max_places": s.feedback_max_places,
        },
        "ratings": len(rated),
        "figures": figures,
        "other_group_unchanged": other_group_kept,
        "search_ms": round(search_s * 1000, 1),
        "search_with_ratings_ms": round(search_rated_s * 1000, 1),
    }
    ws.close()
    append_result("feedback", result)
    print(f"settings: {result['settings']}; {len(rated)} 👍 stored, one per set")
    print(
        f"{'split':<9} {'sets':>4} {'eligible':>8} {'→1st':>6} {'→top3':>6} "
        f"{'sibling top1 kept':>18} {'sibling top8 kept':>18}"
    )
    for split, f in figures.items():
        print(
            f"{split:<9} {f['sets']:>4} {f['eligible']:>8} {f['moved_first']!s:>6} "
            f"{f['moved_top3']!s:>6} {f['sibling_top1_kept']!s:>18} {f['sibling_top8_kept']!s:>18}"
        )
    for split in ("tuning", "held-out"):
        f = figures[split]
        print(
            f"{split}: unrelated top1 kept {f['unrelated_top1_kept']}, top8 kept "
            f"{f['unrelated_top8_kept']} ({f['unrelated_questions']} questions)"
        )
    cosines = similarities(ws, cases, "tuning")
    print(
        "tuning cosines to the rated phrasing (min / p10 / median):",
        {kind: [round(float(x), 3) for x in v] for kind, v in cosines.items()},
    )
    print(f"another group's searches unchanged: {other_group_kept}")
    print(
        f"search: {result['search_ms']} ms before, {result['search_with_ratings_ms']} ms with "
        f"{len(rated)} ratings stored"
    )


if __name__ == "__main__":
    main()
