"""The HTTP API under load: 50 concurrent clients for 30 s on loopback against
``POST /v1/ask`` with ``use_llm=false`` over a workspace of ``--rows`` real rows (copies of
Sample Superstore as one table), in three phases: alone with eight questions asked in turn
(after their first answer, the answer cache serves them), alone with every question new (each
one computed: the cache cannot help), and the eight again while an ingest job runs (new rows,
really embedded; every batch drops the cache). Prints requests/s, p50/p95 and errors per
phase, and the CPU the server and the load generator each spent per request (the figure
that does not depend on what else the machine runs); the target is 0 errors and p95 under
300 ms alone.

    python -m benchmarks.api [--rows 100000] [--clients 50] [--seconds 30]
        [--phases alone,new,ingest] [--built DIR]

``--built DIR`` keeps the built workspace in DIR and copies it for each later run (the build
embeds 10k texts; the ingest phase changes the copy, never DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import psutil

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


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU of ``process`` and its live children (uvicorn's workers)."""
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def measured(server: psutil.Process, phase: Any) -> dict[str, Any]:
    """Runs ``phase()`` (a load) and adds the server's and this process's CPU per request."""
    server_before, client_before = cpu_seconds(server), time.process_time()
    result: dict[str, Any] = phase()
    served = max(result["requests"] + result["errors"], 1)
    result["server_cpu_ms_per_request"] = round(
        (cpu_seconds(server) - server_before) * 1000 / served, 2
    )
    result["client_cpu_ms_per_request"] = round(
        (time.process_time() - client_before) * 1000 / served, 2
    )
    return result


def _run_loop(work: Any) -> Any:
    """The load generator on uvloop where it is installed (what the server runs on too)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(
    base: str,
    key: str,
    clients: int,
    seconds: float,
    questions: Sequence[str] = QUESTIONS,
    client: str = "aiohttp",
) -> dict[str, Any]:
    """``clients`` loops for ``seconds``; client n asks question n, then n + clients, … so with
    many questions every request asks a new one. ``client``: the HTTP client, ``aiohttp``
    (lean: the server gets more of the 2 cores they share) or ``httpx``."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    cached = 0
    post = await _poster(client, base, headers, clients)

    async def one(n: int) -> None:
        nonlocal cached
        turn = n
        while time.perf_counter() < deadline:
            question = questions[turn % len(questions)]
            turn += clients
            body = json.dumps({"question": question, "use_llm": False}).encode()
            t0 = time.perf_counter()
            try:
                status, text = await post(body)
            except Exception as exc:  # a transport error of either client
                status, text = type(exc).__name__, b""
            if status == "200":
                latencies.append(time.perf_counter() - t0)
                cached += bool(json.loads(text).get("cached"))
            else:
                errors[status] = errors.get(status, 0) + 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(one(n) for n in range(clients)))
    finally:
        await post.close()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    return {
        "client": client,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        **percentiles_ms(latencies or [0.0]),
        "cached_share": round(cached / max(len(latencies), 1), 3),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


async def _poster(client: str, base: str, headers: dict[str, str], clients: int) -> Any:
    """``await post(body) -> (status, body bytes)`` to /v1/ask over ``clients`` kept-alive
    connections, and ``await post.close()``."""
    url = f"{base}/v1/ask"
    if client == "httpx":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        http = httpx.AsyncClient(headers=headers, limits=limits, timeout=120)

        async def post_httpx(body: bytes) -> tuple[str, bytes]:
            r = await http.post(url, content=body)
            return str(r.status_code), r.content

        post_httpx.close = http.aclose  # type: ignore[attr-defined]
        return post_httpx
    import aiohttp

    session = aiohttp.ClientSession(
        headers=headers,
        connector=aiohttp.TCPConnector(limit=clients),
        timeout=aiohttp.ClientTimeout(total=120),
    )

    async def post_aiohttp(body: bytes) -> tuple[str, bytes]:
        async with session.post(url, data=body) as r:
            return str(r.status), await r.read()

    post_aiohttp.close = session.close  # type: ignore[attr-defined]
    return post_aiohttp


def built(tmp: Path, rows: int, keep: Path | None) -> tuple[Path, float]:
    """The workspace under ``tmp``: built there, or copied from ``keep`` (built there first
    when it holds none for ``rows`` rows)."""
    if keep is None:
        log(f"building a {rows:,}-row workspace …")
        return build(tmp, rows)
    keep = keep / str(rows)
    if not (keep / ".built").exists():
        shutil.rmtree(keep, ignore_errors=True)
        log(f"building a {rows:,}-row workspace in {keep} …")
        _, seconds = build(keep, rows)
        (keep / ".built").write_text(str(seconds))
    shutil.copytree(keep / "ws", tmp / "ws")
    shutil.copytree(keep / "lake", tmp / "lake")
    return tmp / "lake", float((keep / ".built").read_text())


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    root, build_s = built(tmp, args.rows, args.built)
    ws = Workspace(load_settings(home=tmp / "ws"))
    _, key = ws.create_key("bench", "", "admin")
    ws.close()
    phases = set(args.phases.split(","))
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
    process = psutil.Process(server.pid)
    results: dict[str, Any] = {}
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

        def phase(questions: Sequence[str] = QUESTIONS) -> Any:
            return lambda: _run_loop(
                load(base, key, args.clients, args.seconds, questions, args.client)
            )

        if "alone" in phases:
            log(f"phase 1: {args.clients} clients for {args.seconds} s, alone, 8 questions …")
            results["alone"] = measured(process, phase())
        if "new" in phases:
            log("phase 2: the same, every question new …")
            results["alone_new_questions"] = measured(process, phase(new_questions()))
        if "ingest" in phases:
            job = httpx.post(
                f"{base}/v1/ingest", json={"source": str(fresh)}, headers=headers, timeout=30
            ).json()["job_id"]
            log(f"phase 3: 8 questions in turn while ingest job {job} runs …")
            during = measured(process, phase())
            state = httpx.get(f"{base}/v1/jobs/{job}", headers=headers, timeout=30).json()
            during["ingest_state_at_end"] = state["state"]
            during["ingest_rows_read_at_end"] = sum(state["progress"].values())
            results["during_ingest"] = during
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
        "client": args.client,
        **results,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"API load: {result['clients']} clients × {result['seconds']} s, POST /v1/ask "
        f"(use_llm=false), {result['rows']:,} rows, client {result.get('client', 'httpx')}",
        "| phase | requests/s | p50 ms | p95 ms | errors | cached | server CPU ms/req "
        "| client CPU ms/req |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ("alone", "alone_new_questions", "during_ingest"):
        if name not in result:
            continue
        r = result[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {r['requests_per_s']} | {r['p50_ms']} | "
            f"{r['p95_ms']} | {r['errors']} | {r['cached_share']:.0%} | "
            f"{r['server_cpu_ms_per_request']} | {r['client_cpu_ms_per_request']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp")
    parser.add_argument("--phases", default="alone,new,ingest", help="comma-separated")
    parser.add_argument("--built", type=Path, help="keep the built workspace here, reuse it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lakelight-bench-") as tmp:
        result = run(args, Path(tmp))
    saved = append_result("api", result)
    print(report(result))
    print(f"  appended to {saved}", file=sys.stderr)


if __name__ == "__main__":
    main()
