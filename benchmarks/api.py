"""The HTTP API under load: 50 concurrent clients for 30 s on loopback against
``POST /v1/ask`` with ``use_llm=false`` over a workspace of ``--rows`` real rows (copies of
Sample Superstore as one table), in three phases: alone with eight questions asked in turn
(after their first answer, the answer cache serves them), alone with every question new (each
one computed: the cache cannot help), and the eight again while an ingest job runs (new rows,
really embedded; every batch drops the cache). Prints requests/s, p50/p95 and errors per
phase; the target is 0 errors and p95 under 300 ms alone.

    python -m benchmarks.api [--rows 100000] [--clients 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import (
    append_result,
    log,
    machine_info,
    percentiles_ms,
    read_superstore,
    timestamp,
    write_csv,
)
from benchmarks.ingest import CachingEmbedder
from lakelight.config import load_settings
from lakelight.workspace import Workspace

QUESTIONS = [
    "What were the total sales in the West region?",
    "How many orders were shipped by Second Class?",
    "What is the average discount in the Furniture category?",
    "Which state has the most sales?",
    "What was the total profit in Texas?",
    "chairs shipped to Seattle",
    "How many rows are in the Consumer segment?",
    "Which sub-category has the highest profit?",
]


def new_questions(n: int = 5000) -> list[str]:
    """Distinct aggregate questions over Superstore's own values (cities, states,
    sub-categories, ship modes, segments), in a fixed shuffled order."""
    header, data = read_superstore()
    col = {name: header.index(name) for name in header}

    def values(name: str) -> list[str]:
        return sorted({row[col[name]] for row in data})

    cities, states = values("City"), values("State")
    subcats, modes, segments = values("Sub-Category"), values("Ship Mode"), values("Segment")
    made = [f"What were the total sales in {c}?" for c in cities]
    made += [f"How many orders were shipped to {s} by {m}?" for s in states for m in modes]
    made += [f"What is the average discount of {x} in {s}?" for x in subcats for s in states]
    made += [
        f"What was the total profit of the {g} segment in {c}?" for g in segments for c in cities
    ]
    random.Random(7).shuffle(made)
    return made[:n]


def build(home: Path, rows: int) -> tuple[Path, float]:
    """``rows`` rows as one table ``sales`` (copies of Superstore, each copy's texts embedded
    once), an ingest root, and returns the root and the build seconds."""
    header, data = read_superstore()
    root = home / "lake"
    copies, left, i = [], rows, 0
    while left > 0:
        take = min(len(data), left)
        path = root / "copies" / f"copy{i:03d}" / "sales.csv"
        write_csv(path, header, data[:take])
        copies.append(path)
        left, i = left - take, i + 1
    ws = Workspace(load_settings(home=home / "ws", llm_backend="none"))
    memo = CachingEmbedder(ws.embedder)
    memo.reuse = True
    ws.indexes.embedder = memo  # type: ignore[assignment]
    started = time.perf_counter()
    ws.ingest(str(root / "copies" / "*" / "sales.csv"), table="sales")
    seconds = time.perf_counter() - started
    ws.close()
    return root, seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(
    base: str, key: str, clients: int, seconds: float, questions: Sequence[str] = QUESTIONS
) -> dict[str, Any]:
    """``clients`` loops for ``seconds``; client n asks question n, then n + clients, … so with
    many questions every request asks a new one."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    cached = 0

    async def client(n: int, http: httpx.AsyncClient) -> None:
        nonlocal cached
        turn = n
        while time.perf_counter() < deadline:
            question = questions[turn % len(questions)]
            turn += clients
            t0 = time.perf_counter()
            try:
                r = await http.post(f"{base}/v1/ask", json={"question": question, "use_llm": False})
                status = str(r.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            if status == "200":
                latencies.append(time.perf_counter() - t0)
                cached += bool(r.json().get("cached"))
            else:
                errors[status] = errors.get(status, 0) + 1

    started = time.perf_counter()
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as http:
        await asyncio.gather(*(client(n, http) for n in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        **percentiles_ms(latencies or [0.0]),
        "cached_share": round(cached / max(len(latencies), 1), 3),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    log(f"building a {args.rows:,}-row workspace …")
    root, build_s = build(tmp, args.rows)
    ws = Workspace(load_settings(home=tmp / "ws"))
    _, key = ws.create_key("bench", "", "admin")
    ws.close()
    header, data = read_superstore()
    fresh = root / "fresh.csv"  # new texts: the ingest during phase 2 really embeds
    write_csv(fresh, [*header, "Batch"], [[*row, "fresh"] for row in data])

    port = free_port()
    env = {
        **os.environ,
        "LAKELIGHT_HOME": str(tmp / "ws"),
        "LAKELIGHT_LLM_BACKEND": "none",
        "LAKELIGHT_API_RATE_LIMIT": "0",
        "LAKELIGHT_INGEST_ROOTS": json.dumps([str(root)]),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "lakelight.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {key}"}
        for question in QUESTIONS:  # warm: the embedder and indexes load on first use
            httpx.post(
                f"{base}/v1/ask",
                json={"question": question, "use_llm": False},
                headers=headers,
                timeout=300,
            )
        log(f"phase 1: {args.clients} clients for {args.seconds} s, alone, 8 questions in turn …")
        alone = asyncio.run(load(base, key, args.clients, args.seconds))
        log("phase 2: the same, every question new …")
        fresh_questions = asyncio.run(load(base, key, args.clients, args.seconds, new_questions()))
        job = httpx.post(
            f"{base}/v1/ingest", json={"source": str(fresh)}, headers=headers, timeout=30
        ).json()["job_id"]
        log(f"phase 3: 8 questions in turn while ingest job {job} runs …")
        during = asyncio.run(load(base, key, args.clients, args.seconds))
        state = httpx.get(f"{base}/v1/jobs/{job}", headers=headers, timeout=30).json()
        during["ingest_state_at_end"] = state["state"]
        during["ingest_rows_read_at_end"] = sum(state["progress"].values())
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        "benchmark": "api",
        "at": timestamp(),
        "machine": machine_info(),
        "rows": args.rows,
        "build_seconds": round(build_s, 1),
        "clients": args.clients,
        "seconds": args.seconds,
        "alone": alone,
        "alone_new_questions": fresh_questions,
        "during_ingest": during,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"API load: {result['clients']} clients × {result['seconds']} s, POST /v1/ask "
        f"(use_llm=false), {result['rows']:,} rows",
        "| phase | requests/s | p50 ms | p95 ms | errors | cached |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("alone", "alone_new_questions", "during_ingest"):
        r = result[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {r['requests_per_s']} | {r['p50_ms']} | "
            f"{r['p95_ms']} | {r['errors']} | {r['cached_share']:.0%} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lakelight-bench-") as tmp:
        result = run(args, Path(tmp))
    saved = append_result("api", result)
    print(report(result))
    print(f"  appended to {saved}", file=sys.stderr)


if __name__ == "__main__":
    main()
