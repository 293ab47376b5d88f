"""Ask benchmark: lakelight's ``ask`` against the LangChain RAG tutorial stack, same questions,
same local model, one run.

What it measures:

1. lakelight on the eval question set (``benchmarks/questions/lakelight.jsonl``, 89 questions,
   scored by ``lakelight.rag.evaluate``): accuracy overall and per kind, citation hit rate,
   "don't know" correctness, how often it said "don't know" to an answerable question, and
   ``ask`` latency p50/p95 end to end. Twice: with the bundled local model (SmolLM2-135M,
   ``use_llm=True``, model loaded and warmed before timing) and without it (``use_llm=False``,
   the answers of ``lakelight ask --no-llm``).
2. The LangChain tutorial stack on the same questions, over the same data exported the way a
   user would: Superstore as a CSV file, every Chinook table the questions use exported from
   ``<home>/chinook.db`` to CSV, the fail2ban logs through ``TextLoader`` split one document per
   line (blank and ``#`` comment lines dropped, as lakelight drops them) -> ``CSVLoader`` for the
   CSVs -> ``HuggingFaceEmbeddings`` (the same local all-MiniLM-L6-v2, normalized) ->
   ``FAISS.from_documents`` -> ``as_retriever(k=4)`` -> the prompt "Answer the question using
   only this context: ..." -> the SAME local model: lakelight's local backend object, called as
   ``backend.chat([ChatMessage("user", prompt)], max_tokens=64)`` inside a ``RunnableLambda``.
   Its answers are scored with the same ``score()``. A reply counts as "don't know" (route
   ``none``) when it matches ``DONT_KNOW`` below (e.g. "I don't know", "not mentioned in the
   context", "cannot determine"); LangChain returns no citations, so its citation hit rate is 0.
3. Aggregate-question latency at 100,000 rows: Superstore repeated (10 copies plus 60 rows) as
   one typed table in a fresh workspace, written through the catalog WITHOUT embeddings (as
   ``tests/rag/conftest.py``'s ``ingest`` does); ``ask(..., use_llm=False)`` on aggregate
   questions, p50/p95 over ``--agg-runs`` rounds. Should a question fall through to retrieval
   (which would embed all 100k rows first), it is reported, not timed.
4. Retrieval latency at 100k rows is measured by ``benchmarks/ingest.py``: not repeated here.

Run it from the repository root (about 15-25 minutes on 2 cores):

    .venv/bin/python benchmarks/ask.py --home .lakelight-eval
    .venv/bin/python benchmarks/ask.py --limit 8          # quick check on 8 questions

``--home`` is the eval workspace (default ``.lakelight-eval``; built with
``benchmarks/eval_workspace.py`` when missing, minutes of CPU). ``--no-langchain`` skips part 2,
``--langchain-tables all`` embeds every Chinook table. Figures are printed, then a JSON line
(``--json``: the JSON only), which is also appended to ``benchmarks/results/ask.jsonl``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models load from local paths, never a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    append_result,
    machine_info,
    percentiles_ms,
    read_superstore,
    timestamp,
    write_csv,
)
from benchmarks.eval_workspace import DEFAULT_HOME, LOG_FILES, SUPERSTORE_TABLE, build  # noqa: E402
from lakelight.config import Settings, load_settings  # noqa: E402
from lakelight.index.catalog import Catalog  # noqa: E402
from lakelight.index.pipeline import describe_table  # noqa: E402
from lakelight.ingest import open_source  # noqa: E402
from lakelight.llm import ChatBackend, ChatMessage, get_backend  # noqa: E402
from lakelight.rag.answer import Answer  # noqa: E402
from lakelight.rag.evaluate import load_questions, run_eval  # noqa: E402
from lakelight.workspace import Workspace  # noqa: E402
from tests import data  # noqa: E402

QUESTIONS = ROOT / "benchmarks" / "questions" / "lakelight.jsonl"

LANGCHAIN_PROMPT = "Answer the question using only this context:\n{context}\n\nQuestion: {question}"
LANGCHAIN_K = 4
LANGCHAIN_MAX_TOKENS = 64
CHINOOK_USED = (
    "Customer",
    "Employee",
    "Invoice",
    "InvoiceLine",
    "Track",
    "Album",
    "Artist",
    "Genre",
    "MediaType",
)
DEFAULT_LANGCHAIN_TABLES = (SUPERSTORE_TABLE, *CHINOOK_USED, *LOG_FILES)

# A LangChain reply is a "don't know" (route "none") when it says so in one of these ways.
DONT_KNOW = re.compile(
    r"\b(?:"
    r"(?:do|does|is|are|was) ?n(?:o|['\u2019])t (?:know|have|contain|provide|mention|include"
    r"|specify|say|state|mentioned|provided|available|given|specified|stated|included|listed)"
    r"|not (?:mentioned|provided|available|given|specified|stated|included|listed) in"
    r"|no (?:information|data|mention)|not sure"
    r"|(?:cannot|can['\u2019]?t|can not|unable to) (?:be )?(?:determine|answer|find|tell|provide)"
    r")",
    re.IGNORECASE,
)

AGGREGATE_ROWS = 100_000
AGGREGATE_QUESTIONS = (
    "What were the total sales in the West region?",
    "How many orders per category?",
    "Which state had the most orders?",
    "What's the average discount in the Central region?",
    "Which region had the highest total sales?",
    "Total profit on binders sold in Texas?",
    "Give me the top 3 sub-categories by sales.",
    "How many orders went out with Same Day shipping?",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- scoring helpers ----------------------------------------------------------------------


def says_dont_know(text: str) -> bool:
    return bool(DONT_KNOW.search(text))


def extra_figures(items: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]) -> dict:
    """Figures ``run_eval``'s summary lacks: route agreement, "don't know" said to answerable
    questions, latency per route (numpy percentiles)."""
    answerable = [r for it, r in zip(items, rows, strict=True) if it.get("answer") is not None]
    by_route: dict[str, list[float]] = {}
    for r in rows:
        by_route.setdefault(r["route"], []).append(r["ms"] / 1000)
    return {
        "route_agreement": round(
            sum(it.get("route") == r["route"] for it, r in zip(items, rows, strict=True))
            / max(1, len(rows)),
            3,
        ),
        "dont_know_on_answerable": round(
            sum(r["route"] == "none" for r in answerable) / max(1, len(answerable)), 3
        ),
        "latency_by_route": {
            route: {"n": len(v), **percentiles_ms(v)} for route, v in sorted(by_route.items())
        },
    }


def run_scored(items: Sequence[dict[str, Any]], ask: Callable[[str], Answer]) -> dict[str, Any]:
    answers: list[Answer] = []

    def recording(question: str) -> Answer:
        answer = ask(question)
        answers.append(answer)
        return answer

    out = run_eval(items, recording)
    figures = {"summary": out["summary"], **extra_figures(items, out["results"])}
    figures["llm_use"] = dict(Counter(a.llm.split(":")[0] for a in answers))
    llm_ms = [a.timings["llm_ms"] / 1000 for a in answers if "llm_ms" in a.timings]
    if llm_ms:
        figures["llm_ms"] = {"n": len(llm_ms), **percentiles_ms(llm_ms)}
    return {"figures": figures, "results": out["results"]}


# --- lakelight ----------------------------------------------------------------------------


def open_eval_workspace(home: Path) -> Workspace:
    if not (home / "catalog.db").exists() or not (home / "chinook.db").exists():
        log(f"no eval workspace at {home}: building it (minutes of CPU) ...")
        build(home)
    return Workspace(load_settings(home=home, llm_backend="local"))


def warm_up(ws: Workspace, items: Sequence[dict[str, Any]]) -> tuple[ChatBackend, float]:
    """Load the local model and the embedder, and run one question each way, before timing."""
    t0 = time.perf_counter()
    backend = get_backend(ws.settings)
    backend.chat([ChatMessage("user", "Say OK.")], max_tokens=4)
    load_seconds = time.perf_counter() - t0
    lookup = next((it for it in items if it.get("route") == "lookup"), items[0])
    ws.ask(lookup["question"], use_llm=True)
    ws.ask(lookup["question"], use_llm=False)
    return backend, load_seconds


# --- LangChain ----------------------------------------------------------------------------


def export_for_langchain(home: Path, folder: Path, tables: Sequence[str]) -> list[tuple[str, Path]]:
    """(table, file) for every table, as a user would hand them to LangChain: CSV files for
    Superstore and Chinook, the log files as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[tuple[str, Path]] = []
    conn = sqlite3.connect(f"file:{home / 'chinook.db'}?mode=ro", uri=True)
    try:
        chinook = [
            n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for name in tables:
            if name == SUPERSTORE_TABLE:
                path = folder / "superstore.csv"
                with gzip.open(data.superstore_csv(), "rb") as src, path.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            elif name in chinook:
                cursor = conn.execute(f'SELECT * FROM "{name}"')
                columns = [d[0] for d in cursor.description]
                rows = [["" if v is None else str(v) for v in row] for row in cursor]
                path = folder / f"{name}.csv"
                write_csv(path, columns, rows)
            elif name in LOG_FILES:
                path = data.fail2ban_logs() / name
            else:
                raise SystemExit(f"unknown table for LangChain: {name}")
            files.append((name, path))
    finally:
        conn.close()
    return files


def langchain_documents(files: Sequence[tuple[str, Path]]) -> list[Any]:
    from langchain_community.document_loaders import CSVLoader, TextLoader
    from langchain_core.documents import Document

    docs: list[Any] = []
    for name, path in files:
        if name in LOG_FILES:
            for doc in TextLoader(str(path), encoding="utf-8", autodetect_encoding=True).load():
                docs += [
                    Document(page_content=line, metadata={"source": str(path), "line": n})
                    for n, line in enumerate(doc.page_content.splitlines(), 1)
                    if line.strip() and not line.lstrip().startswith("#")
                ]
        else:
            docs += CSVLoader(str(path), encoding="utf-8").load()
    return docs


class LangChainRag:
    """The tutorial chain: retriever -> prompt -> model -> string."""

    def __init__(self, docs: list[Any], model_path: str, backend: ChatBackend):
        from langchain_community.vectorstores import FAISS
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import PromptTemplate
        from langchain_core.runnables import RunnableLambda, RunnablePassthrough
        from langchain_huggingface import HuggingFaceEmbeddings

        embeddings = HuggingFaceEmbeddings(
            model_name=model_path, encode_kwargs={"normalize_embeddings": True}
        )
        embeddings.embed_documents(["warm up the model", "before timing"])
        t0 = time.perf_counter()
        self.store = FAISS.from_documents(docs, embeddings)
        self.build_seconds = time.perf_counter() - t0

        def format_docs(found: list[Any]) -> str:
            return "\n\n".join(d.page_content for d in found)

        def same_local_model(prompt: Any) -> str:
            message = ChatMessage("user", prompt.to_string())
            return backend.chat([message], max_tokens=LANGCHAIN_MAX_TOKENS)

        retriever = self.store.as_retriever(search_kwargs={"k": LANGCHAIN_K})
        self.chain = (
            {"context": retriever | format_docs, "question": RunnablePassthrough()}
            | PromptTemplate.from_template(LANGCHAIN_PROMPT)
            | RunnableLambda(same_local_model)
            | StrOutputParser()
        )

    def ask(self, question: str) -> Answer:
        text = self.chain.invoke(question).strip()
        return Answer(text, "none" if says_dont_know(text) else "lookup")


# --- aggregates at 100k rows --------------------------------------------------------------


class FellToRetrieval(Exception):
    """An aggregate question left the SQL path: retrieval would embed every row first."""


def ingest_without_vectors(catalog: Catalog, source: str, settings: Settings, table: str) -> int:
    """The catalog side of an ingest (schema, rows, typed table, profile); no embeddings."""
    total = 0
    for stream in open_source(source, settings, table=table):
        info, _ = catalog.ensure_table(stream.schema)
        for batch in stream.batches():
            catalog.write(info, batch.records, [], [])
            total += len(batch.records)
        describe_table(catalog, info)
    return total


def aggregate_latency(folder: Path, runs: int) -> dict[str, Any]:
    header, rows = read_superstore()
    big = (rows * (AGGREGATE_ROWS // len(rows) + 1))[:AGGREGATE_ROWS]
    path = folder / "data" / f"{SUPERSTORE_TABLE}.csv"
    write_csv(path, header, big)
    ws = Workspace(load_settings(home=folder / "ws", llm_backend="none"))
    try:
        t0 = time.perf_counter()
        stored = ingest_without_vectors(ws.catalog, str(path), ws.settings, SUPERSTORE_TABLE)
        load_seconds = time.perf_counter() - t0

        def refuse(*_: Any, **__: Any) -> int:
            raise FellToRetrieval("ask searched the (empty) vector index")

        ws.indexes.sync = refuse  # type: ignore[method-assign]
        per_question: dict[str, dict[str, Any]] = {}
        seconds: dict[str, list[float]] = {}
        for i, question in enumerate(AGGREGATE_QUESTIONS):
            t0 = time.perf_counter()
            try:
                answer = ws.ask(question, use_llm=False)
            except FellToRetrieval as exc:
                per_question[question] = {"error": f"not on the SQL path: {exc}"}
                continue
            first = time.perf_counter() - t0
            per_question[question] = {
                "route": answer.route,
                "answer": answer.answer[:200],
                "sql": answer.sql,
                "first_ms": round(first * 1000, 1),
                "first_includes_value_index_build": i == 0,
            }
            if answer.route == "aggregate":
                seconds[question] = []
        for _ in range(runs):  # rounds over the questions, so changing load hits all alike
            for question in seconds:
                t0 = time.perf_counter()
                ws.ask(question, use_llm=False)
                seconds[question].append(time.perf_counter() - t0)
        for question, values in seconds.items():
            per_question[question] |= percentiles_ms(values)
        everything = [s for values in seconds.values() for s in values]
        return {
            "rows": stored,
            "load_seconds_no_embeddings": round(load_seconds, 1),
            "runs_per_question": runs,
            "vectors_in_index": ws.indexes.vectors.size,
            "questions": per_question,
            "all": percentiles_ms(everything) if everything else None,
        }
    finally:
        ws.close()


# --- the run ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="eval workspace folder")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="question set")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--no-langchain", action="store_true", help="skip the LangChain stack")
    parser.add_argument(
        "--langchain-tables",
        default=",".join(DEFAULT_LANGCHAIN_TABLES),
        help="comma-separated tables LangChain embeds, or 'all' (default: those the questions use)",
    )
    parser.add_argument("--agg-runs", type=int, default=20, help="timed runs per 100k question")
    parser.add_argument("--no-aggregate", action="store_true", help="skip the 100k-row part")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    return parser.parse_args(argv)


def langchain_tables(spec: str, home: Path) -> list[str]:
    if spec.strip().lower() != "all":
        return [t.strip() for t in spec.split(",") if t.strip()]
    conn = sqlite3.connect(f"file:{home / 'chinook.db'}?mode=ro", uri=True)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    finally:
        conn.close()
    return [SUPERSTORE_TABLE, *names, *LOG_FILES]


def per_question(
    items: Sequence[dict[str, Any]], runs: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        row: dict[str, Any] = {"id": item.get("id", str(i)), "kind": item.get("kind")}
        for name, results in runs.items():
            row[name] = {
                "correct": results[i]["correct"],
                "route": results[i]["route"],
                "got": str(results[i]["got"])[:160],
            }
        out.append(row)
    return out


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    items = load_questions(args.questions)[: args.limit]
    ws = open_eval_workspace(args.home)
    result: dict[str, Any] = {
        "timestamp": timestamp(),
        "machine": machine_info(),
        "home": str(args.home),
        "questions": len(items),
        "question_kinds": dict(Counter(it.get("kind", "?") for it in items)),
    }
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        log("loading and warming the local model ...")
        backend, load_seconds = warm_up(ws, items)
        result["llm"] = {
            "backend": repr(backend),
            "threads": ws.settings.llm_threads,
            "load_seconds": round(load_seconds, 1),
        }
        log(f"lakelight with the local model: {len(items)} questions ...")
        out = run_scored(items, lambda q: ws.ask(q, use_llm=True))
        result["lakelight_llm"], results["lakelight_llm"] = out["figures"], out["results"]
        log(f"lakelight without a model: {len(items)} questions ...")
        out = run_scored(items, lambda q: ws.ask(q, use_llm=False))
        result["lakelight_no_llm"], results["lakelight_no_llm"] = out["figures"], out["results"]
        if not args.no_langchain:
            tables = langchain_tables(args.langchain_tables, args.home)
            files = export_for_langchain(args.home, tmp / "langchain", tables)
            docs = langchain_documents(files)
            log(f"langchain: embedding {len(docs)} documents from {len(files)} tables ...")
            rag = LangChainRag(docs, ws.settings.model_path, backend)
            log(f"langchain: {len(items)} questions ...")
            out = run_scored(items, rag.ask)
            lc = out["figures"]
            lc.pop("llm_use", None)  # lakelight's field, meaningless here
            lc.pop("route_agreement", None)  # LangChain has no routes
            lc.pop("latency_by_route", None)
            lc |= {
                "tables": tables,
                "documents": len(docs),
                "embed_and_index_seconds": round(rag.build_seconds, 1),
                "k": LANGCHAIN_K,
                "max_tokens": LANGCHAIN_MAX_TOKENS,
                "model": "lakelight's local backend object (same weights, greedy), via "
                "backend.chat([ChatMessage('user', prompt)], max_tokens=64) in a RunnableLambda",
                "citations": "none returned: citation hit rate counts as 0",
            }
            result["langchain"], results["langchain"] = lc, out["results"]
            ll_acc = result["lakelight_llm"]["summary"]["accuracy"]
            lc_acc = lc["summary"]["accuracy"]
            result["accuracy_ratio_lakelight_over_langchain"] = (
                round(ll_acc / lc_acc, 2) if lc_acc else None
            )
    finally:
        ws.close()
    if not args.no_aggregate:
        log(f"aggregate latency at {AGGREGATE_ROWS} rows (no embeddings) ...")
        result["aggregate_100k"] = aggregate_latency(tmp / "agg100k", args.agg_runs)
    result["retrieval_100k"] = "see benchmarks/ingest.py (latency section)"
    result["per_question"] = per_question(items, results)
    return result


# --- the report ---------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _row(label: str, *cells: Any) -> str:
    return f"  {label:<36}" + "".join(f"{_cell(c):>18}" for c in cells)


def report(result: dict[str, Any]) -> str:
    m = result["machine"]
    stacks = {
        "lakelight+LLM": result["lakelight_llm"],
        "lakelight no-LLM": result["lakelight_no_llm"],
    }
    if "langchain" in result:
        stacks["LangChain+LLM"] = result["langchain"]
    sums = {k: v["summary"] for k, v in stacks.items()}
    kinds = sorted({k for s in sums.values() for k in s["accuracy_by_kind"]})
    lines = [
        "lakelight ask benchmark",
        f"  cpu: {m['cpu']} ({m['cores']} cores), torch {m['torch']}, python {m['python']}",
        f"  questions: {result['questions']} {result['question_kinds']} from {result['home']}",
        f"  local model: {result['llm']['backend']}, {result['llm']['threads']} thread(s), "
        f"loaded in {result['llm']['load_seconds']} s and warmed before timing (not counted)",
        "",
        _row("", *stacks),
        _row("accuracy", *(s["accuracy"] for s in sums.values())),
        *(
            _row(f"  {kind}", *(s["accuracy_by_kind"].get(kind) for s in sums.values()))
            for kind in kinds
        ),
        _row("citation hit rate", *(s["citation_hit_rate"] for s in sums.values())),
        _row("don't-know correct (unanswerable)", *(s["dont_know_correct"] for s in sums.values())),
        _row(
            "don't-know said to answerable",
            *(v["dont_know_on_answerable"] for v in stacks.values()),
        ),
        _row("ask latency p50 ms", *(s["latency_ms_p50"] for s in sums.values())),
        _row("ask latency p95 ms", *(s["latency_ms_p95"] for s in sums.values())),
        "",
    ]
    for name in ("lakelight_llm", "lakelight_no_llm"):
        fig = result[name]
        routes = ", ".join(
            f"{r} n={v['n']} p50 {v['p50_ms']} / p95 {v['p95_ms']} ms"
            for r, v in fig["latency_by_route"].items()
        )
        lines.append(f"  {name}: route agreement {fig['route_agreement']}; by route: {routes}")
        lines.append(f"    model use: {fig['llm_use']}; model time: {fig.get('llm_ms', '-')}")
    if "langchain" in result:
        lc = result["langchain"]
        ratio = result["accuracy_ratio_lakelight_over_langchain"]
        lines += [
            f"  LangChain: {lc['documents']} documents from {len(lc['tables'])} tables "
            f"({', '.join(lc['tables'])}), embedded and indexed in {lc['embed_and_index_seconds']}"
            f" s; retriever k={lc['k']}; model: {lc['model']}; {lc['citations']}",
            f"  accuracy ratio lakelight+LLM / LangChain+LLM: {ratio if ratio else 'n/a'}x",
        ]
    agg = result.get("aggregate_100k")
    if agg:
        lines += [
            "",
            f"  aggregate questions at {agg['rows']} rows (Superstore repeated, no embeddings, "
            f"loaded in {agg['load_seconds_no_embeddings']} s; vectors in index: "
            f"{agg['vectors_in_index']}), ask(use_llm=False), {agg['runs_per_question']} runs:",
        ]
        for question, fig in agg["questions"].items():
            if "error" in fig:
                lines.append(f"    {question!r}: {fig['error']}")
                continue
            timed = (
                f"p50 {fig['p50_ms']} / p95 {fig['p95_ms']} ms"
                if "p50_ms" in fig
                else "not timed (not aggregate)"
            )
            first = f"first {fig['first_ms']} ms" + (
                " incl. value index build" if fig["first_includes_value_index_build"] else ""
            )
            lines.append(f"    {question!r} [{fig['route']}] {timed} ({first})")
            lines.append(f"      -> {fig['answer'][:110]!r}")
        if agg["all"]:
            every = agg["all"]
            lines.append(
                f"    all aggregate asks: p50 {every['p50_ms']} / p95 {every['p95_ms']} ms"
            )
    lines.append(f"  retrieval latency at 100k rows: {result['retrieval_100k']}")
    wrong = (
        {
            name: [q["id"] for q in result["per_question"] if not q[name]["correct"]]
            for name in result["per_question"][0]
            if name not in ("id", "kind")
        }
        if result["per_question"]
        else {}
    )
    for name, ids in wrong.items():
        lines.append(f"  wrong, {name} ({len(ids)}): {' '.join(ids)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lakelight-ask-bench-") as tmp:
        result = run(args, Path(tmp))
    saved = append_result("ask", result)
    if not args.json:
        print(report(result))
        print(f"  appended to {saved}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
