"""Foreign-key inference time on a scaled TPC-H-style catalog (tests/warehouse.py rows, orders
and line items repeated ``--scale`` times with fresh keys), in SQLite or any catalog URL.

The tables are written through the catalog without embeddings (as tests/lake.py does); only
``infer_foreign_keys`` over the whole catalog is timed, and the links it finds are printed.

    .venv/bin/python benchmarks/foreign_keys.py --scale 100      # ~224k line items
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lakelight.index.catalog import Catalog  # noqa: E402
from lakelight.index.foreign_keys import infer_foreign_keys  # noqa: E402
from tests.lake import ingest  # noqa: E402
from tests.warehouse import tpch_tables, write_csv  # noqa: E402


def scaled(folder: Path, scale: int) -> Path:
    tables = tpch_tables()
    orders, lines = tables["orders"], tables["lineitem"]
    step = max(o["o_orderkey"] for o in orders)
    tables["orders"] = [
        dict(o, o_orderkey=o["o_orderkey"] + n * step) for n in range(scale) for o in orders
    ]
    tables["lineitem"] = [
        dict(line, l_orderkey=line["l_orderkey"] + n * step) for n in range(scale) for line in lines
    ]
    for name, rows in tables.items():
        write_csv(folder / f"{name}.csv", rows)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--url", default=None, help="catalog URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lakelight-fk-"))
    catalog = Catalog(args.url or f"sqlite:///{home / 'catalog.db'}", home)
    started = time.perf_counter()
    ingest(catalog, str(scaled(home / "tpch", args.scale)), home)
    print(f"written in {time.perf_counter() - started:.0f}s")
    rows = {t.name: t.row_count for t in catalog.list_tables()}
    print("rows:", ", ".join(f"{n} {r:,}" for n, r in sorted(rows.items())))
    for run in ("first", "again"):
        started = time.perf_counter()
        found = infer_foreign_keys(catalog)
        print(f"infer ({run}): {time.perf_counter() - started:.2f}s")
    names = {t.id: t.name for t in catalog.list_tables()}
    for table_id, fks in sorted(found.items()):
        for fk in fks:
            print(f"  {names[table_id]}.{fk.column} -> {fk.table}.{fk.ref_column}")
    catalog.close()


if __name__ == "__main__":
    main()
