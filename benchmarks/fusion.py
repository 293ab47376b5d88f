"""Fusion benchmark: does a search for an exact id, value or phrase return that row first?

Same rows, one run, three rankers:
- ``lakelight``: vector + keyword search fused with the exact-match tier (``fusion.py``);
- ``lakelight-rrf``: the same workspace with the tier off (``exact_max_rows=0``): plain RRF;
- ``langchain``: the hybrid a LangChain user builds, ``EnsembleRetriever`` over
  ``BM25Retriever`` and a FAISS retriever (the same all-MiniLM-L6-v2), weights 0.5 / 0.5,
  over ``CSVLoader`` documents.

Rows: TPC-H (SF 0.01: region, nation, supplier, customer, part and 1,000 orders, as
tpchgen-cli wrote them) and the first 5,000 rows of Sample Superstore. Query families, each
with its row as the one right answer (fixed seed):
- ``id``: a zero-padded name as typed (``Customer#000000042``, ``Supplier#000000007``);
- ``value``: the row's two rarest word values and rarest number (``benchmarks/ingest.py``);
- ``phrase``: a TPC-H part's name (``goldenrod lavender spring chocolate lace``).
Figures: recall@1, @3 and @10 per family and ranker, p50 latency; printed and appended to
``benchmarks/results/fusion.jsonl``.

Run from the repository root: ``.venv/bin/python benchmarks/fusion.py`` (``--queries 50``
for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    TableFile,
    append_result,
    machine_info,
    percentiles_ms,
    read_superstore,
    timestamp,
    write_csv,
)
from benchmarks.evalsets import tpch_tables
from benchmarks.ingest import build_queries, signature
from lakelight.config import load_settings
from lakelight.workspace import Workspace

SEED = 11
TPCH = ("region", "nation", "supplier", "customer", "part", "orders")
SUPERSTORE_ROWS = 5000
KS = (1, 3, 10)


@dataclass(frozen=True)
class Probe:
    family: str
    text: str
    table: str
    target: tuple[str, ...]


def export(folder: Path) -> list[TableFile]:
    tables = []
    for name, df in tpch_tables().items():
        if name in TPCH:
            columns = list(df.columns)
            rows = df.astype(str).values.tolist()
            path = folder / f"{name}.csv"
            write_csv(path, columns, rows)
            tables.append(TableFile(name, path, columns, rows))
    columns, rows = read_superstore()
    path = folder / "superstore.csv"
    write_csv(path, columns, rows[:SUPERSTORE_ROWS])
    tables.append(TableFile("superstore", path, columns, rows[:SUPERSTORE_ROWS]))
    return tables


def probes(tables: Sequence[TableFile], n: int) -> list[Probe]:
    rng = random.Random(SEED)
    by_name = {t.name: t for t in tables}
    out: list[Probe] = []
    for name, column in (("customer", "c_name"), ("supplier", "s_name")):
        t = by_name[name]
        i = t.columns.index(column)
        for row in rng.sample(t.rows, min(n // 2, len(t.rows))):
            out.append(Probe("id", row[i], name, signature(row)))
    part = by_name["part"]
    i = part.columns.index("p_name")
    for row in rng.sample(part.rows, min(n, len(part.rows))):
        out.append(Probe("phrase", row[i], "part", signature(row)))
    for q in build_queries(tables, n, SEED):
        out.append(Probe("value", q.text, q.table, q.target))
    return out


def lakelight_ranker(ws: Workspace) -> Callable[[str], list[tuple[str, tuple[str, ...]]]]:
    def rank(text: str) -> list[tuple[str, tuple[str, ...]]]:
        return [(h.table, signature(h.row.values())) for h in ws.retriever.search(text, 10)]

    return rank


def langchain_ranker(
    tables: Sequence[TableFile], model_path: str
) -> Callable[[str], list[tuple[str, tuple[str, ...]]]]:
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.document_loaders import CSVLoader
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings

    embeddings = HuggingFaceEmbeddings(
        model_name=model_path, encode_kwargs={"normalize_embeddings": True}
    )
    docs = [d for t in tables for d in CSVLoader(str(t.path)).load()]
    names = {str(t.path): t.name for t in tables}
    rows = {t.name: t.rows for t in tables}
    bm25 = BM25Retriever.from_documents(docs, k=10)
    vectors = FAISS.from_documents(docs, embeddings).as_retriever(search_kwargs={"k": 10})
    hybrid = EnsembleRetriever(retrievers=[bm25, vectors], weights=[0.5, 0.5])

    def rank(text: str) -> list[tuple[str, tuple[str, ...]]]:
        found = []
        for d in hybrid.invoke(text)[:10]:
            name = names[str(d.metadata["source"])]
            found.append((name, signature(rows[name][d.metadata["row"]])))
        return found

    return rank


def score(
    rank: Callable[[str], list[tuple[str, tuple[str, ...]]]], qs: Sequence[Probe]
) -> dict[str, object]:
    by_family: dict[str, dict[str, float]] = {}
    seconds = []
    for family in sorted({q.family for q in qs}):
        group = [q for q in qs if q.family == family]
        hits = dict.fromkeys(KS, 0)
        for q in group:
            start = time.perf_counter()
            ranked = rank(q.text)
            seconds.append(time.perf_counter() - start)
            at = next(
                (i for i, r in enumerate(ranked, 1) if r == (q.table, q.target)), len(ranked) + 1
            )
            for k in KS:
                hits[k] += at <= k
        by_family[family] = {f"recall_at_{k}": round(hits[k] / len(group), 3) for k in KS}
        by_family[family]["n"] = len(group)
    return {"families": by_family, **percentiles_ms(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200, help="queries per family")
    parser.add_argument("--no-langchain", action="store_true", help="skip the peer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tables = export(folder / "data")
        qs = probes(tables, args.queries)
        settings = load_settings(home=folder / "ws")
        ws = Workspace(settings)
        for t in tables:
            ws.ingest(str(t.path))
        results: dict[str, object] = {"lakelight": score(lakelight_ranker(ws), qs)}
        ws.retriever.settings = settings.model_copy(update={"exact_max_rows": 0})
        results["lakelight-rrf"] = score(lakelight_ranker(ws), qs)
        if not args.no_langchain:
            results["langchain"] = score(langchain_ranker(tables, settings.model_path), qs)
        ws.close()
    result = {
        "time": timestamp(),
        "machine": machine_info(),
        "rows": sum(len(t.rows) for t in tables),
        **results,
    }
    print(f"{'ranker':<15}{'family':<8}{'n':>5}{'R@1':>7}{'R@3':>7}{'R@10':>7}")
    for ranker, figures in results.items():
        for family, f in figures["families"].items():  # type: ignore[index]
            print(
                f"{ranker:<15}{family:<8}{f['n']:>5}{f['recall_at_1']:>7.3f}"
                f"{f['recall_at_3']:>7.3f}{f['recall_at_10']:>7.3f}"
            )
        print(f"{ranker:<15}p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")  # type: ignore[index]
    append_result("fusion", result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
