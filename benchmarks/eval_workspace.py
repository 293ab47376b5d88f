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

``--set NAME`` builds the workspace of another question set instead (``heldout_movies``,
``tpch``, ``chinook_pascal``, ``lahman``, ``logs_fail2ban``; ``benchmarks/evalsets.py`` says
what each holds), one set per workspace folder, e.g.

    .venv/bin/python benchmarks/eval_workspace.py --set tpch --home .evalhomes/tpch

``--check`` (after a build, or alone on a built workspace) confirms that every gold key of the
set's questions is a record of the workspace, so the citation hit rate measures what it says.
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

from benchmarks import evalsets  # noqa: E402
from tests import data  # noqa: E402
from tests.chinook import load_chinook  # noqa: E402

DEFAULT_HOME = Path(".lakelight-eval")
DEFAULT_SET = "lakelight"
SET_NAMES = (DEFAULT_SET, *evalsets.SETS)
QUESTIONS_DIR = ROOT / "benchmarks" / "questions"
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


def questions_file(name: str) -> Path:
    return QUESTIONS_DIR / f"{name}.jsonl"


def build(home: Path, name: str = DEFAULT_SET) -> None:
    """Ingest the data of question set ``name`` into the workspace at ``home``: by default
    Superstore, Chinook and the fail2ban logs (``lakelight.jsonl``)."""
    from lakelight.config import load_settings
    from lakelight.workspace import Workspace

    home.mkdir(parents=True, exist_ok=True)
    if name == DEFAULT_SET:
        load_chinook(chinook_url(home))  # drop + create: the same rows every time
        steps = plan(home)
    else:
        steps = evalsets.prepare(name, home)  # rewrites the set's files: the same rows
    ws = Workspace(load_settings(home=str(home)))
    try:
        for source, table, fmt in steps:
            t0 = time.perf_counter()
            ws.ingest(source, table=table, format=fmt)  # type: ignore[arg-type]
            print(f"ingested {table or source} in {time.perf_counter() - t0:.1f}s", flush=True)
        for info in ws.tables():
            print(f"  {info.name}")
    finally:
        ws.close()


def check(home: Path, name: str = DEFAULT_SET) -> list[str]:
    """Gold keys of ``<name>.jsonl`` that are no record of the workspace at ``home`` (a key
    matches as lakelight's eval compares it: ``table:key`` or the bare key)."""
    from lakelight.config import load_settings
    from lakelight.rag.evaluate import load_questions
    from lakelight.workspace import Workspace

    items = load_questions(questions_file(name))
    ws = Workspace(load_settings(home=str(home), llm_backend="none"))
    missing: list[str] = []
    try:
        tables = {t.name.lower(): t for t in ws.tables()}
        for item in items:
            for key in item.get("keys") or []:
                table, _, rest = str(key).partition(":")
                info = tables.get(table.lower())
                wanted = [rest, str(key)] if info is not None else []
                found = info is not None and any(
                    ws.catalog.records_by_keys(info, [k]) for k in wanted
                )
                if not found:
                    missing.append(f"{item.get('id')}: {key}")
    finally:
        ws.close()
    return missing


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="workspace folder")
    parser.add_argument(
        "--set", default=DEFAULT_SET, choices=SET_NAMES, help="question set whose data to ingest"
    )
    parser.add_argument("--dry-run", action="store_true", help="list the ingests and stop")
    parser.add_argument(
        "--check", action="store_true", help="confirm the gold keys are records of the workspace"
    )
    parser.add_argument("--no-build", action="store_true", help="with --check: check only")
    args = parser.parse_args(argv)
    if args.dry_run:
        steps = (
            plan(args.home)
            if args.set == DEFAULT_SET
            else [(s, t, f) for s, t, f in _dry_plan(args.set, args.home)]
        )
        for source, table, fmt in steps:
            print(f"{table or '(all tables)':18} {fmt or 'auto':5} {source}")
        return
    if not args.no_build:
        build(args.home, args.set)
    if args.check:
        missing = check(args.home, args.set)
        for line in missing:
            print(f"  missing gold key {line}")
        print(f"gold keys of {args.set}.jsonl: {'all found' if not missing else len(missing)}")
        if missing:
            raise SystemExit(1)


def _dry_plan(name: str, home: Path) -> list[tuple[str, str | None, str | None]]:
    """What ``build`` would ingest for ``name``, without writing anything."""
    if name == "heldout_movies":
        logs = evalsets.fail2ban_logs()
        return [
            (evalsets.sqlite_url(home / evalsets.MOVIES_DB), None, None),
            *((str(logs / f), f, "log") for f in evalsets.MOVIES_LOG_FILES),
        ]
    if name == "tpch":
        return [(str(home / "tpch" / f"{t}.csv"), t, None) for t in evalsets.TPCH_TABLES]
    if name == "chinook_pascal":
        return [(evalsets.sqlite_url(home / "chinook_pascal.db"), None, None)]
    if name == "lahman":
        return [(evalsets.sqlite_url(home / "lahman.db"), None, None)]
    logs = evalsets.fail2ban_logs()
    return [(str(logs / f), f, "log") for f in evalsets.LOG_SET_FILES]


if __name__ == "__main__":
    main()
