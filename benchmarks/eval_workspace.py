"""Build the workspace that `lakelight eval benchmarks/questions/lakelight.jsonl` runs against.

It ingests, with the library, exactly the data the questions were computed from:

1. Sample Superstore (bokeh-sampledata, 9,994 rows) as table ``superstore``; record keys are
   the row numbers "1".."9994" in file order.
2. Chinook (tests/chinook.py) loaded into ``<home>/chinook.db``, then every table of that SQLite
   file (Album, Artist, Customer, Employee, Genre, Invoice, InvoiceLine, MediaType, Playlist,
   PlaylistTrack, Track); record keys are the ``id`` primary keys.
3. Seven fail2ban test logs, each its own table named after its file (sshd, apache-auth, ...);
   record keys are "<file>:<line>".

Run it from the repository root (it embeds ~26k rows: minutes of CPU):

    .venv/bin/python benchmarks/eval_workspace.py               # -> .lakelight-eval
    .venv/bin/python benchmarks/eval_workspace.py --home .lakelight-eval

``--dry-run`` lists what would be ingested without loading anything.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import data  # noqa: E402
from tests.chinook import load_chinook  # noqa: E402

DEFAULT_HOME = Path(".lakelight-eval")
SUPERSTORE_TABLE = "superstore"
LOG_FILES = (
    "sshd",
    "apache-auth",
    "apache-badbots",
    "nginx-http-auth",
    "nginx-botsearch",
    "postfix",
    "mysqld-auth",
)


def chinook_url(home: Path) -> str:
    return f"sqlite:///{(home / 'chinook.db').resolve()}"


def plan(home: Path) -> list[tuple[str, str | None, str | None]]:
    """(source, table, format) of every ingest, in order."""
    steps: list[tuple[str, str | None, str | None]] = [
        (str(data.superstore_csv()), SUPERSTORE_TABLE, None),
        (chinook_url(home), None, None),
    ]
    logs = data.fail2ban_logs()
    steps += [(str(logs / name), name, "log") for name in LOG_FILES]
    return steps


def build(home: Path) -> None:
    """Ingest Superstore, Chinook and the fail2ban logs into the workspace at ``home``."""
    from lakelight.config import load_settings
    from lakelight.workspace import Workspace

    home.mkdir(parents=True, exist_ok=True)
    load_chinook(chinook_url(home))  # drop + create: the same rows every time
    ws = Workspace(load_settings(home=str(home)))
    try:
        for source, table, fmt in plan(home):
            t0 = time.perf_counter()
            ws.ingest(source, table=table, format=fmt)  # type: ignore[arg-type]
            print(f"ingested {table or source} in {time.perf_counter() - t0:.1f}s", flush=True)
        for info in ws.tables():
            print(f"  {info.name}")
    finally:
        ws.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="workspace folder")
    parser.add_argument("--dry-run", action="store_true", help="list the ingests and stop")
    args = parser.parse_args(argv)
    if args.dry_run:
        for source, table, fmt in plan(args.home):
            print(f"{table or '(all tables)':18} {fmt or 'auto':5} {source}")
        return
    build(args.home)


if __name__ == "__main__":
    main()
