"""Ingest benchmark: lakelight against the LangChain stack a user would write, same data, one run.

What it measures, on real rows (Sample Superstore, 9,994 rows, plus the ``omdb`` table of
bokeh-sampledata's movies.db, 17,472 rows, both written as CSV files both stacks read):

1. Ingest throughput (rows/s), end to end, embedding model loaded and warmed beforehand:
   - LangChain: ``CSVLoader(path).load()`` -> ``HuggingFaceEmbeddings`` (the same local
     all-MiniLM-L6-v2, normalized, defaults otherwise) -> ``FAISS.from_documents``;
   - lakelight: ``Workspace.ingest(path)`` per file (catalog, typed SQL table, vectors, keyword
     index, profile), then a second ingest of the unchanged files (should embed nothing).
2. recall@10 of both on queries built from sampled rows (fixed seed): each query is 2-3 of the
   row's rarest short values in their column; a result counts when it is that row (or a row with
   identical content).
3. Search latency p50/p95 at ``--latency-rows`` vectors (default 100,000): the files are ingested
   again as copies into a fresh workspace whose embedder reuses the vectors computed during the
   timed ingest (identical texts are embedded once: the vectors are real, and the build does
   not pay for embedding, which latency does not depend on). Queries are timed with the real
   embedder, so they include query embedding; the LangChain FAISS store of the same size is built
   with ``FAISS.from_embeddings`` from its own vectors.

Run it from the repository root: ``make bench`` (= ``.venv/bin/python benchmarks/ingest.py``).
Quick check: ``.venv/bin/python benchmarks/ingest.py --rows 600 --latency-rows 3000``.
Figures are printed as a table and a final JSON line (``--json``: the JSON only) and appended to
``benchmarks/results/ingest.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model loads from its local path, never a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks.common import (
    TableFile,
    append_result,
    export_tables,
    log,
    machine_info,
    percentiles_ms,
    timestamp,
    write_csv,
)
from lakelight.config import load_settings
from lakelight.ingest.keys import is_id_name
from lakelight.ingest.rows import is_null
from lakelight.workspace import Workspace

SEED = 20240611
MAX_QUERY_VALUE_CHARS = 60  # longer cells (plots, cast lists, URLs) are not what people type
WARM_QUERIES = 10
TARGET_RATIO = 1.5

Signature = tuple[str, ...]


# --- telling rows apart -------------------------------------------------------------------


def normalize(value: Any) -> str | None:
    """One spelling per value, whether it comes from a CSV cell or a typed catalog field."""
    if is_null(value):
        return None
    text = str(value).strip()
    if text.lower() in ("true", "yes"):
        return "true"
    if text.lower() in ("false", "no"):
        return "false"
    try:
        number = float(text)
    except ValueError:
        return text
    return repr(number) if math.isfinite(number) else text


def signature(values: Iterable[Any]) -> Signature:
    """A row's content, independent of column types and order: its sorted non-empty values."""
    return tuple(sorted(v for v in map(normalize, values) if v is not None))


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    table: str
    row: int  # 0-based data row in the table's CSV file
    target: Signature


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _query_text(row: list[str], columns: list[str], counts: list[Counter[str]]) -> str:
    """The row's two rarest words-like values and its rarest number (rarest in their column),
    in column order; id columns and long cells are left out."""
    candidates = [
        (counts[i][cell.strip()], i, cell.strip())
        for i, cell in enumerate(row)
        if not is_null(cell)
        and not is_id_name(columns[i])
        and len(cell.strip()) <= MAX_QUERY_VALUE_CHARS
        and "://" not in cell
    ]
    words = sorted(c for c in candidates if not _is_number(c[2]))
    numbers = sorted(c for c in candidates if _is_number(c[2]))
    chosen = words[:2] + numbers[:1]
    if len(chosen) < 3:
        chosen += sorted(c for c in candidates if c not in chosen)[: 3 - len(chosen)]
    return " ".join(value for _, _, value in sorted(chosen, key=lambda c: c[1]))


def build_queries(tables: Sequence[TableFile], n: int, seed: int = SEED) -> list[Query]:
    """``n`` rows sampled across all tables (fixed seed), each turned into a query."""
    rng = random.Random(seed)
    population = [(t, i) for t in tables for i in range(len(t.rows))]
    queries = []
    counts = {
        t.name: [Counter(row[i].strip() for row in t.rows) for i in range(len(t.columns))]
        for t in tables
    }
    for table, i in sorted(rng.sample(population, min(n, len(population))), key=lambda p: p[1]):
        row = table.rows[i]
        text = _query_text(row, table.columns, counts[table.name])
        queries.append(Query(text, table.name, i, signature(row)))
    return queries


# --- embedders ----------------------------------------------------------------------------


class CachingEmbedder:
    """Stands in for lakelight's embedder (``embed``, ``dim``, ``model_id``) and keeps every
    vector it returns by text. ``reuse=False``: every text goes to the real model (a recorder,
    used during the timed ingest); ``reuse=True``: a text already seen is not embedded again."""

    def __init__(self, inner: Any, cache: dict[str, np.ndarray] | None = None):
        self.inner, self.dim, self.model_id = inner, inner.dim, inner.model_id
        self.cache: dict[str, np.ndarray] = {} if cache is None else cache
        self.reuse = False
        self.embedded = 0  # texts sent to the real model

    def embed(self, texts: list[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in self.cache)) if self.reuse else texts
        if todo:
            vectors = self.inner.embed(todo)
            self.embedded += len(todo)
            self.cache.update(zip(todo, vectors, strict=True))
            if not self.reuse:
                return vectors
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts])


# --- LangChain ----------------------------------------------------------------------------


@dataclass
class LangChainRun:
    seconds: float
    store: Any  # langchain_community.vectorstores.FAISS
    docs: list[Any]
    offsets: dict[str, int]  # table name -> position of its first document
    tables: dict[str, str] = field(default_factory=dict)  # source path -> table name


def langchain_embeddings(model_path: str) -> Any:
    from langchain_huggingface import HuggingFaceEmbeddings

    embeddings = HuggingFaceEmbeddings(
        model_name=model_path, encode_kwargs={"normalize_embeddings": True}
    )
    embeddings.embed_documents(["warm up the model", "before timing"])
    return embeddings


def run_langchain(tables: Sequence[TableFile], embeddings: Any) -> LangChainRun:
    from langchain_community.document_loaders import CSVLoader
    from langchain_community.vectorstores import FAISS

    start = time.perf_counter()
    docs: list[Any] = []
    offsets = {}
    for table in tables:
        offsets[table.name] = len(docs)
        docs += CSVLoader(str(table.path)).load()
    store = FAISS.from_documents(docs, embeddings)
    seconds = time.perf_counter() - start
    return LangChainRun(seconds, store, docs, offsets, {str(t.path): t.name for t in tables})


def langchain_recall(run: LangChainRun, tables: Sequence[TableFile], queries: list[Query]) -> float:
    rows = {t.name: t.rows for t in tables}

    def is_target(doc: Any, q: Query) -> bool:
        """The target row itself, or a row of its table with identical content."""
        name = run.tables.get(str(doc.metadata.get("source")))
        return name == q.table and signature(rows[name][doc.metadata["row"]]) == q.target

    found = sum(
        any(is_target(d, q) for d in run.store.similarity_search(q.text, k=10)) for q in queries
    )
    return found / len(queries)


def langchain_store_of(run: LangChainRun, plan: Sequence[tuple[TableFile, int]]) -> Any:
    """A LangChain FAISS store holding the documents of ``plan`` with the vectors the timed run
    computed for them (no embedding)."""
    from langchain_community.vectorstores import FAISS

    vectors = run.store.index.reconstruct_n(0, run.store.index.ntotal)
    picked = [run.offsets[t.name] + i for t, n in plan for i in range(n)]
    return FAISS.from_embeddings(
        ((run.docs[j].page_content, vectors[j]) for j in picked),
        run.store.embedding_function,
        metadatas=[run.docs[j].metadata for j in picked],
    )


# --- lakelight ----------------------------------------------------------------------------


def open_workspace(home: Path) -> Workspace:
    ws = Workspace(load_settings(home=home))
    ws.embedder.embed(["warm up the model", "before timing"])
    return ws


@dataclass
class LakelightRun:
    seconds: float
    reingest_seconds: float
    reingest_embedded: int
    counts: dict[str, int]
    reingest_counts: dict[str, int]
    cache: dict[str, np.ndarray]


def ingest_all(ws: Workspace, paths: Iterable[Path]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for path in paths:
        report = ws.ingest(str(path))
        if not report.ok:
            log(f"  ! lakelight reported a problem ingesting {path}: {report.as_dict()}")
        totals.update(report.counts)
    return dict(totals)


def run_lakelight(ws: Workspace, tables: Sequence[TableFile]) -> LakelightRun:
    """Time the first ingest and a second one of the unchanged files. A recorder keeps the
    vectors the model returns (for the latency workspace) and counts texts embedded."""
    recorder = CachingEmbedder(ws.embedder)
    ws.indexes.embedder = recorder  # type: ignore[assignment]
    paths = [t.path for t in tables]
    start = time.perf_counter()
    counts = ingest_all(ws, paths)
    seconds = time.perf_counter() - start
    before = recorder.embedded
    start = time.perf_counter()
    again = ingest_all(ws, paths)
    reingest = time.perf_counter() - start
    ws.indexes.embedder = recorder.inner
    return LakelightRun(
        seconds, reingest, recorder.embedded - before, counts, again, recorder.cache
    )


def lakelight_recall(ws: Workspace, queries: list[Query]) -> float:
    found = sum(
        any(h.table == q.table and signature(h.row.values()) == q.target for h in ws.search(q.text))
        for q in queries
    )
    return found / len(queries)


def latency_plan(tables: Sequence[TableFile], total: int) -> list[tuple[TableFile, int]]:
    """Copies of the tables, in turn, until ``total`` rows (the last copy may be cut short)."""
    plan: list[tuple[TableFile, int]] = []
    remaining = total if any(t.rows for t in tables) else 0
    while remaining > 0:
        for table in tables:
            take = min(len(table.rows), remaining)
            if take:
                plan.append((table, take))
            remaining -= take
    return plan


def build_latency_workspace(
    home: Path, plan: Sequence[tuple[TableFile, int]], cache: dict[str, np.ndarray]
) -> tuple[Workspace, float, int]:
    """A workspace holding every copy in ``plan``: copy ``i`` of a table is the file
    ``copy<i>/<table>.csv``, so it keeps the table name and its records keep their texts, and
    the caching embedder finds their vectors. Returns the workspace, build seconds and how many
    texts had to be embedded after all."""
    files = []
    for i, (table, n) in enumerate(plan):
        path = home / "copies" / f"copy{i}" / table.path.name
        write_csv(path, table.columns, table.rows[:n])
        files.append(path)
    ws = open_workspace(home / "workspace")
    memo = CachingEmbedder(ws.embedder, cache)
    memo.reuse = True
    ws.indexes.embedder = memo  # type: ignore[assignment]
    start = time.perf_counter()
    ingest_all(ws, files)
    seconds = time.perf_counter() - start
    ws.indexes.embedder = memo.inner  # queries are embedded for real
    return ws, seconds, memo.embedded


def timed(searches: dict[str, Callable[[str], Any]], queries: Sequence[Query]) -> dict[str, Any]:
    """p50/p95 of each search function over the queries, run in turn query by query, so load
    that changes during the run weighs on all of them alike."""
    for q in queries[:WARM_QUERIES]:
        for search in searches.values():
            search(q.text)
    seconds: dict[str, list[float]] = {name: [] for name in searches}
    for q in queries:
        for name, search in searches.items():
            start = time.perf_counter()
            search(q.text)
            seconds[name].append(time.perf_counter() - start)
    return {name: percentiles_ms(values) for name, values in seconds.items()}


# --- the run ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=None, help="cap on rows (default: all)")
    parser.add_argument(
        "--latency-rows", type=int, default=100_000, help="vectors searched for latency"
    )
    parser.add_argument("--queries", type=int, default=200, help="queries for recall, latency")
    parser.add_argument("--skip-langchain", action="store_true", help="measure lakelight only")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    return parser.parse_args(argv)


def rate(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds > 0 else 0.0


def measure_lakelight(
    ws: Workspace, tables: Sequence[TableFile], queries: list[Query]
) -> tuple[dict[str, Any], LakelightRun]:
    rows = sum(len(t.rows) for t in tables)
    log(f"lakelight: ingesting {rows} rows ...")
    run = run_lakelight(ws, tables)
    log(f"lakelight: recall@10 over {len(queries)} queries ...")
    figures = {
        "seconds": round(run.seconds, 2),
        "rows_per_s": rate(rows, run.seconds),
        "counts": run.counts,
        "reingest_seconds": round(run.reingest_seconds, 2),
        "reingest_counts": run.reingest_counts,
        "reingest_texts_embedded": run.reingest_embedded,
        "recall_at_10": round(lakelight_recall(ws, queries), 3),
    }
    return figures, run


def measure_langchain(
    model_path: str, tables: Sequence[TableFile], queries: list[Query]
) -> tuple[dict[str, Any], LangChainRun]:
    embeddings = langchain_embeddings(model_path)
    rows = sum(len(t.rows) for t in tables)
    log(f"langchain: loading and embedding {rows} rows ...")
    run = run_langchain(tables, embeddings)
    log(f"langchain: recall@10 over {len(queries)} queries ...")
    figures = {
        "seconds": round(run.seconds, 2),
        "rows_per_s": rate(rows, run.seconds),
        "documents": len(run.docs),
        "recall_at_10": round(langchain_recall(run, tables, queries), 3),
    }
    return figures, run


def measure_latency(
    home: Path,
    plan: Sequence[tuple[TableFile, int]],
    queries: list[Query],
    ll: LakelightRun,
    lc: LangChainRun | None,
) -> dict[str, Any]:
    total = sum(n for _, n in plan)
    log(f"latency: building a {total}-row workspace from {len(plan)} copies ...")
    ws, build_seconds, misses = build_latency_workspace(home, plan, ll.cache)
    figures: dict[str, Any] = {
        "rows": total,
        "lakelight_vectors": ws.indexes.vectors.size,
        "build_seconds": round(build_seconds, 2),
        "build_texts_embedded": misses,
    }
    searches: dict[str, Callable[[str], Any]] = {
        "lakelight": lambda q: ws.search(q, 10),
        "query_embedding": lambda q: ws.embedder.embed([q]),
    }
    if lc is not None:
        store = langchain_store_of(lc, plan)
        figures["langchain_vectors"] = int(store.index.ntotal)
        searches["langchain"] = lambda q: store.similarity_search(q, k=10)
        searches["langchain_query_embedding"] = store.embedding_function.embed_query
    log(f"latency: timing {len(queries)} queries ...")
    figures |= timed(searches, queries)
    ws.close()
    return figures


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    tables = export_tables(tmp / "data", args.rows)
    queries = build_queries(tables, args.queries)
    ws = open_workspace(tmp / "lakelight")
    result: dict[str, Any] = {
        "timestamp": timestamp(),
        "machine": machine_info(),
        "rows": {t.name: len(t.rows) for t in tables} | {"total": sum(len(t.rows) for t in tables)},
        "queries": len(queries),
        "model_load_excluded": True,
        "model": {
            "path": ws.settings.model_path,
            "lakelight_precision": ws.settings.embed_precision,
        },
    }
    result["lakelight"], ll = measure_lakelight(ws, tables, queries)
    ws.close()
    lc = None
    if not args.skip_langchain:
        result["langchain"], lc = measure_langchain(ws.settings.model_path, tables, queries)
        # lakelight rows/s over LangChain rows/s, on the same rows
        result["throughput_ratio"] = round(lc.seconds / ll.seconds, 2)
    plan = latency_plan(tables, args.latency_rows)
    result["latency"] = measure_latency(tmp / "latency", plan, queries, ll, lc)
    return result


def _row(label: str, *cells: Any) -> str:
    return f"  {label:<34}" + "".join(f"{'' if c is None else c!s:>14}" for c in cells)


def report(result: dict[str, Any]) -> str:
    m, r, ll = result["machine"], result["rows"], result["lakelight"]
    lc = result.get("langchain", {})
    lat = result["latency"]
    lines = [
        "lakelight ingest benchmark",
        f"  cpu: {m['cpu']} ({m['cores']} cores), torch {m['torch']} with "
        f"{m['torch_threads']} threads, python {m['python']}",
        f"  data: {r['total']} rows ("
        + ", ".join(f"{k} {v}" for k, v in r.items() if k != "total")
        + f"), {result['queries']} queries",
        f"  model: {result['model']['path']} (lakelight {result['model']['lakelight_precision']},"
        " LangChain float32 defaults); loaded and warmed before timing, not counted",
        "",
        _row("", "lakelight", "LangChain"),
        _row("ingest seconds", ll["seconds"], lc.get("seconds")),
        _row("ingest rows/s", ll["rows_per_s"], lc.get("rows_per_s")),
        _row("recall@10", ll["recall_at_10"], lc.get("recall_at_10")),
        _row(
            f"search p50 ms at {lat['rows']} rows",
            lat["lakelight"]["p50_ms"],
            lat.get("langchain", {}).get("p50_ms"),
        ),
        _row(
            f"search p95 ms at {lat['rows']} rows",
            lat["lakelight"]["p95_ms"],
            lat.get("langchain", {}).get("p95_ms"),
        ),
        _row(
            "  query embedding alone, p50 ms",
            lat["query_embedding"]["p50_ms"],
            lat.get("langchain_query_embedding", {}).get("p50_ms"),
        ),
        "",
        f"  lakelight re-ingest of the unchanged files: {ll['reingest_seconds']} s, "
        f"{ll['reingest_texts_embedded']} texts embedded, counts {ll['reingest_counts']}",
    ]
    if "throughput_ratio" in result:
        verdict = "meets" if result["throughput_ratio"] >= TARGET_RATIO else "BELOW"
        lines.append(
            f"  throughput ratio lakelight/LangChain: {result['throughput_ratio']}x "
            f"({verdict} the {TARGET_RATIO}x target)"
        )
    lines.append(
        f"  latency workspace: {lat['lakelight_vectors']} vectors, built in "
        f"{lat['build_seconds']} s from copies of the files, with vectors reused from the timed "
        f"ingest ({lat['build_texts_embedded']} texts embedded): the vectors are real and latency "
        "does not depend on embedding cost; timed searches embed their query for real"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lakelight-bench-") as tmp:
        result = run(args, Path(tmp))
    saved = append_result("ingest", result)
    if not args.json:
        print(report(result))
        print(f"  appended to {saved}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
