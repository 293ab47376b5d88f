"""Helpers shared by the benchmarks: the real data sets as CSV files, machine facts, figures."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import os
import platform
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


@dataclass
class TableFile:
    """One table written as a CSV file: its name, path, header and rows (as written)."""

    name: str
    path: Path
    columns: list[str]
    rows: list[list[str]]


def sampledata_dir() -> Path:
    """The data folder of the PyPI package bokeh-sampledata (see DATA.md)."""
    spec = importlib.util.find_spec("bokeh_sampledata")
    if not spec or not spec.submodule_search_locations:
        raise SystemExit("bokeh-sampledata is not installed: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "_data"


def read_superstore() -> tuple[list[str], list[list[str]]]:
    """Sample Superstore, 9,994 rows, cells exactly as the shipped CSV has them."""
    with gzip.open(sampledata_dir() / "SampleSuperstore.csv.gz", "rt", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def read_omdb() -> tuple[list[str], list[list[str]]]:
    """The ``omdb`` table of movies.db, 17,472 rows; NULL becomes an empty cell."""
    conn = sqlite3.connect(f"file:{sampledata_dir() / 'movies.db'}?mode=ro", uri=True)
    try:
        cursor = conn.execute("SELECT * FROM omdb")
        header = [d[0] for d in cursor.description]
        rows = [["" if v is None else str(v) for v in row] for row in cursor]
    finally:
        conn.close()
    return header, rows


def proportional_caps(sizes: Sequence[int], total: int | None) -> list[int]:
    """How many rows to take from each table so they add up to ``total`` (all when None)."""
    if total is None or total >= sum(sizes):
        return list(sizes)
    caps = [total * s // sum(sizes) for s in sizes]
    for i in range(total - sum(caps)):  # hand out the rounding remainder
        caps[i % len(caps)] += 1
    return caps


def write_csv(path: Path, columns: list[str], rows: Sequence[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)


def export_tables(folder: Path, total_rows: int | None) -> list[TableFile]:
    """Superstore and omdb as CSV files in ``folder``, capped to ``total_rows`` together
    (proportionally, taken from the start of each)."""
    sources = {"superstore": read_superstore(), "omdb": read_omdb()}
    caps = proportional_caps([len(rows) for _, rows in sources.values()], total_rows)
    tables = []
    for (name, (columns, rows)), cap in zip(sources.items(), caps, strict=True):
        path = folder / f"{name}.csv"
        write_csv(path, columns, rows[:cap])
        tables.append(TableFile(name, path, columns, rows[:cap]))
    return tables


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    import torch

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


def append_result(name: str, result: dict[str, Any]) -> Path:
    """Append one run's figures as a JSON line to ``benchmarks/results/<name>.jsonl``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.jsonl"
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    return path


def timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the figures."""
    print(message, file=sys.stderr, flush=True)
