"""Ask benchmark: lakelight's ``ask`` against the LangChain RAG tutorial stack, same questions,
same local model, one run.

What it measures, on every question set (``--sets``, default all: ``lakelight`` — our own
Superstore/Chinook/fail2ban questions — and the per-schema sets ``heldout_movies`` (HELD OUT of
the tuning loop), ``tpch``, ``chinook_pascal``, ``lahman``, ``logs_fail2ban``; see
``benchmarks/questions/README.md``), each against its own workspace:

1. lakelight, scored by ``lakelight.rag.evaluate``: accuracy overall and per kind, citation hit
   rate, "don't know" correctness, how often it said "don't know" to an answerable question,
   and ``ask`` latency p50/p95 end to end. Twice: with the bundled local model (SmolLM2-135M,
   ``use_llm=True``, model loaded and warmed before timing) and without it (``use_llm=False``,
   the answers of ``lakelight ask --no-llm``).
2. The LangChain tutorial stack on the same questions, over the same data exported the way a
   user would: CSV files as they are (Superstore, the TPC-H tables), SQLite tables exported to
   CSV (Chinook, Chinook-PascalCase, Lahman, movies), log files through ``TextLoader`` split one
   document per line (blank and ``#`` comment lines dropped, as lakelight drops them) ->
   ``CSVLoader`` for the CSVs -> ``HuggingFaceEmbeddings`` (the same local all-MiniLM-L6-v2,
   normalized) -> ``FAISS.from_documents`` -> ``as_retriever(k=4)`` -> the prompt "Answer the
   question using only this context: ..." -> the SAME local model: lakelight's local backend
   object, called as ``backend.chat([ChatMessage("user", prompt)], max_tokens=64)`` inside a
   ``RunnableLambda``. To keep the document count manageable, each set embeds only the tables
   its questions are about or cite (``--langchain-tables all``: every table). Its answers are
   scored with the same ``score()``. A reply counts as "don't know" (route ``none``) when it
   matches ``DONT_KNOW`` below; LangChain returns no citations, so its citation hit rate is 0.
3. Per set and over every set together (and every set but the held-out ones): accuracy per
   kind, citation hit rate and latency, per stack.
4. Aggregate-question latency at 100,000 rows: Superstore repeated (10 copies plus 60 rows) as
   one typed table in a fresh workspace, written through the catalog WITHOUT embeddings (as
   ``tests/rag/conftest.py``'s ``ingest`` does); ``ask(..., use_llm=False)`` on aggregate
   questions, p50/p95 over ``--agg-runs`` rounds. Should a question fall through to retrieval
   (which would embed all 100k rows first), it is reported, not timed.
5. Retrieval latency at 100k rows is measured by ``benchmarks/ingest.py``: not repeated here.

Run it from the repository root (every set with LangChain: about an hour on 2 cores):

    .venv/bin/python benchmarks/ask.py --home .lakelight-eval --homes .evalhomes
    .venv/bin/python benchmarks/ask.py --sets tpch,lahman --no-langchain
    .venv/bin/python benchmarks/ask.py --sets lakelight --limit 8    # quick check

``--home`` is the lakelight set's workspace (default ``.lakelight-eval``), ``--homes`` the folder
with one workspace per other set (``<homes>/<set>``, default ``.evalhomes``); a missing one is
built with ``benchmarks/eval_workspace.py`` (minutes of CPU each). ``--no-langchain`` skips
part 2, ``--no-aggregate`` part 4. Figures are printed, then a JSON line (``--json``: the JSON
only), which is also appended to ``benchmarks/results/ask.jsonl``.
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

from benchmarks import evalsets  # noqa: E402
from benchmarks.common import (  # noqa: E402
    append_result,
    log,
    machine_info,
    percentiles_ms,
    read_superstore,
    timestamp,
    write_csv,
)
from benchmarks.eval_workspace import (  # noqa: E402
    DEFAULT_HOME,
    DEFAULT_SET,
    LOG_FILES,
    SET_NAMES,
    SUPERSTORE_TABLE,
    build,
    questions_file,
)
from lakelight.config import Settings, load_settings  # noqa: E402
from lakelight.index.catalog import Catalog  # noqa: E402
from lakelight.index.pipeline import describe_table  # noqa: E402
from lakelight.ingest import open_source  # noqa: E402
from lakelight.llm import ChatBackend, ChatMessage, get_backend  # noqa: E402
from lakelight.rag.answer import Answer  # noqa: E402
from lakelight.rag.evaluate import load_questions, run_eval, summarize  # noqa: E402
from lakelight.workspace import Workspace  # noqa: E402
from tests import data  # noqa: E402

QUESTIONS = questions_file(DEFAULT_SET)
DEFAULT_HOMES = Path(".evalhomes")  # <homes>/<set> for every set but lakelight (--home)

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
SET_LOG_FILES = frozenset((*evalsets.LOG_SET_FILES, *evalsets.MOVIES_LOG_FILES))  # per-schema sets

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


def open_eval_workspace(home: Path, name: str = DEFAULT_SET) -> Workspace:
    built = (home / "catalog.db").exists()
    if name == DEFAULT_SET:
        built = built and (home / "chinook.db").exists()
    if not built:
        log(f"no {name} workspace at {home}: building it (minutes of CPU) ...")
        build(home, name)
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


def used_tables(items: Sequence[dict[str, Any]]) -> list[str]:
    """Tables a set's questions are about or cite, in first-seen order."""
    names: list[str] = []
    for item in items:
        keys = [str(k).partition(":")[0] for k in item.get("keys") or []]
        names += [t for t in (item.get("table"), *keys) if t]
    return list(dict.fromkeys(names))


def export_set_for_langchain(
    name: str, home: Path, folder: Path, tables: Sequence[str]
) -> list[tuple[str, Path]]:
    """(table, file) for one of the extra sets: its CSV files as ingested, its SQLite tables
    exported to CSV, its log files as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    if name == "tpch":
        return [(t, home / "tpch" / f"{t}.csv") for t in tables]
    logs = [t for t in tables if t in SET_LOG_FILES]
    files = [(t, evalsets.fail2ban_logs() / t) for t in logs]
    if name == "logs_fail2ban":
        return files
    db = home / f"{name}.db"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for table in (t for t in tables if t not in logs):
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            rows = [["" if v is None else str(v) for v in row] for row in cursor]
            path = folder / f"{table}.csv"
            write_csv(path, columns, rows)
            files.append((table, path))
    finally:
        conn.close()
    return files


def set_tables(name: str, home: Path, items: Sequence[dict[str, Any]], spec: str) -> list[str]:
    """The tables LangChain embeds for set ``name``: for lakelight ``--langchain-tables``; for
    the others the tables their questions use (``all``: every table of the set)."""
    if name == DEFAULT_SET:
        return langchain_tables(spec, home)
    if spec.strip().lower() != "all":
        return used_tables(items)
    if name == "tpch":
        return list(evalsets.TPCH_TABLES)
    if name == "logs_fail2ban":
        return list(evalsets.LOG_SET_FILES)
    logs = list(evalsets.MOVIES_LOG_FILES) if name == "heldout_movies" else []
    conn = sqlite3.connect(f"file:{home / f'{name}.db'}?mode=ro", uri=True)
    try:
        sql = "SELECT name FROM sqlite_master WHERE type='table'"
        return [n for (n,) in conn.execute(sql)] + logs
    finally:
        conn.close()


def langchain_documents(files: Sequence[tuple[str, Path]]) -> list[Any]:
    from langchain_community.document_loaders import CSVLoader, TextLoader
    from langchain_core.documents import Document

    docs: list[Any] = []
    logs = {*LOG_FILES, *SET_LOG_FILES}
    for name, path in files:
        if name in logs:
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
    parser.add_argument(
        "--sets",
        default=",".join(SET_NAMES),
        help=f"comma-separated question sets to run (default: all of {', '.join(SET_NAMES)})",
    )
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help="workspace of the lakelight set"
    )
    parser.add_argument(
        "--homes",
        type=Path,
        default=DEFAULT_HOMES,
        help="folder holding one workspace per other set, <homes>/<set> (built when missing)",
    )
    parser.add_argument(
        "--questions", type=Path, default=None, help="another file for the lakelight set"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--no-langchain", action="store_true", help="skip the LangChain stack")
    parser.add_argument(
        "--langchain-tables",
        default=",".join(DEFAULT_LANGCHAIN_TABLES),
        help="tables LangChain embeds for the lakelight set (comma-separated), or 'all' "
        "(then every set embeds all its tables; default: those the questions use)",
    )
    parser.add_argument("--agg-runs", type=int, default=20, help="timed runs per 100k question")
    parser.add_argument("--no-aggregate", action="store_true", help="skip the 100k-row part")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    args.sets = [n.strip() for n in args.sets.split(",") if n.strip()]
    unknown = [n for n in args.sets if n not in SET_NAMES]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}: choose from {', '.join(SET_NAMES)}")
    return args


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
    name: str, items: Sequence[dict[str, Any]], runs: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        row: dict[str, Any] = {"set": name, "id": item.get("id", str(i)), "kind": item.get("kind")}
        for stack, results in runs.items():
            row[stack] = {
                "correct": results[i]["correct"],
                "route": results[i]["route"],
                "got": str(results[i]["got"])[:160],
            }
        out.append(row)
    return out


STACKS = ("lakelight_llm", "lakelight_no_llm", "langchain")


def run_set(
    name: str, args: argparse.Namespace, tmp: Path
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """One question set through every stack: (figures, per-stack result rows, items)."""
    path = args.questions if (name == DEFAULT_SET and args.questions) else questions_file(name)
    items = load_questions(path)[: args.limit]
    home = args.home if name == DEFAULT_SET else args.homes / name
    ws = open_eval_workspace(home, name)
    result: dict[str, Any] = {
        "questions_file": str(path),
        "home": str(home),
        "held_out": name.startswith("heldout_"),
        "questions": len(items),
        "question_kinds": dict(Counter(it.get("kind", "?") for it in items)),
    }
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        log(f"[{name}] loading and warming the local model ...")
        backend, load_seconds = warm_up(ws, items)
        result["llm"] = {
            "backend": repr(backend),
            "threads": ws.settings.llm_threads,
            "load_seconds": round(load_seconds, 1),
        }
        log(f"[{name}] lakelight with the local model: {len(items)} questions ...")
        out = run_scored(items, lambda q: ws.ask(q, use_llm=True))
        result["lakelight_llm"], results["lakelight_llm"] = out["figures"], out["results"]
        log(f"[{name}] lakelight without a model: {len(items)} questions ...")
        out = run_scored(items, lambda q: ws.ask(q, use_llm=False))
        result["lakelight_no_llm"], results["lakelight_no_llm"] = out["figures"], out["results"]
        if not args.no_langchain:
            tables = set_tables(name, home, items, args.langchain_tables)
            folder = tmp / "langchain" / name
            if name == DEFAULT_SET:
                files = export_for_langchain(home, folder, tables)
            else:
                files = export_set_for_langchain(name, home, folder, tables)
            docs = langchain_documents(files)
            log(f"[{name}] langchain: embedding {len(docs)} documents from {len(files)} tables ...")
            rag = LangChainRag(docs, ws.settings.model_path, backend)
            log(f"[{name}] langchain: {len(items)} questions ...")
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
    return result, results, items


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "timestamp": timestamp(),
        "machine": machine_info(),
        "sets": {},
        "per_question": [],
    }
    every: dict[str, list[dict[str, Any]]] = {}
    for name in args.sets:
        figures, results, items = run_set(name, args, tmp)
        result["sets"][name] = figures
        result["per_question"] += per_question(name, items, results)
        for stack, rows in results.items():
            every.setdefault(stack, []).extend(rows)
    # every set together, and every set but the held-out ones
    result["all_sets"] = {stack: summarize(rows) for stack, rows in every.items()}
    tuning = [n for n in args.sets if not n.startswith("heldout_")]
    if len(tuning) != len(args.sets):
        own = {
            stack: summarize(
                [r for q, r in zip(result["per_question"], rows, strict=True) if q["set"] in tuning]
            )
            for stack, rows in every.items()
        }
        result["all_but_held_out"] = own
    if not args.no_aggregate:
        log(f"aggregate latency at {AGGREGATE_ROWS} rows (no embeddings) ...")
        result["aggregate_100k"] = aggregate_latency(tmp / "agg100k", args.agg_runs)
    result["retrieval_100k"] = "see benchmarks/ingest.py (latency section)"
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


STACK_LABELS = {
    "lakelight_llm": "lakelight+LLM",
    "lakelight_no_llm": "lakelight no-LLM",
    "langchain": "LangChain+LLM",
}


def report_set(name: str, res: dict[str, Any]) -> list[str]:
    stacks = {STACK_LABELS[k]: res[k] for k in STACKS if k in res}
    sums = {k: v["summary"] for k, v in stacks.items()}
    kinds = sorted({k for s in sums.values() for k in s["accuracy_by_kind"]})
    held = " (HELD OUT of tuning)" if res["held_out"] else ""
    lines = [
        "",
        f"set {name}{held}: {res['questions']} questions {res['question_kinds']} from "
        f"{res['home']}",
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
    ]
    for stack in ("lakelight_llm", "lakelight_no_llm"):
        fig = res[stack]
        routes = ", ".join(
            f"{r} n={v['n']} p50 {v['p50_ms']} / p95 {v['p95_ms']} ms"
            for r, v in fig["latency_by_route"].items()
        )
        lines.append(f"  {stack}: route agreement {fig['route_agreement']}; by route: {routes}")
        lines.append(f"    model use: {fig['llm_use']}; model time: {fig.get('llm_ms', '-')}")
    if "langchain" in res:
        lc = res["langchain"]
        ratio = res["accuracy_ratio_lakelight_over_langchain"]
        lines += [
            f"  LangChain: {lc['documents']} documents from {len(lc['tables'])} tables "
            f"({', '.join(lc['tables'])}), embedded and indexed in {lc['embed_and_index_seconds']}"
            f" s; retriever k={lc['k']}",
            f"  accuracy ratio lakelight+LLM / LangChain+LLM: {ratio if ratio else 'n/a'}x",
        ]
    return lines


def report_overall(label: str, sums: dict[str, dict[str, Any]]) -> list[str]:
    stacks = [k for k in STACKS if k in sums]
    kinds = sorted({k for s in sums.values() for k in s["accuracy_by_kind"]})
    first = sums[stacks[0]]
    return [
        "",
        f"{label}: {first['questions']} questions",
        _row("", *(STACK_LABELS[k] for k in stacks)),
        _row("accuracy", *(sums[k]["accuracy"] for k in stacks)),
        *(
            _row(f"  {kind}", *(sums[k]["accuracy_by_kind"].get(kind) for k in stacks))
            for kind in kinds
        ),
        _row("citation hit rate", *(sums[k]["citation_hit_rate"] for k in stacks)),
        _row("ask latency p50 ms", *(sums[k]["latency_ms_p50"] for k in stacks)),
        _row("ask latency p95 ms", *(sums[k]["latency_ms_p95"] for k in stacks)),
    ]


def report(result: dict[str, Any]) -> str:
    m = result["machine"]
    first = next(iter(result["sets"].values()))
    lines = [
        "lakelight ask benchmark",
        f"  cpu: {m['cpu']} ({m['cores']} cores), torch {m['torch']}, python {m['python']}",
        f"  local model: {first['llm']['backend']}, {first['llm']['threads']} thread(s), "
        f"loaded and warmed before timing (not counted)",
    ]
    names = list(result["sets"])
    stacks = [k for k in STACKS if k in first]
    lines += ["", "accuracy per set", _row("set", *(STACK_LABELS[k] for k in stacks))]
    for name, res in result["sets"].items():
        label = f"{name}{' *' if res['held_out'] else ''}"
        lines.append(_row(label, *(res[k]["summary"]["accuracy"] for k in stacks if k in res)))
    if any(res["held_out"] for res in result["sets"].values()):
        lines.append("  (* held out of the tuning loop)")
    for name in names:
        lines += report_set(name, result["sets"][name])
    lines += report_overall("every set together", result["all_sets"])
    if "all_but_held_out" in result:
        lines += report_overall("every set but the held-out ones", result["all_but_held_out"])
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
            first_ms = f"first {fig['first_ms']} ms" + (
                " incl. value index build" if fig["first_includes_value_index_build"] else ""
            )
            lines.append(f"    {question!r} [{fig['route']}] {timed} ({first_ms})")
            lines.append(f"      -> {fig['answer'][:110]!r}")
        if agg["all"]:
            every = agg["all"]
            lines.append(
                f"    all aggregate asks: p50 {every['p50_ms']} / p95 {every['p95_ms']} ms"
            )
    lines.append(f"  retrieval latency at 100k rows: {result['retrieval_100k']}")
    for stack in stacks:
        for name in names:
            ids = [
                q["id"]
                for q in result["per_question"]
                if q["set"] == name and stack in q and not q[stack]["correct"]
            ]
            lines.append(f"  wrong, {stack}, {name} ({len(ids)}): {' '.join(ids)}")
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
